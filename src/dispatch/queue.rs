//! The queue: waiting escalations in priority order, then oldest first. One pass widens what
//! has waited long enough, offers each queued escalation to its best free candidate (so freed
//! agents pull the oldest work they can do) and quotes an ETA to escalations that have none.
//! The clock's pass (`tick`, once a second) also expires offers and silent agents and
//! refreshes every waiting escalation's ETA. Passes are run by the dispatcher
//! (`dispatch::runner`), never by a request handler.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::Dispatcher;
use super::candidates::{self, PassPool, PoolKey};
use super::eta::{self, Estimate};
use super::eta_pools::PoolBoard;
use super::offers;
use super::roster::Roster;
use super::scheduled;
use super::settings::{self, MatchingSettings};
use crate::db::DbConn;
use crate::error::AppError;
use crate::ids::EscalationId;
use crate::models::escalation::EscalationState;
use crate::models::escalation_event::TimelineEvent;
use crate::models::{db_time, escalation, escalation_event};
use crate::realtime::bus::Changes;

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
    pace: eta::Pace,
    /// Everyone online, for ETAs (`None` with nothing waiting).
    roster: Option<Arc<Roster>>,
    dispatcher: Dispatcher,
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
        let (pace, dispatcher) = (eta::Pace::default(), dispatcher.clone());
        return Ok(PassInput { settings, waiting, pool: PassPool::default(), pace, roster: None, dispatcher });
    }
    let candidates = candidates::load(conn, now, dispatcher, changed.map(|c| &c.agents))?;
    let pool = PassPool::load(conn, candidates, &waiting, &settings)?;
    let recent = dispatcher.recent.at(conn, now)?;
    let pace = recent.pace;
    let roster = Some(match changed {
        Some(_) => dispatcher.roster.at(conn, now, dispatcher)?,
        None => Arc::new(Roster::read(conn, now, dispatcher)?),
    });
    Ok(PassInput { settings, waiting, pool, pace, roster, dispatcher: dispatcher.clone() })
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
    let released = super::release::release_overdue(conn, now)?;
    let wrapped = crate::quality::wrap_up::end_overdue(conn, now)?;
    if wrapped > 0 {
        tracing::info!(wrapped, "wrap-ups ended at their maximum");
    }
    if released > 0 {
        tracing::info!(released, "customers released from the live wait");
    }
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
    let PassInput { settings, mut waiting, mut pool, pace, roster, dispatcher } = input;
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
    if let Some(roster) = roster {
        let etas = Etas { roster: &roster, pool: &pool, pace, dispatcher: &dispatcher };
        refresh_etas(conn, &waiting, &etas, now, refresh)?;
    }
    Ok(report)
}

/// A pass's sources for ETAs: everyone online, the pass's own view of the free agents and the
/// rules, recent pace.
struct Etas<'a> {
    roster: &'a Roster,
    pool: &'a PassPool,
    pace: eta::Pace,
    dispatcher: &'a Dispatcher,
}

/// Writes a fresh ETA and range on the waiting escalations `refresh` names, tells the platform
/// when one or its place moved by enough (`write_eta`), and keeps the first one an escalation
/// gets as the quote given at intake (what ETA error and range coverage are measured against).
fn refresh_etas(
    conn: &mut DbConn,
    waiting: &[escalation::Escalation],
    etas: &Etas,
    now: DateTime<Utc>,
    refresh: EtaRefresh,
) -> Result<(), AppError> {
    let unquoted = |e: &escalation::Escalation| e.eta_at_intake_s == 0;
    if refresh == EtaRefresh::Unquoted && !waiting.iter().any(unquoted) {
        return Ok(());
    }
    let loads = etas.roster.loads(&etas.pool.candidates);
    let pace = etas.pace;
    // What each platform was told last (only escalations quoted before can have been told).
    let told: HashMap<EscalationId, (i32, i64)> = if refresh == EtaRefresh::All {
        let ids: Vec<EscalationId> = waiting.iter().map(|e| e.id).collect();
        escalation::last_told(conn, &ids)?.into_iter().map(|(id, eta, place)| (id, (eta, place as i64))).collect()
    } else {
        HashMap::new()
    };
    let mut board: PoolBoard<PoolKey> = PoolBoard::default();
    let mut ahead: HashMap<usize, usize> = HashMap::new();
    let mut out_of_hours: HashMap<usize, Option<DateTime<Utc>>> = HashMap::new();
    for (place, e) in waiting.iter().enumerate() {
        let Some(rules) = etas.pool.rules(e) else { continue };
        let ours = board.pool(&PoolKey::of(e), || etas.roster.eligible(&candidates::needs_of(e), &rules));
        let wanted = refresh == EtaRefresh::All || unquoted(e);
        if wanted {
            let quoted = if e.state == EscalationState::Offered {
                eta::estimate(&eta::PoolInputs { ahead: 0.0, free: 1.0, busy: 0.0, pace })
            } else {
                eta::estimate(&board.inputs(ours, ahead.iter().map(|(p, n)| (*p, *n)), &loads, pace))
            };
            let quoted = match quoted {
                Some(quoted) => quoted,
                None => {
                    let waiting_ahead = ahead.values().sum::<usize>() as f64;
                    let start = match out_of_hours.get(&ours) {
                        Some(start) => *start,
                        None => {
                            let needs = candidates::needs_of(e);
                            let start = scheduled::next_eligible_start(conn, now, etas.dispatcher, &needs, &rules)?;
                            out_of_hours.insert(ours, start);
                            start
                        }
                    };
                    match start {
                        Some(at) => eta::until_scheduled((at - now).num_seconds() as f64, waiting_ahead, &pace),
                        None => eta::nobody_online(waiting_ahead, pace.handle_s),
                    }
                }
            };
            let last_told = told.get(&e.id).copied().unwrap_or((0, 0));
            write_eta(conn, e, &quoted, place as i64 + 1, last_told, now)?;
        }
        if e.state == EscalationState::Queued {
            *ahead.entry(ours).or_default() += 1;
        }
    }
    Ok(())
}

/// Stores an escalation's fresh estimate and place, and tells the platform when they moved by
/// enough since it was last told (`eta::worth_telling`; `last_told`: ETA and place, 0 never).
fn write_eta(
    conn: &mut DbConn,
    e: &escalation::Escalation,
    quoted: &Estimate,
    position: i64,
    (told_eta_s, told_position): (i32, i64),
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let moved = eta::worth_telling(told_eta_s, told_position, quoted.seconds, position);
    // (The range moves with the estimate: written when the estimate changes.)
    if quoted.seconds != e.eta_seconds {
        escalation::set_eta(conn, e.id, quoted)?;
    }
    if e.eta_at_intake_s == 0 {
        escalation::set_intake_eta(conn, e.id, quoted)?;
    }
    if moved {
        let told = crate::webhooks::PlatformEvent::Eta {
            escalation_id: e.id,
            external_id: e.external_id.clone(),
            eta_seconds: quoted.seconds,
            eta_range_seconds: quoted.range(),
            queue_position: position,
            at: now,
        };
        crate::webhooks::enqueue(conn, e.service_account_id, &told, now)?;
        escalation::mark_told(conn, e.id, quoted.seconds, position as i32)?;
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
