//! Stored forecast runs: one row per queue per run (`coverage_forecasts`).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::{DbConn, schema::coverage_forecasts};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = coverage_forecasts)]
pub struct ForecastRow {
    pub id: i64,
    pub computed_at: NaiveDateTime,
    pub inputs_version: String,
    pub starts_at: NaiveDateTime,
    pub language: String,
    pub market: String,
    pub required_skills: String,
    pub method: String,
    pub history_intervals: i32,
    pub handle_s: f64,
    pub patience_s: f64,
    pub accept_s: f64,
    /// JSON array of arrivals per interval.
    pub arrivals: String,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = coverage_forecasts)]
pub struct NewForecast<'a> {
    pub computed_at: NaiveDateTime,
    pub inputs_version: &'a str,
    pub starts_at: NaiveDateTime,
    pub language: &'a str,
    pub market: &'a str,
    pub required_skills: &'a str,
    pub method: &'a str,
    pub history_intervals: i32,
    pub handle_s: f64,
    pub patience_s: f64,
    pub accept_s: f64,
    pub arrivals: String,
}

/// Stores a run; runs older than the newest `keep` are deleted.
pub fn insert_run(conn: &mut DbConn, rows: &[NewForecast], keep: usize) -> QueryResult<()> {
    // One statement per queue: batch inserts do not compile over both backends.
    for row in rows {
        diesel::insert_into(coverage_forecasts::table).values(row).execute(conn)?;
    }
    let runs: Vec<NaiveDateTime> = coverage_forecasts::table
        .select(coverage_forecasts::computed_at)
        .distinct()
        .order(coverage_forecasts::computed_at.desc())
        .load(conn)?;
    if let Some(oldest_kept) = runs.get(keep.saturating_sub(1)) {
        diesel::delete(coverage_forecasts::table.filter(coverage_forecasts::computed_at.lt(oldest_kept)))
            .execute(conn)?;
    }
    Ok(())
}

/// When the newest run was computed.
pub fn newest_run_at(conn: &mut DbConn) -> QueryResult<Option<NaiveDateTime>> {
    coverage_forecasts::table.select(diesel::dsl::max(coverage_forecasts::computed_at)).first(conn)
}

/// The newest run's rows, empty if none was computed.
pub fn latest(conn: &mut DbConn) -> QueryResult<Vec<ForecastRow>> {
    let Some(newest) = newest_run_at(conn)? else { return Ok(vec![]) };
    coverage_forecasts::table
        .filter(coverage_forecasts::computed_at.eq(newest))
        .order((coverage_forecasts::language, coverage_forecasts::market, coverage_forecasts::required_skills))
        .select(ForecastRow::as_select())
        .load(conn)
}
