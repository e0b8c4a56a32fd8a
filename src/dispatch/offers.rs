//! Offers: one agent at a time, with a timeout. Accept assigns; decline, timeout or withdrawal
//! sends the escalation back to the queue and the next best candidate gets it at once.

use chrono::{DateTime, Duration, Utc};
use serde_json::json;

use super::candidates::{PassPool, needs_of};
use super::settings::MatchingSettings;

use crate::availability::presence::{self, Presence};
use crate::db::DbConn;
use crate::error::AppError;
use crate::ids::{AgentId, EscalationId, OfferId};
use crate::matching;
use crate::models::agent_decision::DecisionKind;
use crate::models::escalation::EscalationState;
use crate::models::escalation_event::TimelineEvent;
use crate::models::offer::OfferState;
use crate::models::{agent, assignment, db_time, escalation, escalation_event, offer, presence_event};
use crate::quality::decisions;
use crate::realtime::{self, AgentNotice};
use crate::webhooks::{self, PlatformEvent};

/// Why an agent was set away after missing offers (stored as the presence reason).
pub const MISSED_OFFERS: &str = "missed_offers";

fn event(
    conn: &mut DbConn,
    escalation_id: EscalationId,
    name: TimelineEvent,
    detail: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    escalation_event::record(conn, escalation_id, name, detail, db_time(now))?;
    Ok(())
}

/// The explanation stored with an offer: score and each factor's contribution.
fn explanation(ranked: &matching::Ranked) -> serde_json::Value {
    let factors: serde_json::Map<String, serde_json::Value> =
        ranked.factors.iter().map(|(f, c)| (f.name().to_string(), json!((c * 1000.0).round() / 1000.0))).collect();
    json!({"score": (ranked.score * 1000.0).round() / 1000.0, "factors": factors})
}

/// Offers a queued escalation to its best candidate, claiming the agent's capacity first.
/// `candidates` is updated in place (the offered agent has one more pending offer), so one
/// pass over the queue can share it.
pub fn offer_next(
    conn: &mut DbConn,
    e: &escalation::Escalation,
    pool: &mut PassPool,
    settings: &MatchingSettings,
    now: DateTime<Utc>,
) -> Result<Option<offer::Offer>, AppError> {
    if e.state != EscalationState::Queued {
        return Ok(None);
    }
    let Some(rules) = pool.rules(e) else {
        return Ok(None);
    };
    let needs = needs_of(e);
    pool.mark_passed(e.id);
    let mut preferred = returning_customers_agent(e, pool, settings, now);
    let PassPool { candidates, index, .. } = pool;
    loop {
        let found = preferred
            .take()
            .and_then(|at| matching::best(&needs, &candidates[at..=at], &rules, &settings.weights))
            .or_else(|| matching::best_indexed(&needs, candidates, index, &rules, &settings.weights));
        let Some(best) = found else {
            return Ok(None);
        };
        let index = candidates.iter().position(|c| c.agent_id == best.agent_id).expect("ranked from these candidates");
        if !agent::claim_for_offer(conn, best.agent_id)? {
            // Someone else (another instance) took the last of their capacity: skip them.
            candidates[index].available = false;
            continue;
        }
        if !escalation::transition(conn, e.id, &[EscalationState::Queued], EscalationState::Offered, db_time(now))? {
            agent::offer_released(conn, best.agent_id, false, db_time(now))?;
            return Ok(None);
        }
        let why = explanation(&best);
        let stored = why.to_string();
        let created = offer::insert(
            conn,
            &offer::NewOffer {
                escalation_id: e.id,
                agent_id: best.agent_id,
                state: OfferState::Pending,
                score: best.score,
                explanation: &stored,
                created_at: db_time(now),
                expires_at: db_time(now + Duration::seconds(settings.offer_timeout_s as i64)),
            },
        )?;
        candidates[index].pending_offers += 1;
        event(
            conn,
            e.id,
            TimelineEvent::Offered,
            Some(&format!("to agent {} (score {:.3})", best.agent_id, best.score)),
            now,
        )?;
        let shown = AgentNotice::Offer {
            id: created.id,
            escalation_id: e.id,
            expires_at: created.expires_at.and_utc(),
            language: e.language.clone(),
            required_skills: e.skills(),
            priority: e.priority.clone(),
            sensitive: e.sensitive,
            summary: e.summary.clone(),
            why,
        };
        realtime::notify(conn, best.agent_id, &shown, now)?;
        return Ok(Some(created));
    }
}

/// The position among the pass's candidates of the agent who last helped this returning
/// customer, while the escalation is young enough to prefer them and they are online with room
/// (never waited for: otherwise the best candidate gets it at once).
fn returning_customers_agent(
    e: &escalation::Escalation,
    pool: &PassPool,
    settings: &MatchingSettings,
    now: DateTime<Utc>,
) -> Option<usize> {
    let agent = pool.preferred(e.id)?;
    let age = (now - e.created_at.and_utc()).num_seconds();
    if age >= settings.sticky_preference_s as i64 {
        return None;
    }
    pool.candidates.iter().position(|c| c.agent_id == agent && c.available && c.free_capacity() > 0)
}

/// The offer, if it is this agent's; 404 otherwise (another agent's offer is not theirs to see).
fn own_offer(conn: &mut DbConn, agent_id: AgentId, offer_id: OfferId) -> Result<offer::Offer, AppError> {
    match offer::find(conn, offer_id)? {
        Some(found) if found.agent_id == agent_id => Ok(found),
        _ => Err(AppError::NotFound(format!("no offer {offer_id} for you"))),
    }
}

fn not_answerable(found: &offer::Offer, now: DateTime<Utc>) -> AppError {
    if found.state == OfferState::Pending && found.expires_at <= db_time(now) {
        AppError::Conflict("this offer has expired".into())
    } else {
        AppError::Conflict(format!("this offer is {} already", found.state))
    }
}

/// Accepts an offer: the escalation is assigned to the agent. 409 if it expired, was
/// withdrawn or was answered already.
pub fn accept(
    conn: &mut DbConn,
    agent_id: AgentId,
    offer_id: OfferId,
    now: DateTime<Utc>,
) -> Result<escalation::Escalation, AppError> {
    let found = own_offer(conn, agent_id, offer_id)?;
    if !offer::answer(conn, offer_id, agent_id, OfferState::Accepted, None, db_time(now))? {
        return Err(not_answerable(&found, now));
    }
    agent::offer_accepted(conn, agent_id, db_time(now))?;
    if !escalation::assign(conn, found.escalation_id, agent_id, db_time(now))? {
        return Err(AppError::Conflict("this escalation is no longer waiting".into()));
    }
    assignment::start(conn, found.escalation_id, agent_id, db_time(now))?;
    event(conn, found.escalation_id, TimelineEvent::Assigned, Some(&format!("to agent {agent_id}")), now)?;
    let assigned =
        escalation::find(conn, found.escalation_id)?.ok_or_else(|| AppError::NotFound("escalation gone".into()))?;
    let name = crate::models::user::find(conn, agent_id.into())?.map(|u| u.full_name).unwrap_or_default();
    let packet = escalation::contract_of(conn, assigned.id)?;
    let agent = webhooks::AssignedAgent { id: agent_id, display_name: crate::dispatch::view::display_name(&name) };
    let told = PlatformEvent::Assigned {
        escalation_id: assigned.id,
        external_id: assigned.external_id.clone(),
        agent: agent.clone(),
        waited_s: (now - assigned.created_at.and_utc()).num_seconds(),
        at: now,
        reason: assigned.reason.clone(),
        intent: packet.intent.clone(),
        sentiment: packet.sentiment.clone(),
    };
    webhooks::enqueue(conn, assigned.service_account_id, &told, now)?;
    if packet.callback || packet.customer_released_at.is_some() {
        let reengage = PlatformEvent::Reengage {
            escalation_id: assigned.id,
            external_id: assigned.external_id.clone(),
            agent,
            at: now,
        };
        webhooks::enqueue(conn, assigned.service_account_id, &reengage, now)?;
    }
    realtime::notify(conn, agent_id, &AgentNotice::Assigned { escalation_id: assigned.id, offer_id }, now)?;
    Ok(assigned)
}

/// Declines an offer; the escalation goes back to the queue (the caller dispatches again).
pub fn decline(
    conn: &mut DbConn,
    agent_id: AgentId,
    offer_id: OfferId,
    reason: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let found = own_offer(conn, agent_id, offer_id)?;
    if !offer::answer(conn, offer_id, agent_id, OfferState::Declined, reason, db_time(now))? {
        return Err(not_answerable(&found, now));
    }
    agent::offer_released(conn, agent_id, false, db_time(now))?;
    requeue(conn, found.escalation_id, now)?;
    let detail = match reason {
        Some(why) => format!("by agent {agent_id}: {why}"),
        None => format!("by agent {agent_id}"),
    };
    event(conn, found.escalation_id, TimelineEvent::Declined, Some(&detail), now)
}

fn requeue(conn: &mut DbConn, escalation_id: EscalationId, now: DateTime<Utc>) -> Result<(), AppError> {
    escalation::transition(conn, escalation_id, &[EscalationState::Offered], EscalationState::Queued, db_time(now))?;
    Ok(())
}

/// Expires offers whose time is up; an agent who missed `missed_offers_to_away` in a row is
/// set away (and told why). Returns how many expired.
pub fn expire_due(conn: &mut DbConn, settings: &MatchingSettings, now: DateTime<Utc>) -> Result<usize, AppError> {
    let mut expired = 0;
    for due in offer::expired_pending(conn, db_time(now))? {
        if !offer::end(conn, due.id, OfferState::Expired, db_time(now))? {
            continue; // answered or expired by another instance meanwhile
        }
        expired += 1;
        let missed = agent::offer_released(conn, due.agent_id, true, db_time(now))?;
        requeue(conn, due.escalation_id, now)?;
        event(
            conn,
            due.escalation_id,
            TimelineEvent::Expired,
            Some(&format!("agent {} did not answer", due.agent_id)),
            now,
        )?;
        let gone =
            AgentNotice::OfferWithdrawn { offer_id: due.id, escalation_id: due.escalation_id, why: "expired".into() };
        realtime::notify(conn, due.agent_id, &gone, now)?;
        if missed as u32 >= settings.missed_offers_to_away
            && presence_event::transition(conn, due.agent_id, &[Presence::Online], Presence::Away, MISSED_OFFERS, None)?
        {
            presence::stepped_away(conn, due.agent_id, Presence::Away, MISSED_OFFERS, now)?;
            let limit = settings.missed_offers_to_away;
            let words = format!(
                "You were set away because you missed {missed} offers in a row (the limit is {limit}), so customers \
                 are not kept waiting on offers nobody sees. Nothing else follows from it: go online when you are ready."
            );
            let inputs = serde_json::json!({"missed_in_a_row": missed, "limit": limit});
            decisions::record(conn, due.agent_id, DecisionKind::SetAway, Some(due.escalation_id), inputs, &words, now)?;
        }
    }
    Ok(expired)
}

/// Withdraws every pending offer of an agent who left (offline, silent, suspended, away).
pub fn withdraw_for_agent(
    conn: &mut DbConn,
    agent_id: AgentId,
    why: &str,
    now: DateTime<Utc>,
) -> Result<usize, AppError> {
    let mut withdrawn = 0;
    for pending in offer::pending_for_agent(conn, agent_id)? {
        if offer::end(conn, pending.id, OfferState::Withdrawn, db_time(now))? {
            withdrawn += 1;
            agent::offer_released(conn, agent_id, false, db_time(now))?;
            requeue(conn, pending.escalation_id, now)?;
            event(
                conn,
                pending.escalation_id,
                TimelineEvent::Withdrawn,
                Some(&format!("agent {agent_id}: {why}")),
                now,
            )?;
            let gone = AgentNotice::OfferWithdrawn {
                offer_id: pending.id,
                escalation_id: pending.escalation_id,
                why: why.into(),
            };
            realtime::notify(conn, agent_id, &gone, now)?;
        }
    }
    Ok(withdrawn)
}

/// Withdraws the pending offer of an escalation (the customer left).
pub fn withdraw_for_escalation(
    conn: &mut DbConn,
    escalation_id: EscalationId,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    for pending in offer::pending_for_escalation(conn, escalation_id)? {
        if offer::end(conn, pending.id, OfferState::Withdrawn, db_time(now))? {
            agent::offer_released(conn, pending.agent_id, false, db_time(now))?;
            event(
                conn,
                escalation_id,
                TimelineEvent::Withdrawn,
                Some(&format!("agent {}: the customer left", pending.agent_id)),
                now,
            )?;
            let gone =
                AgentNotice::OfferWithdrawn { offer_id: pending.id, escalation_id, why: "the customer left".into() };
            realtime::notify(conn, pending.agent_id, &gone, now)?;
        }
    }
    Ok(())
}
