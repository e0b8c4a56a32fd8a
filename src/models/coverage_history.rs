//! What the coverage forecast learns from: escalations per queue and 30-minute interval, and
//! each queue's handle time and patience. Aggregated in the database (dialect SQL in one
//! `match`), so weeks of history arrive as a few thousand rows, not millions.

use chrono::NaiveDateTime;
use diesel::sql_types::{BigInt, Double, Nullable, Text, Timestamp};
use diesel::{QueryableByName, RunQueryDsl};

use crate::db::DbConn;

/// One queue: language × required skills × market. Skills are kept sorted and comma-joined, so
/// the same set written in another order is the same queue.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct QueueKey {
    pub language: String,
    pub market: String,
    pub required_skills: String,
}

impl QueueKey {
    pub fn new(language: &str, market: &str, skills: &str) -> QueueKey {
        let mut list: Vec<&str> = skills.split(',').map(str::trim).filter(|s| !s.is_empty()).collect();
        list.sort_unstable();
        list.dedup();
        QueueKey { language: language.to_string(), market: market.to_string(), required_skills: list.join(",") }
    }

    pub fn skills(&self) -> Vec<String> {
        self.required_skills.split(',').filter(|s| !s.is_empty()).map(str::to_string).collect()
    }
}

/// Epoch seconds of a stored timestamp, divided into intervals, per dialect.
fn bucket_sql(conn: &DbConn, column: &str, interval_s: i64) -> String {
    match conn {
        DbConn::Sqlite(_) => format!("CAST(strftime('%s', {column}) AS INTEGER) / {interval_s}"),
        DbConn::Pg(_) => format!("CAST(FLOOR(EXTRACT(EPOCH FROM {column}) / {interval_s}) AS BIGINT)"),
    }
}

/// Seconds from `from` to `to`, per dialect.
fn seconds_sql(conn: &DbConn, from: &str, to: &str) -> String {
    match conn {
        DbConn::Sqlite(_) => format!("((julianday({to}) - julianday({from})) * 86400.0)"),
        DbConn::Pg(_) => format!("CAST(EXTRACT(EPOCH FROM ({to} - {from})) AS DOUBLE PRECISION)"),
    }
}

#[derive(QueryableByName)]
struct CountRow {
    #[diesel(sql_type = Text)]
    language: String,
    #[diesel(sql_type = Text)]
    market: String,
    #[diesel(sql_type = Text)]
    required_skills: String,
    #[diesel(sql_type = BigInt)]
    bucket: i64,
    #[diesel(sql_type = BigInt)]
    arrivals: i64,
}

/// Escalations created in [from, to) per queue and interval (the interval's epoch second
/// divided by `interval_s`).
pub fn arrivals(
    conn: &mut DbConn,
    from: NaiveDateTime,
    to: NaiveDateTime,
    interval_s: i64,
) -> diesel::QueryResult<Vec<(QueueKey, i64, i64)>> {
    let sql = format!(
        "SELECT language, market, required_skills, {bucket} AS bucket, COUNT(*) AS arrivals \
         FROM escalations WHERE created_at >= $1 AND created_at < $2 \
         GROUP BY language, market, required_skills, {bucket}",
        bucket = bucket_sql(conn, "created_at", interval_s)
    );
    let rows: Vec<CountRow> = diesel::sql_query(sql).bind::<Timestamp, _>(from).bind::<Timestamp, _>(to).load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| (QueueKey::new(&r.language, &r.market, &r.required_skills), r.bucket, r.arrivals))
        .collect())
}

/// A queue's observed pace.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Pace {
    pub resolved: i64,
    pub handle_sum_s: f64,
    /// Customers who left while waiting, and the seconds everyone who waited (served or left)
    /// spent waiting: their ratio is the exponential patience's estimate with censoring.
    pub left_waiting: i64,
    pub waited_sum_s: f64,
}

#[derive(QueryableByName)]
struct PaceRow {
    #[diesel(sql_type = Text)]
    language: String,
    #[diesel(sql_type = Text)]
    market: String,
    #[diesel(sql_type = Text)]
    required_skills: String,
    #[diesel(sql_type = BigInt)]
    resolved: i64,
    #[diesel(sql_type = Double)]
    handle_sum_s: f64,
    #[diesel(sql_type = BigInt)]
    left_waiting: i64,
    #[diesel(sql_type = Double)]
    waited_sum_s: f64,
}

/// Each queue's pace over escalations created in [from, to).
pub fn pace(conn: &mut DbConn, from: NaiveDateTime, to: NaiveDateTime) -> diesel::QueryResult<Vec<(QueueKey, Pace)>> {
    let handled = seconds_sql(conn, "assigned_at", "closed_at");
    let served_wait = seconds_sql(conn, "created_at", "assigned_at");
    let left_wait = seconds_sql(conn, "created_at", "closed_at");
    let sql = format!(
        "SELECT language, market, required_skills, \
           SUM(CASE WHEN state = 'resolved' AND assigned_at IS NOT NULL AND closed_at IS NOT NULL THEN 1 ELSE 0 END) AS resolved, \
           COALESCE(SUM(CASE WHEN state = 'resolved' AND assigned_at IS NOT NULL AND closed_at IS NOT NULL THEN {handled} END), 0.0) AS handle_sum_s, \
           SUM(CASE WHEN state = 'abandoned' AND assigned_at IS NULL THEN 1 ELSE 0 END) AS left_waiting, \
           COALESCE(SUM(CASE WHEN assigned_at IS NOT NULL THEN {served_wait} \
                             WHEN state = 'abandoned' AND closed_at IS NOT NULL THEN {left_wait} END), 0.0) AS waited_sum_s \
         FROM escalations WHERE created_at >= $1 AND created_at < $2 \
         GROUP BY language, market, required_skills"
    );
    let rows: Vec<PaceRow> = diesel::sql_query(sql).bind::<Timestamp, _>(from).bind::<Timestamp, _>(to).load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let key = QueueKey::new(&r.language, &r.market, &r.required_skills);
            (
                key,
                Pace {
                    resolved: r.resolved,
                    handle_sum_s: r.handle_sum_s,
                    left_waiting: r.left_waiting,
                    waited_sum_s: r.waited_sum_s,
                },
            )
        })
        .collect())
}

#[derive(QueryableByName)]
struct MeanRow {
    #[diesel(sql_type = Nullable<Double>)]
    mean: Option<f64>,
}

/// Mean seconds from an offer to its accept, over offers made since `since`.
pub fn mean_accept_s(conn: &mut DbConn, since: NaiveDateTime) -> diesel::QueryResult<Option<f64>> {
    let sql = format!(
        "SELECT AVG({}) AS mean FROM offers WHERE state = 'accepted' AND answered_at IS NOT NULL AND created_at >= $1",
        seconds_sql(conn, "created_at", "answered_at")
    );
    let rows: Vec<MeanRow> = diesel::sql_query(sql).bind::<Timestamp, _>(since).load(conn)?;
    Ok(rows.into_iter().next().and_then(|r| r.mean))
}
