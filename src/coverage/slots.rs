//! Bookable slots: published from the gap between the requirement and the scheduled supply,
//! booked and released by agents, and settled at their start (kept or no-show).
//!
//! Rules, each refused with a problem naming it:
//! - a slot is booked only before it starts, by an agent eligible for its queue, and only while
//!   a place is free (`booked < places`, one conditional update: concurrent bookings of the last
//!   place never overbook);
//! - an agent holds one live booking per start (a unique index: slots are aligned, so this is
//!   the no-overlap rule);
//! - slots open to agents with a commitment score of `EARLY_BOOKING_SCORE` or more when
//!   published, to the others `LATER_BOOKING_H` hours later;
//! - a booking can be released until `release_lockdown_h` hours before its start; a release
//!   inside `LATE_RELEASE_H` hours counts against the commitment score;
//! - a booking is kept if the agent is online within `SHOW_UP_GRACE` of its start, else a
//!   no-show.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::board;
use super::forecast::INTERVAL_S;
use super::target::{self, ServiceTarget};
use crate::db::{DbConn, is_unique_violation};
use crate::dispatch::{Dispatcher, candidates, settings};
use crate::error::AppError;
use crate::ids::{AgentId, SlotId};
use crate::matching::{Needs, qualifies};
use crate::models::agent::{self, Presence};
use crate::models::coverage_history::QueueKey;
use crate::models::coverage_slot::{self, BookingState, Slot};
use crate::models::{boost, db_time, presence_event};

/// How far ahead slots are published.
pub const PUBLISH_DAYS: i64 = 7;
/// How late after a booked start the agent may come online and still have kept it.
pub const SHOW_UP_GRACE: Duration = Duration::minutes(5);
/// Releases this close to the start count against the commitment score.
pub const LATE_RELEASE_H: i64 = 24;
/// Commitment score from which slots can be booked as soon as they are published.
pub const EARLY_BOOKING_SCORE: f64 = 80.0;
/// Hours after publication when slots open to everyone else.
pub const LATER_BOOKING_H: i64 = 4;
/// Days of bookings the commitment score looks back over.
pub const COMMITMENT_DAYS: i64 = 28;

/// Booked agents per queue and interval start.
pub type BookedAgents = HashMap<(QueueKey, DateTime<Utc>), Vec<AgentId>>;

/// Agents with a live booking in slots starting in [from, to).
pub fn booked_agents(conn: &mut DbConn, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<BookedAgents, AppError> {
    let mut out = BookedAgents::new();
    for (booking, slot) in coverage_slot::live_between(conn, db_time(from), db_time(to))? {
        out.entry((slot.queue(), slot.starts_at.and_utc())).or_default().push(booking.agent_id);
    }
    Ok(out)
}

/// Publishes (or re-caps) slots for the next `PUBLISH_DAYS`: places are what the requirement
/// lacks after the scheduled and booked supply, and never fewer than are already booked.
/// Returns the places now open.
pub fn publish_from_gap(conn: &mut DbConn, now: DateTime<Utc>, dispatcher: &Dispatcher) -> Result<i64, AppError> {
    let from = super::run::interval_start(now) + Duration::seconds(INTERVAL_S);
    let to = from + Duration::days(PUBLISH_DAYS);
    let booked = booked_agents(conn, from, to)?;
    let coverage = board::coverage(conn, now, dispatcher, from, to, &booked)?;
    let mut open = 0;
    for queue in &coverage.queues {
        let skills = queue.required_skills.join(",");
        let key = QueueKey::new(&queue.language, &queue.market, &skills);
        for interval in &queue.intervals {
            let already = booked.get(&(key.clone(), interval.starts_at)).map_or(0, Vec::len) as i32;
            let lacking = (interval.required as f64 - interval.scheduled - interval.booked).ceil().max(0.0) as i32;
            let places = already + lacking;
            open += lacking as i64;
            coverage_slot::publish(
                conn,
                (&key.language, &key.market, &key.required_skills),
                db_time(interval.starts_at),
                places,
                db_time(now),
            )?;
        }
    }
    Ok(open)
}

/// An agent's record of keeping bookings, and the score it gives (0 to 100).
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct Commitment {
    pub score: f64,
    pub kept: i64,
    pub no_shows: i64,
    pub late_releases: i64,
    /// How the score is computed, in words.
    pub formula: String,
}

/// `100 × (kept + 3.6) / (kept + no_shows + late_releases / 2 + 4)` over `COMMITMENT_DAYS`: four
/// bookings' worth of a 90 % prior, so a new agent starts at 90 and one slip is not a verdict.
pub fn commitment_score(kept: i64, no_shows: i64, late_releases: i64) -> f64 {
    let score = 100.0 * (kept as f64 + 3.6) / (kept as f64 + no_shows as f64 + late_releases as f64 / 2.0 + 4.0);
    (score * 10.0).round() / 10.0
}

pub fn commitment(conn: &mut DbConn, agent: AgentId, now: DateTime<Utc>) -> Result<Commitment, AppError> {
    let bookings = coverage_slot::of_agent(conn, agent, db_time(now - Duration::days(COMMITMENT_DAYS)), db_time(now))?;
    let count = |state: BookingState| bookings.iter().filter(|(b, _)| b.state == state).count() as i64;
    let (kept, no_shows, late_releases) =
        (count(BookingState::Kept), count(BookingState::NoShow), count(BookingState::ReleasedLate));
    Ok(Commitment {
        score: commitment_score(kept, no_shows, late_releases),
        kept,
        no_shows,
        late_releases,
        formula: format!(
            "100 × (kept + 3.6) ÷ (kept + no-shows + late releases ÷ 2 + 4), over the last {COMMITMENT_DAYS} days; \
             kept means online within 5 minutes of a booked start; a release within {LATE_RELEASE_H} hours of the start is late"
        ),
    })
}

/// When slots published at `published` open to an agent with `score`, or whose tier brings
/// early booking (`quality::tiers`).
pub fn opens_at(published: DateTime<Utc>, score: f64, early_by_tier: bool) -> DateTime<Utc> {
    if early_by_tier || score >= EARLY_BOOKING_SCORE { published } else { published + Duration::hours(LATER_BOOKING_H) }
}

/// Which of `keys` the agent could serve (before any widening); all false for someone who is
/// not an active agent.
pub fn eligible_queues(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    dispatcher: &Dispatcher,
    agent_id: AgentId,
    keys: &[QueueKey],
) -> Result<Vec<bool>, AppError> {
    let Some(state) = agent::active_state(conn, agent_id)? else { return Ok(vec![false; keys.len()]) };
    let person = candidates::to_candidates(conn, now, dispatcher, vec![state])?.pop();
    let Some(person) = person else { return Ok(vec![false; keys.len()]) };
    let matching = settings::load(conn)?;
    let mut rules_by_market = HashMap::new();
    let mut out = Vec::with_capacity(keys.len());
    for key in keys {
        if !rules_by_market.contains_key(&key.market) {
            rules_by_market.insert(key.market.clone(), candidates::rules_for_market(conn, &key.market, 0, &matching)?);
        }
        let needs =
            Needs { language: key.language.clone(), required_skills: key.skills(), sensitive: false, location: None };
        out.push(qualifies(&needs, &person, &rules_by_market[&key.market]).is_ok());
    }
    Ok(out)
}

/// Books a place in a slot for the agent, or says which rule refuses it.
pub fn book(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    dispatcher: &Dispatcher,
    agent_id: AgentId,
    slot_id: SlotId,
) -> Result<crate::ids::BookingId, AppError> {
    let slot = coverage_slot::find(conn, slot_id)?.ok_or_else(|| AppError::NotFound("no such slot".into()))?;
    if slot.starts_at.and_utc() <= now {
        return Err(AppError::Conflict("this slot has already started; only future slots can be booked".into()));
    }
    if !eligible_queues(conn, now, dispatcher, agent_id, &[slot.queue()])?[0] {
        return Err(AppError::invalid(
            "slot_id",
            "you are not eligible for this slot's queue (its language, skills or market)",
        ));
    }
    let score = commitment(conn, agent_id, now)?.score;
    let early = crate::quality::tiers::perks_of(conn, agent_id)?.early_slot_booking;
    let opens = opens_at(slot.published_at.and_utc(), score, early);
    if now < opens {
        return Err(AppError::Conflict(format!(
            "this slot opens to you at {} (agents with a commitment score of {EARLY_BOOKING_SCORE} or more, or a tier with early booking, book first; your score is {score})",
            opens.format("%Y-%m-%d %H:%M UTC")
        )));
    }
    let booking = match coverage_slot::insert_booking(conn, &slot, agent_id, db_time(now)) {
        Ok(id) => id,
        Err(e) if is_unique_violation(&e) => {
            return Err(AppError::Conflict("you already have a booking that starts at this time".into()));
        }
        Err(e) => return Err(e.into()),
    };
    if !coverage_slot::take_place(conn, slot_id, db_time(now))? {
        // The caller's transaction rolls the booking back with this error.
        return Err(AppError::Conflict("this slot is full: every place the forecast supports is booked".into()));
    }
    Ok(booking)
}

/// Releases the agent's booking of a slot, unless inside the lock-down.
pub fn release(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    settings: &ServiceTarget,
    agent_id: AgentId,
    slot_id: SlotId,
) -> Result<BookingState, AppError> {
    let slot = coverage_slot::find(conn, slot_id)?.ok_or_else(|| AppError::NotFound("no such slot".into()))?;
    let booking = coverage_slot::live_booking(conn, slot_id, agent_id)?
        .ok_or_else(|| AppError::NotFound("you have no booking of this slot to release".into()))?;
    let starts = slot.starts_at.and_utc();
    let lockdown = starts - Duration::hours(settings.release_lockdown_h as i64);
    if now >= lockdown {
        return Err(AppError::Conflict(format!(
            "bookings can be released until {} hours before the start ({}); this one is locked",
            settings.release_lockdown_h,
            lockdown.format("%Y-%m-%d %H:%M UTC")
        )));
    }
    let state = if now >= starts - Duration::hours(LATE_RELEASE_H) {
        BookingState::ReleasedLate
    } else {
        BookingState::Released
    };
    if !coverage_slot::settle(conn, booking.id, state, db_time(now))? {
        return Err(AppError::Conflict("this booking was already released".into()));
    }
    coverage_slot::give_back_place(conn, slot_id, db_time(now))?;
    Ok(state)
}

/// Settles bookings whose start is `SHOW_UP_GRACE` past: kept if the agent was online at some
/// moment from the start to the end of the grace, else a no-show. Idempotent.
pub fn settle_started(conn: &mut DbConn, now: DateTime<Utc>) -> Result<usize, AppError> {
    let mut settled = 0;
    for booking in coverage_slot::unsettled_started(conn, db_time(now - SHOW_UP_GRACE))? {
        let grace_end = booking.starts_at + SHOW_UP_GRACE;
        let online_at_start =
            presence_event::presence_before(conn, booking.agent_id, booking.starts_at)? == Some(Presence::Online);
        let came_online = presence_event::changes_between(conn, booking.agent_id, booking.starts_at, grace_end)?
            .iter()
            .any(|(_, p)| *p == Presence::Online);
        let state = if online_at_start || came_online { BookingState::Kept } else { BookingState::NoShow };
        if coverage_slot::settle(conn, booking.id, state, db_time(now))? {
            settled += 1;
            if state == BookingState::NoShow {
                let words = format!(
                    "Your booked slot at {} UTC was settled as a no-show: you were not online within {} minutes of its \
                     start. It counts against your commitment score for {COMMITMENT_DAYS} days.",
                    booking.starts_at.format("%Y-%m-%d %H:%M"),
                    SHOW_UP_GRACE.num_minutes()
                );
                let inputs = serde_json::json!({"booking_id": booking.id, "starts_at": booking.starts_at.and_utc(),
                    "online_at_start": online_at_start, "came_online_within_grace": came_online});
                let kind = crate::models::agent_decision::DecisionKind::NoShow;
                crate::quality::decisions::record(conn, booking.agent_id, kind, None, inputs, &words, now)?;
            }
        }
    }
    Ok(settled)
}

/// A slot as an agent sees it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SlotView {
    #[schema(value_type = i64)]
    pub id: SlotId,
    pub language: String,
    pub market: String,
    pub required_skills: Vec<String>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub places_left: i32,
    /// Pay multiplier of a scheduled boost covering the slot (1.0 when none).
    pub multiplier: f64,
    /// When this agent may book it.
    pub opens_at: DateTime<Utc>,
    /// `booked`, `kept`, `no_show`, `released` or `released_late` for the agent's own; `null` for open ones.
    pub booking: Option<String>,
}

/// The slots open to the agent in the next `PUBLISH_DAYS` that fit their languages and skills,
/// and their own bookings from the last day on.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MySlots {
    pub open: Vec<SlotView>,
    pub mine: Vec<SlotView>,
    pub commitment: Commitment,
    pub release_lockdown_h: u32,
}

pub fn my_slots(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    dispatcher: &Dispatcher,
    agent_id: AgentId,
) -> Result<MySlots, AppError> {
    let settings = target::load(conn)?;
    let until = now + Duration::days(PUBLISH_DAYS + 1);
    let commitment = commitment(conn, agent_id, now)?;
    let early = crate::quality::tiers::perks_of(conn, agent_id)?.early_slot_booking;
    let slots = coverage_slot::starting_between(conn, db_time(now), db_time(until))?;
    let keys: Vec<QueueKey> = slots.iter().map(Slot::queue).collect();
    let distinct: Vec<QueueKey> = keys.iter().cloned().collect::<HashSet<_>>().into_iter().collect();
    let fits: HashMap<QueueKey, bool> =
        distinct.iter().cloned().zip(eligible_queues(conn, now, dispatcher, agent_id, &distinct)?).collect();
    let boosts = boost::overlapping(conn, db_time(now - Duration::days(1)), db_time(until))?;
    let mine_rows = coverage_slot::of_agent(conn, agent_id, db_time(now - Duration::days(1)), db_time(until))?;
    let booked_starts: HashSet<_> =
        mine_rows.iter().filter(|(b, _)| b.state == BookingState::Booked).map(|(b, _)| b.starts_at).collect();
    let view = |slot: &Slot, booking: Option<BookingState>| SlotView {
        id: slot.id,
        language: slot.language.clone(),
        market: slot.market.clone(),
        required_skills: slot.queue().skills(),
        starts_at: slot.starts_at.and_utc(),
        ends_at: slot.starts_at.and_utc() + Duration::seconds(INTERVAL_S),
        places_left: (slot.places - slot.booked).max(0),
        multiplier: super::boosts::scheduled_multiplier(&boosts, &slot.queue(), slot.starts_at),
        opens_at: opens_at(slot.published_at.and_utc(), commitment.score, early),
        booking: booking.map(|s| s.as_str().to_string()),
    };
    let open = slots
        .iter()
        .filter(|s| s.booked < s.places && fits[&s.queue()] && !booked_starts.contains(&s.starts_at))
        .map(|s| view(s, None))
        .collect();
    let mine = mine_rows.iter().map(|(b, s)| view(s, Some(b.state))).collect();
    Ok(MySlots { open, mine, commitment, release_lockdown_h: settings.release_lockdown_h })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_agent_starts_at_ninety_and_no_shows_weigh_more_than_late_releases() {
        assert_eq!(commitment_score(0, 0, 0), 90.0);
        assert_eq!(commitment_score(0, 1, 0), 72.0);
        assert_eq!(commitment_score(0, 0, 1), 80.0);
        assert!(commitment_score(20, 0, 0) > 98.0);
        assert!(commitment_score(10, 5, 0) < commitment_score(10, 0, 5));
    }

    #[test]
    fn committed_agents_book_first_and_everyone_else_a_few_hours_later() {
        let published = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        assert_eq!(opens_at(published, 90.0, false), published);
        assert_eq!(opens_at(published, EARLY_BOOKING_SCORE, false), published);
        assert_eq!(opens_at(published, 79.9, false), published + Duration::hours(LATER_BOOKING_H));
        assert_eq!(opens_at(published, 50.0, true), published, "a tier with early booking books first");
    }
}
