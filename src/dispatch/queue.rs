//! The queue: waiting escalations in priority order, then oldest first. One pass widens what
//! has waited long enough, offers each queued escalation to its best free candidate (so freed
//! agents pull the oldest work they can do) and quotes an ETA to escalations that have none.
//! The clock's pass (`tick`, once a second) also expires offers and silent agents and
//! refreshes every waiting escalation's ETA. Passes are run by the dispatcher
//! (`dispatch::runner`), never by a request handler.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use chrono::{DateTime, Duration, Utc};

use super::Dispatcher;
use super::candidates::{self, mark_passed, needs_of, rules_for};
use super::eta::{self, EtaInputs};
use super::offers;
use super::settings::{self, MatchingSettings};
use crate::db::DbConn;
use crate::error::AppError;
use crate::matching;
use crate::models::{agent, db_time, escalation, escalation_event};

/// An ETA change this large (seconds) is sent to the platform as `escalation.eta`.
const ETA_NOTICE_S: i32 = 60;
/// Most escalations one pass looks at.
const PASS_LIMIT: i64 = 500;

/// What one pass did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct PassReport {
    pub expired: usize,
    pub widened: usize,
    pub offered: usize,
}

/// Which waiting escalations a pass writes a fresh ETA on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EtaRefresh {
    /// Only those never quoted (new ones): a pass run because something changed.
    Unquoted,
    /// All of them: the clock's pass, once a second.
    All,
}

/// The clock's pass: expire offers and silent agents, widen, offer, refresh every ETA.
/// Idempotent; every step is conditional, so an overlapping pass changes nothing twice.
pub fn tick(conn: &mut DbConn, now: DateTime<Utc>, dispatcher: &Dispatcher) -> Result<PassReport, AppError> {
    let settings = settings::load(conn)?;
    let expired = offers::expire_due(conn, &settings, now)?;
    let silent = crate::availability::presence::expire_silent(conn, now, dispatcher.heartbeat_timeout)?;
    if !silent.is_empty() {
        tracing::info!(agents = ?silent, "set away after a silent heartbeat");
    }
    let mut report = dispatch_waiting(conn, &settings, now, dispatcher, EtaRefresh::All)?;
    report.expired = expired;
    Ok(report)
}

fn widen(
    conn: &mut DbConn,
    e: &mut escalation::Escalation,
    settings: &MatchingSettings,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    let waited = (now - e.created_at.and_utc()).num_seconds();
    let steps = settings.steps_after(waited) as i32;
    if steps <= e.widened_steps || !escalation::widen_to(conn, e.id, steps)? {
        return Ok(false);
    }
    let relaxed: Vec<String> = settings.ladder[e.widened_steps as usize..steps as usize]
        .iter()
        .map(|s| serde_json::to_value(s.relax).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default())
        .collect();
    escalation_event::record(
        conn,
        e.id,
        "widened",
        Some(&format!("relaxed {} after {waited} s", relaxed.join(", "))),
        db_time(now),
    )?;
    e.widened_steps = steps;
    Ok(true)
}

/// A pass with the settings in force, after something changed what dispatch decides on.
pub fn redispatch(conn: &mut DbConn, now: DateTime<Utc>, dispatcher: &Dispatcher) -> Result<PassReport, AppError> {
    let settings = settings::load(conn)?;
    dispatch_waiting(conn, &settings, now, dispatcher, EtaRefresh::Unquoted)
}

/// Offers every queued escalation it can, in queue order, and refreshes ETAs.
pub fn dispatch_waiting(
    conn: &mut DbConn,
    settings: &MatchingSettings,
    now: DateTime<Utc>,
    dispatcher: &Dispatcher,
    refresh: EtaRefresh,
) -> Result<PassReport, AppError> {
    let mut report = PassReport::default();
    let mut waiting = escalation::waiting(conn, PASS_LIMIT)?;
    if waiting.is_empty() {
        // Nothing waits: no need to load every free agent (the costly part of a pass, paid
        // after every accept and every resolution).
        return Ok(report);
    }
    let mut pool = candidates::load(conn, now, dispatcher)?;
    // Built once per pass: every escalation ranks only agents with its language and skills.
    let index = matching::CandidateIndex::build(&pool);
    for e in waiting.iter_mut() {
        if widen(conn, e, settings, now)? {
            report.widened += 1;
        }
        // With everyone's room taken by this pass's offers, the rest of the queue keeps waiting
        // (checked here, so a long backlog costs one scan per escalation, not a ranking).
        if pool.iter().any(has_room) && offers::offer_next(conn, e, &mut pool, &index, settings, now)?.is_some() {
            report.offered += 1;
            e.state = escalation::state::OFFERED.into();
        }
    }
    refresh_etas(conn, &waiting, &mut pool, &index, settings, now, dispatcher.heartbeat_timeout, refresh)?;
    Ok(report)
}

fn has_room(c: &matching::Candidate) -> bool {
    c.available && c.free_capacity() > 0
}

/// Writes a fresh ETA on the waiting escalations `refresh` names; the first one an escalation
/// gets is also kept as the quote given at intake (what the ETA error is measured against).
fn refresh_etas(
    conn: &mut DbConn,
    waiting: &[escalation::Escalation],
    pool: &mut [matching::Candidate],
    index: &matching::CandidateIndex,
    settings: &MatchingSettings,
    now: DateTime<Utc>,
    heartbeat_timeout: Duration,
    refresh: EtaRefresh,
) -> Result<(), AppError> {
    let unquoted = |e: &escalation::Escalation| e.eta_at_intake_s == 0;
    if refresh == EtaRefresh::Unquoted && !waiting.iter().any(unquoted) {
        return Ok(());
    }
    let (accept_s, handle_s) = eta::history(conn, now)?;
    let online = agent::online_count(conn, db_time(now - heartbeat_timeout))?.max(0) as usize;
    // Escalations of one market at one widening step share their rules.
    let mut rules_by_kind: HashMap<(String, i32), matching::Rules> = HashMap::new();
    let anyone_free = pool.iter().any(has_room);
    for (place, e) in waiting.iter().enumerate() {
        if refresh == EtaRefresh::Unquoted && !unquoted(e) {
            continue;
        }
        let seconds = if e.state == escalation::state::OFFERED {
            accept_s.round() as i32
        } else {
            let free_eligible = if anyone_free {
                let rules = match rules_by_kind.entry((e.market.clone(), e.widened_steps)) {
                    Entry::Occupied(known) => known.into_mut(),
                    Entry::Vacant(slot) => slot.insert(rules_for(conn, e, settings)?),
                };
                // Marks in place: the pool is this pass's own, and each escalation re-marks it.
                mark_passed(conn, e.id, pool)?;
                let needs = needs_of(e);
                index.shortlist(&needs).iter().filter(|&&at| matching::check(&needs, &pool[at], rules).is_ok()).count()
            } else {
                0
            };
            eta::estimate(&EtaInputs { position: place + 1, free_eligible, online, accept_s, handle_s })
        };
        if seconds != e.eta_seconds {
            escalation::set_eta(conn, e.id, seconds)?;
        }
        if unquoted(e) {
            escalation::set_intake_eta(conn, e.id, seconds.max(1))?;
        }
        if (seconds - e.eta_seconds).abs() >= ETA_NOTICE_S {
            let data = serde_json::json!({"escalation_id": e.id, "external_id": e.external_id, "eta_seconds": seconds, "at": now});
            crate::webhooks::enqueue(conn, e.service_account_id, "escalation.eta", data, now)?;
        }
    }
    Ok(())
}

/// 1-based place of a waiting escalation in the queue; `None` once a human has it.
pub fn position(conn: &mut DbConn, e: &escalation::Escalation) -> Result<Option<i64>, AppError> {
    if e.state != escalation::state::QUEUED && e.state != escalation::state::OFFERED {
        return Ok(None);
    }
    let ahead = escalation::waiting(conn, PASS_LIMIT)?.iter().take_while(|w| w.id != e.id).count() as i64;
    Ok(Some(ahead + 1))
}
