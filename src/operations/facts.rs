//! Loads what the metrics need from the database: escalations with their first human, offers,
//! and the agents' engaged and online time (from the same metering as payroll).

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::metrics::{EscalationFact, OfferFact};
use crate::db::{
    DbConn,
    schema::{assignments, escalation_contracts, escalations, offers},
};
use crate::error::AppError;
use crate::ids::EscalationId;
use crate::models::db_time;
use crate::models::escalation::EscalationState;
use crate::payroll::{Interval, metering, union};

/// How far back escalations are loaded before a window, to know the queue at its start.
const LOOKBACK: Duration = Duration::days(1);

/// Escalations created in the window or in the day before it, or resolved in it.
pub fn escalations(conn: &mut DbConn, window: Interval) -> Result<Vec<EscalationFact>, AppError> {
    let (from, to) = (db_time(window.start), db_time(window.end));
    type Row =
        (EscalationId, NaiveDateTime, EscalationState, Option<NaiveDateTime>, i32, bool, String, Option<(i32, i32)>);
    let rows: Vec<Row> = escalations::table
        .left_join(escalation_contracts::table)
        .filter(escalations::created_at.lt(to))
        .filter(escalations::created_at.ge(db_time(window.start - LOOKBACK)).or(escalations::closed_at.ge(from)))
        .select((
            escalations::id,
            escalations::created_at,
            escalations::state,
            escalations::closed_at,
            escalations::eta_at_intake_s,
            escalations::handed_back,
            escalations::reason,
            (escalation_contracts::eta_at_intake_low_s, escalation_contracts::eta_at_intake_high_s).nullable(),
        ))
        .load(conn)?;
    let mut first_human: HashMap<EscalationId, NaiveDateTime> = HashMap::new();
    let ids: Vec<EscalationId> = rows.iter().map(|r| r.0).collect();
    for chunk in ids.chunks(500) {
        let starts: Vec<(EscalationId, NaiveDateTime)> = assignments::table
            .filter(assignments::escalation_id.eq_any(chunk))
            .select((assignments::escalation_id, assignments::started_at))
            .load(conn)?;
        for (id, started) in starts {
            first_human.entry(id).and_modify(|t| *t = (*t).min(started)).or_insert(started);
        }
    }
    Ok(rows
        .into_iter()
        .map(|(id, created, state, closed, eta, handed_back, reason, range)| EscalationFact {
            created_at: created.and_utc(),
            first_human_at: first_human.get(&id).map(|t| t.and_utc()),
            abandoned: state == EscalationState::Abandoned,
            resolved_at: closed.map(|t| t.and_utc()),
            eta_at_intake_s: eta,
            handed_back,
            reason,
            eta_at_intake_range_s: range.unwrap_or((0, 0)),
        })
        .collect())
}

/// Offers made in the window.
pub fn offers(conn: &mut DbConn, window: Interval) -> Result<Vec<OfferFact>, AppError> {
    let rows: Vec<(NaiveDateTime, String)> = offers::table
        .filter(offers::created_at.ge(db_time(window.start)))
        .filter(offers::created_at.lt(db_time(window.end)))
        .select((offers::created_at, offers::state))
        .load(conn)?;
    Ok(rows.into_iter().map(|(at, state)| OfferFact { created_at: at.and_utc(), state }).collect())
}

/// (engaged seconds, online seconds) of all agents in the window, up to `now`.
pub fn agent_time(conn: &mut DbConn, window: Interval, now: DateTime<Utc>) -> Result<(i64, i64), AppError> {
    let (mut engaged, mut online) = (0, 0);
    for agent in metering::agents_in(conn, window)? {
        let activity = metering::activity(conn, agent, window, now)?;
        let worked = activity.work.iter().filter_map(|w| w.interval.clip(&window)).collect();
        engaged += union(worked).iter().map(Interval::seconds).sum::<i64>();
        online += activity.online.iter().map(Interval::seconds).sum::<i64>();
    }
    Ok((engaged, online))
}
