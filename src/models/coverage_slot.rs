//! Bookable slots (`coverage_slots`) and agents' bookings of them (`slot_bookings`).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{coverage_slots, slot_bookings};
use crate::ids::{AgentId, BookingId, SlotId};
use crate::models::coverage_history::QueueKey;

crate::text_enum! {
    /// Where a booking is. Only `Booked` changes: released by the agent, or settled at the start.
    pub enum BookingState {
        Booked => "booked",
        /// The agent was online within five minutes of the start.
        Kept => "kept",
        NoShow => "no_show",
        Released => "released",
        /// Released inside the late-release window (still before the lock-down).
        ReleasedLate => "released_late",
    }
}

#[derive(Debug, Clone, Queryable, Selectable, PartialEq)]
#[diesel(table_name = coverage_slots)]
pub struct Slot {
    pub id: SlotId,
    pub language: String,
    pub market: String,
    pub required_skills: String,
    pub starts_at: NaiveDateTime,
    pub places: i32,
    pub booked: i32,
    pub published_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, PartialEq)]
#[diesel(table_name = slot_bookings)]
pub struct Booking {
    pub id: BookingId,
    pub slot_id: SlotId,
    pub agent_id: AgentId,
    pub starts_at: NaiveDateTime,
    pub state: BookingState,
    pub booked_at: NaiveDateTime,
    pub settled_at: Option<NaiveDateTime>,
}

impl Slot {
    /// The queue it is a slot of.
    pub fn queue(&self) -> QueueKey {
        QueueKey::new(&self.language, &self.market, &self.required_skills)
    }
}

/// Publishes or re-caps a queue's slot: places never drop below what is already booked.
pub fn publish(
    conn: &mut DbConn,
    (language, market, skills): (&str, &str, &str),
    starts_at: NaiveDateTime,
    places: i32,
    now: NaiveDateTime,
) -> QueryResult<()> {
    let existing: Option<Slot> = coverage_slots::table
        .filter(coverage_slots::language.eq(language))
        .filter(coverage_slots::market.eq(market))
        .filter(coverage_slots::required_skills.eq(skills))
        .filter(coverage_slots::starts_at.eq(starts_at))
        .select(Slot::as_select())
        .first(conn)
        .optional()?;
    match existing {
        Some(slot) => {
            diesel::update(coverage_slots::table.find(slot.id))
                .set((coverage_slots::places.eq(places.max(slot.booked)), coverage_slots::updated_at.eq(now)))
                .execute(conn)?;
        }
        None if places > 0 => {
            diesel::insert_into(coverage_slots::table)
                .values((
                    coverage_slots::language.eq(language),
                    coverage_slots::market.eq(market),
                    coverage_slots::required_skills.eq(skills),
                    coverage_slots::starts_at.eq(starts_at),
                    coverage_slots::places.eq(places),
                    coverage_slots::published_at.eq(now),
                    coverage_slots::updated_at.eq(now),
                ))
                .execute(conn)?;
        }
        None => {}
    }
    Ok(())
}

pub fn find(conn: &mut DbConn, id: SlotId) -> QueryResult<Option<Slot>> {
    coverage_slots::table.find(id).select(Slot::as_select()).first(conn).optional()
}

/// Slots starting in [from, to), in order of start.
pub fn starting_between(conn: &mut DbConn, from: NaiveDateTime, to: NaiveDateTime) -> QueryResult<Vec<Slot>> {
    coverage_slots::table
        .filter(coverage_slots::starts_at.ge(from))
        .filter(coverage_slots::starts_at.lt(to))
        .order((coverage_slots::starts_at, coverage_slots::id))
        .select(Slot::as_select())
        .load(conn)
}

/// Takes one place if one is free: the conditional update is the guard against overbooking.
pub fn take_place(conn: &mut DbConn, id: SlotId, now: NaiveDateTime) -> QueryResult<bool> {
    let taken =
        diesel::update(coverage_slots::table.find(id).filter(coverage_slots::booked.lt(coverage_slots::places)))
            .set((coverage_slots::booked.eq(coverage_slots::booked + 1), coverage_slots::updated_at.eq(now)))
            .execute(conn)?;
    Ok(taken == 1)
}

pub fn give_back_place(conn: &mut DbConn, id: SlotId, now: NaiveDateTime) -> QueryResult<()> {
    diesel::update(coverage_slots::table.find(id).filter(coverage_slots::booked.gt(0)))
        .set((coverage_slots::booked.eq(coverage_slots::booked - 1), coverage_slots::updated_at.eq(now)))
        .execute(conn)?;
    Ok(())
}

pub fn insert_booking(conn: &mut DbConn, slot: &Slot, agent: AgentId, now: NaiveDateTime) -> QueryResult<BookingId> {
    diesel::insert_into(slot_bookings::table)
        .values((
            slot_bookings::slot_id.eq(slot.id),
            slot_bookings::agent_id.eq(agent),
            slot_bookings::starts_at.eq(slot.starts_at),
            slot_bookings::state.eq(BookingState::Booked),
            slot_bookings::booked_at.eq(now),
        ))
        .returning(slot_bookings::id)
        .get_result(conn)
}

/// The agent's live booking of a slot.
pub fn live_booking(conn: &mut DbConn, slot: SlotId, agent: AgentId) -> QueryResult<Option<Booking>> {
    slot_bookings::table
        .filter(slot_bookings::slot_id.eq(slot))
        .filter(slot_bookings::agent_id.eq(agent))
        .filter(slot_bookings::state.eq(BookingState::Booked))
        .select(Booking::as_select())
        .first(conn)
        .optional()
}

/// Moves a booking on from `Booked`; false if it already had.
pub fn settle(conn: &mut DbConn, id: BookingId, to: BookingState, now: NaiveDateTime) -> QueryResult<bool> {
    let moved = diesel::update(slot_bookings::table.find(id).filter(slot_bookings::state.eq(BookingState::Booked)))
        .set((slot_bookings::state.eq(to), slot_bookings::settled_at.eq(now)))
        .execute(conn)?;
    Ok(moved == 1)
}

/// An agent's bookings starting in [from, to), with their slots.
pub fn of_agent(
    conn: &mut DbConn,
    agent: AgentId,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> QueryResult<Vec<(Booking, Slot)>> {
    slot_bookings::table
        .inner_join(coverage_slots::table)
        .filter(slot_bookings::agent_id.eq(agent))
        .filter(slot_bookings::starts_at.ge(from))
        .filter(slot_bookings::starts_at.lt(to))
        .order(slot_bookings::starts_at)
        .select((Booking::as_select(), Slot::as_select()))
        .load(conn)
}

/// Live bookings (booked or kept) starting in [from, to), with their slots.
pub fn live_between(conn: &mut DbConn, from: NaiveDateTime, to: NaiveDateTime) -> QueryResult<Vec<(Booking, Slot)>> {
    slot_bookings::table
        .inner_join(coverage_slots::table)
        .filter(slot_bookings::state.eq_any([BookingState::Booked, BookingState::Kept]))
        .filter(slot_bookings::starts_at.ge(from))
        .filter(slot_bookings::starts_at.lt(to))
        .select((Booking::as_select(), Slot::as_select()))
        .load(conn)
}

/// Bookings still `Booked` whose start is at or before `started_by`.
pub fn unsettled_started(conn: &mut DbConn, started_by: NaiveDateTime) -> QueryResult<Vec<Booking>> {
    slot_bookings::table
        .filter(slot_bookings::state.eq(BookingState::Booked))
        .filter(slot_bookings::starts_at.le(started_by))
        .select(Booking::as_select())
        .load(conn)
}

/// Per agent and state, bookings starting in `[from, to)`: (agent, state, how many).
pub fn states_between(
    conn: &mut DbConn,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> QueryResult<Vec<(AgentId, BookingState, i64)>> {
    slot_bookings::table
        .filter(slot_bookings::starts_at.ge(from))
        .filter(slot_bookings::starts_at.lt(to))
        .group_by((slot_bookings::agent_id, slot_bookings::state))
        .select((slot_bookings::agent_id, slot_bookings::state, diesel::dsl::count_star()))
        .load(conn)
}
