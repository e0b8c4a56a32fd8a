//! The queue: waiting escalations in priority order, then oldest first. One pass widens what
//! has waited long enough, offers each queued escalation to its best free candidate (so freed
//! agents pull the oldest work they can do) and quotes an ETA to escalations that have none.
//! The clock's pass (`tick`, once a second) also expires offers and silent agents and
//! refreshes every waiting escalation's ETA. Passes are run by the dispatcher
//! (`dispatch::runner`), never by a request handler.

use chrono::{DateTime, Utc};

use super::Dispatcher;
use super::candidates::{self, EligiblePools, PassPool};
use super::eta::{self, EtaInputs};
use super::offers;
use super::settings::{self, MatchingSettings};
use crate::db::DbConn;
use crate::error::AppError;
use crate::models::escalation::EscalationState;
use crate::models::escalation_event::TimelineEvent;
use crate::models::{agent, db_time, escalation, escalation_event};
use crate::realtime::bus::Changes;

/// An ETA change this large (seconds) is sent to the platform as `escalation.eta`.
const ETA_NOTICE_S: i32 = 60;
/// Most escalations one pass looks at (the head of the queue).
const PASS_LIMIT: usize = 500;

/// What one pass did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct PassReport {
    pub expired: usize,
    pub widened: usize,
    pub offered: usize,
    /// Requests for a pass this one answered (commits since the last pass).
    pub batched: usize,
}

/// Which waiting escalations a pass writes a fresh ETA on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EtaRefresh {
    /// Only those never quoted (new ones): a pass run because something changed.
    Unquoted,
    /// All of them: the clock's pass, once a second.
    All,
}

/// What a pass decides from, read before its write transaction (on the dispatcher, through a
/// read connection), so the single writer is held only for the pass's writes. What changes in
/// between is caught by the writes themselves: every claim and transition is conditional.
#[derive(Debug)]
pub struct PassInput {
    settings: MatchingSettings,
    waiting: Vec<escalation::Escalation>,
    pool: PassPool,
    history: EtaHistory,
}

/// Reads a pass's input. With nothing waiting, the costly part (the free agents) is skipped.
/// `changed` (the dispatcher's own passes) reads again only the escalations and agents changed
/// since its last pass, keeping the rest in memory; `None` reads everything and keeps nothing.
pub fn prepare(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    dispatcher: &Dispatcher,
    changed: Option<&Changes>,
) -> Result<PassInput, AppError> {
    let settings = settings::load(conn)?;
    let waiting = match changed {
        Some(changed) => dispatcher.queue.read(conn, now, &changed.escalations, PASS_LIMIT)?,
        None => escalation::waiting(conn, PASS_LIMIT as i64)?,
    };
    if waiting.is_empty() {
        if let Some(changed) = changed {
            dispatcher.live.defer(&changed.agents);
        }
        let history = EtaHistory { accept_s: 0.0, handle_s: 0.0, online: 0 };
        return Ok(PassInput { settings, waiting, pool: PassPool::default(), history });
    }
    let candidates = candidates::load(conn, now, dispatcher, changed.map(|c| &c.agents))?;
    let pool = PassPool::load(conn, candidates, &waiting, &settings)?;
    let recent = dispatcher.recent.at(conn, now)?;
    let online = agent::online_count(conn, db_time(now - dispatcher.heartbeat_timeout))?.max(0) as usize;
    let history = EtaHistory { accept_s: recent.accept_s, handle_s: recent.handle_s, online };
    Ok(PassInput { settings, waiting, pool, history })
}

/// The clock's pass on one connection (the dispatcher splits it into a read and a write; tests
/// call this with their own clock).
pub fn tick(conn: &mut DbConn, now: DateTime<Utc>, dispatcher: &Dispatcher) -> Result<PassReport, AppError> {
    let expired = expire(conn, now, dispatcher)?;
    let input = prepare(conn, now, dispatcher, None)?;
    let mut report = dispatch_waiting(conn, input, now, EtaRefresh::All)?;
    report.expired = expired;
    Ok(report)
}

/// The clock's first step: expire offers nobody answered and set silent agents away.
pub fn expire(conn: &mut DbConn, now: DateTime<Utc>, dispatcher: &Dispatcher) -> Result<usize, AppError> {
    let settings = settings::load(conn)?;
    let expired = offers::expire_due(conn, &settings, now)?;
    let silent = crate::availability::presence::expire_silent(conn, now, dispatcher.heartbeat_timeout)?;
    if !silent.is_empty() {
        tracing::info!(agents = ?silent, "set away after a silent heartbeat");
    }
    Ok(expired)
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
        TimelineEvent::Widened,
        Some(&format!("relaxed {} after {waited} s", relaxed.join(", "))),
        db_time(now),
    )?;
    e.widened_steps = steps;
    Ok(true)
}

/// A pass on one connection after something changed what dispatch decides on (tests call it
/// with their own clock; the dispatcher splits it into a read and a write).
pub fn redispatch(conn: &mut DbConn, now: DateTime<Utc>, dispatcher: &Dispatcher) -> Result<PassReport, AppError> {
    let input = prepare(conn, now, dispatcher, None)?;
    dispatch_waiting(conn, input, now, EtaRefresh::Unquoted)
}

/// The pass's writes: widens, offers every queued escalation it can in queue order, and
/// refreshes ETAs, from what `prepare` read.
pub fn dispatch_waiting(
    conn: &mut DbConn,
    input: PassInput,
    now: DateTime<Utc>,
    refresh: EtaRefresh,
) -> Result<PassReport, AppError> {
    let mut report = PassReport::default();
    let PassInput { settings, mut waiting, mut pool, history } = input;
    for e in waiting.iter_mut() {
        if widen(conn, e, &settings, now)? {
            report.widened += 1;
        }
        // With everyone's room taken by this pass's offers, the rest of the queue keeps waiting
        // (checked here, so a long backlog costs one scan per escalation, not a ranking).
        if pool.anyone_free() && offers::offer_next(conn, e, &mut pool, &settings, now)?.is_some() {
            report.offered += 1;
            e.state = EscalationState::Offered;
        }
    }
    refresh_etas(conn, &waiting, &mut pool, &history, now, refresh)?;
    Ok(report)
}

/// What every ETA of a pass rests on besides the escalation's place: recent accept latency and
/// handle time (seconds), and agents online.
#[derive(Debug)]
struct EtaHistory {
    accept_s: f64,
    handle_s: f64,
    online: usize,
}

/// Writes a fresh ETA on the waiting escalations `refresh` names; the first one an escalation
/// gets is also kept as the quote given at intake (what the ETA error is measured against).
fn refresh_etas(
    conn: &mut DbConn,
    waiting: &[escalation::Escalation],
    pool: &mut PassPool,
    history: &EtaHistory,
    now: DateTime<Utc>,
    refresh: EtaRefresh,
) -> Result<(), AppError> {
    let unquoted = |e: &escalation::Escalation| e.eta_at_intake_s == 0;
    let anyone_free = pool.anyone_free();
    let mut pools = EligiblePools::default();
    for (place, e) in waiting.iter().enumerate() {
        if refresh == EtaRefresh::Unquoted && !unquoted(e) {
            continue;
        }
        let seconds = if e.state == EscalationState::Offered {
            history.accept_s.round() as i32
        } else {
            let free_eligible = if anyone_free { pool.free_eligible(e, &mut pools) } else { 0 };
            let (accept_s, handle_s, online) = (history.accept_s, history.handle_s, history.online);
            eta::estimate(&EtaInputs { position: place + 1, free_eligible, online, accept_s, handle_s })
        };
        if seconds != e.eta_seconds {
            escalation::set_eta(conn, e.id, seconds)?;
        }
        if unquoted(e) {
            escalation::set_intake_eta(conn, e.id, seconds.max(1))?;
        }
        if (seconds - e.eta_seconds).abs() >= ETA_NOTICE_S {
            let told = crate::webhooks::PlatformEvent::Eta {
                escalation_id: e.id,
                external_id: e.external_id.clone(),
                eta_seconds: seconds,
                at: now,
            };
            crate::webhooks::enqueue(conn, e.service_account_id, &told, now)?;
        }
    }
    Ok(())
}

/// 1-based place of a waiting escalation in the queue; `None` once a human has it.
pub fn position(conn: &mut DbConn, e: &escalation::Escalation) -> Result<Option<i64>, AppError> {
    if !e.state.is_waiting() {
        return Ok(None);
    }
    Ok(Some(escalation::waiting_ahead(conn, e)? + 1))
}
