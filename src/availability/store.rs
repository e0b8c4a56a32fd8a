//! Reading and writing schedules.

use chrono::{DateTime, Duration, Utc, Weekday};
use chrono_tz::Tz;

use super::schedule::{Exception, Schedule, WeeklySlot};
use crate::db::DbConn;
use crate::error::AppError;
use crate::ids::AgentId;
use crate::models::{agent, availability};

fn weekday(index: i32) -> Weekday {
    Weekday::try_from(index.clamp(0, 6) as u8).unwrap_or(Weekday::Mon)
}

fn to_slot(row: &availability::SlotRow) -> WeeklySlot {
    WeeklySlot { day: weekday(row.weekday), start: row.start_minute as u32, end: row.end_minute as u32 }
}

fn to_exception(row: &availability::ExceptionRow) -> Exception {
    match (row.available, row.start_minute, row.end_minute) {
        (true, Some(start), Some(end)) => Exception::Extra { date: row.day, start: start as u32, end: end as u32 },
        _ => Exception::DayOff(row.day),
    }
}

/// The agent's time zone (UTC if the stored name no longer parses).
pub fn timezone_of(agent: &agent::Agent) -> Tz {
    agent.timezone.parse().unwrap_or(chrono_tz::UTC)
}

/// One agent's schedule.
pub fn load(conn: &mut DbConn, agent_id: AgentId) -> Result<Schedule, AppError> {
    let found =
        agent::find(conn, agent_id)?.ok_or_else(|| AppError::NotFound("no agent profile for this account".into()))?;
    Ok(Schedule {
        timezone: timezone_of(&found),
        weekly: availability::slots(conn, agent_id)?.iter().map(to_slot).collect(),
        exceptions: availability::exceptions(conn, agent_id)?.iter().map(to_exception).collect(),
    })
}

/// Replaces the agent's schedule.
pub fn save(
    conn: &mut DbConn,
    agent_id: AgentId,
    weekly: &[WeeklySlot],
    exceptions: &[Exception],
) -> Result<(), AppError> {
    let slots: Vec<(i32, i32, i32)> =
        weekly.iter().map(|s| (s.day.num_days_from_monday() as i32, s.start as i32, s.end as i32)).collect();
    let rows: Vec<_> = exceptions
        .iter()
        .map(|e| match *e {
            Exception::DayOff(date) => (date, false, None, None),
            Exception::Extra { date, start, end } => (date, true, Some(start as i32), Some(end as i32)),
        })
        .collect();
    availability::replace(conn, agent_id, &slots, &rows)?;
    Ok(())
}

/// The schedules of `agents`, with the exceptions dated from `first` to `last`, in one read of
/// their slots and one of their exceptions.
pub fn schedules_of(
    conn: &mut DbConn,
    agents: &[agent::Agent],
    first: chrono::NaiveDate,
    last: chrono::NaiveDate,
) -> Result<Vec<Schedule>, AppError> {
    let ids: Vec<AgentId> = agents.iter().map(|a| a.user_id).collect();
    let slots = availability::slots_of(conn, &ids)?;
    let exceptions = availability::exceptions_of(conn, &ids, first, last)?;
    Ok(agents
        .iter()
        .map(|a| Schedule {
            timezone: timezone_of(a),
            weekly: slots.iter().filter(|s| s.agent_id == a.user_id).map(to_slot).collect(),
            exceptions: exceptions.iter().filter(|e| e.agent_id == a.user_id).map(to_exception).collect(),
        })
        .collect())
}

/// When each of `agents` next starts a slot after `from` (within eight days).
pub fn next_starts(
    conn: &mut DbConn,
    agents: &[agent::Agent],
    from: DateTime<Utc>,
) -> Result<Vec<Option<DateTime<Utc>>>, AppError> {
    let day = from.date_naive();
    let schedules = schedules_of(conn, agents, day - Duration::days(2), day + Duration::days(10))?;
    Ok(schedules.iter().map(|schedule| schedule.next_start(from)).collect())
}

/// Whether each of `agents` is scheduled at `at`, in one pass over their slots and the
/// exceptions near that day.
pub fn scheduled_at(conn: &mut DbConn, agents: &[agent::Agent], at: DateTime<Utc>) -> Result<Vec<bool>, AppError> {
    let day = at.date_naive();
    let schedules = schedules_of(conn, agents, day - Duration::days(2), day + Duration::days(2))?;
    Ok(schedules.iter().map(|schedule| schedule.is_scheduled(at)).collect())
}
