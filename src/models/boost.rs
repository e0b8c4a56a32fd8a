//! Pay multipliers on one queue for a span of time (`boosts`).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::boosts;
use crate::ids::{BoostId, UserId};
use crate::models::coverage_history::QueueKey;

crate::text_enum! {
    pub enum BoostKind {
        /// Posted ahead by staff: pays agents who booked slots inside it.
        Scheduled => "scheduled",
        /// Posted when a live queue falls below target: pays every conversation of the queue.
        Live => "live",
    }
}

#[derive(Debug, Clone, Queryable, Selectable, PartialEq)]
#[diesel(table_name = boosts)]
pub struct Boost {
    pub id: BoostId,
    pub kind: BoostKind,
    pub language: String,
    pub market: String,
    pub required_skills: String,
    pub multiplier_pct: i32,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub currency: String,
    pub budget_minor: i64,
    pub reason: String,
    pub created_by: Option<UserId>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = boosts)]
pub struct NewBoost<'a> {
    pub kind: BoostKind,
    pub language: &'a str,
    pub market: &'a str,
    pub required_skills: &'a str,
    pub multiplier_pct: i32,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub currency: &'a str,
    pub budget_minor: i64,
    pub reason: &'a str,
    pub created_by: Option<UserId>,
    pub created_at: NaiveDateTime,
}

impl Boost {
    /// The queue it boosts.
    pub fn queue(&self) -> QueueKey {
        QueueKey::new(&self.language, &self.market, &self.required_skills)
    }
}

pub fn insert(conn: &mut DbConn, boost: &NewBoost) -> QueryResult<Boost> {
    let id: BoostId = diesel::insert_into(boosts::table).values(boost).returning(boosts::id).get_result(conn)?;
    boosts::table.find(id).select(Boost::as_select()).first(conn)
}

/// Boosts in force at some point of [from, to), oldest first.
pub fn overlapping(conn: &mut DbConn, from: NaiveDateTime, to: NaiveDateTime) -> QueryResult<Vec<Boost>> {
    boosts::table
        .filter(boosts::starts_at.lt(to))
        .filter(boosts::ends_at.gt(from))
        .order(boosts::starts_at)
        .select(Boost::as_select())
        .load(conn)
}

/// Budget committed in `currency` by boosts starting in [day_start, day_end).
pub fn committed(
    conn: &mut DbConn,
    currency: &str,
    day_start: NaiveDateTime,
    day_end: NaiveDateTime,
) -> QueryResult<i64> {
    let budgets: Vec<i64> = boosts::table
        .filter(boosts::currency.eq(currency))
        .filter(boosts::starts_at.ge(day_start))
        .filter(boosts::starts_at.lt(day_end))
        .select(boosts::budget_minor)
        .load(conn)?;
    Ok(budgets.iter().sum())
}

/// Every currency and UTC day (as its first instant) with boosts starting on or after `from`.
pub fn commitments_from(conn: &mut DbConn, from: NaiveDateTime) -> QueryResult<Vec<(String, NaiveDateTime, i64)>> {
    let rows: Vec<(String, NaiveDateTime, i64)> = boosts::table
        .filter(boosts::starts_at.ge(from))
        .select((boosts::currency, boosts::starts_at, boosts::budget_minor))
        .load(conn)?;
    let mut days: std::collections::BTreeMap<(String, NaiveDateTime), i64> = Default::default();
    for (currency, starts, budget) in rows {
        let day = starts.date().and_hms_opt(0, 0, 0).unwrap_or(starts);
        *days.entry((currency, day)).or_default() += budget;
    }
    Ok(days.into_iter().map(|((c, d), b)| (c, d, b)).collect())
}
