//! Stored weekly slots and dated exceptions.

use crate::ids::AgentId;
use chrono::NaiveDate;
use diesel::prelude::*;

use crate::db::{
    DbConn,
    schema::{availability_exceptions, availability_slots},
};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = availability_slots)]
pub struct SlotRow {
    pub id: i64,
    pub agent_id: AgentId,
    /// 0 = Monday … 6 = Sunday.
    pub weekday: i32,
    pub start_minute: i32,
    pub end_minute: i32,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = availability_exceptions)]
pub struct ExceptionRow {
    pub id: i64,
    pub agent_id: AgentId,
    pub day: NaiveDate,
    pub available: bool,
    pub start_minute: Option<i32>,
    pub end_minute: Option<i32>,
}

pub fn slots(conn: &mut DbConn, agent_id: AgentId) -> QueryResult<Vec<SlotRow>> {
    availability_slots::table
        .filter(availability_slots::agent_id.eq(agent_id))
        .order((availability_slots::weekday.asc(), availability_slots::start_minute.asc()))
        .select(SlotRow::as_select())
        .load(conn)
}

pub fn exceptions(conn: &mut DbConn, agent_id: AgentId) -> QueryResult<Vec<ExceptionRow>> {
    availability_exceptions::table
        .filter(availability_exceptions::agent_id.eq(agent_id))
        .order((availability_exceptions::day.asc(), availability_exceptions::start_minute.asc()))
        .select(ExceptionRow::as_select())
        .load(conn)
}

/// Slots of many agents at once (the roster).
pub fn slots_of(conn: &mut DbConn, agent_ids: &[AgentId]) -> QueryResult<Vec<SlotRow>> {
    availability_slots::table
        .filter(availability_slots::agent_id.eq_any(agent_ids))
        .select(SlotRow::as_select())
        .load(conn)
}

/// Exceptions of many agents on or around a date range (the roster).
pub fn exceptions_of(
    conn: &mut DbConn,
    agent_ids: &[AgentId],
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<ExceptionRow>> {
    availability_exceptions::table
        .filter(availability_exceptions::agent_id.eq_any(agent_ids))
        .filter(availability_exceptions::day.between(from, to))
        .select(ExceptionRow::as_select())
        .load(conn)
}

/// Replaces an agent's whole availability, row by row.
pub fn replace(
    conn: &mut DbConn,
    agent_id: AgentId,
    slots: &[(i32, i32, i32)],
    exceptions: &[(NaiveDate, bool, Option<i32>, Option<i32>)],
) -> QueryResult<()> {
    diesel::delete(availability_slots::table.filter(availability_slots::agent_id.eq(agent_id))).execute(conn)?;
    diesel::delete(availability_exceptions::table.filter(availability_exceptions::agent_id.eq(agent_id)))
        .execute(conn)?;
    for (weekday, start, end) in slots {
        diesel::insert_into(availability_slots::table)
            .values((
                availability_slots::agent_id.eq(agent_id),
                availability_slots::weekday.eq(weekday),
                availability_slots::start_minute.eq(start),
                availability_slots::end_minute.eq(end),
            ))
            .execute(conn)?;
    }
    for (day, available, start, end) in exceptions {
        diesel::insert_into(availability_exceptions::table)
            .values((
                availability_exceptions::agent_id.eq(agent_id),
                availability_exceptions::day.eq(day),
                availability_exceptions::available.eq(available),
                availability_exceptions::start_minute.eq(start),
                availability_exceptions::end_minute.eq(end),
            ))
            .execute(conn)?;
    }
    Ok(())
}
