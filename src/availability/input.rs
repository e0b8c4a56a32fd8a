//! The availability document agents send and receive (PUT/GET /api/v1/me/availability).

use chrono::{DateTime, NaiveDate, Utc, Weekday};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::schedule::{self, Exception, WeeklySlot, format_minutes, parse_minutes};
use crate::error::{AppError, FieldError};

/// Most weekly slots and exceptions one agent may have.
const MAX_SLOTS: usize = 70;
const MAX_EXCEPTIONS: usize = 400;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Day {
    Mon,
    Tue,
    Wed,
    Thu,
    Fri,
    Sat,
    Sun,
}

impl Day {
    pub const ALL: [Day; 7] = [Day::Mon, Day::Tue, Day::Wed, Day::Thu, Day::Fri, Day::Sat, Day::Sun];

    pub fn weekday(self) -> Weekday {
        Weekday::try_from(Day::ALL.iter().position(|d| *d == self).unwrap_or(0) as u8).unwrap_or(Weekday::Mon)
    }

    pub fn from_weekday(day: Weekday) -> Day {
        Day::ALL[day.num_days_from_monday() as usize]
    }

    pub fn as_str(self) -> &'static str {
        ["mon", "tue", "wed", "thu", "fri", "sat", "sun"][self.weekday().num_days_from_monday() as usize]
    }
}

/// One weekly slot in the agent's time zone. An `end` at or before `start` runs past midnight.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SlotInput {
    pub day: Day,
    /// `HH:MM`, local time.
    pub start: String,
    /// `HH:MM`, local time; `24:00` is the end of the day.
    pub end: String,
}

/// A dated exception in the agent's time zone: `available: false` is a day off; `available:
/// true` with `start` and `end` adds hours.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ExceptionInput {
    pub date: NaiveDate,
    pub available: bool,
    pub start: Option<String>,
    pub end: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AvailabilityInput {
    pub weekly: Vec<SlotInput>,
    #[serde(default)]
    pub exceptions: Vec<ExceptionInput>,
}

impl validator::Validate for AvailabilityInput {
    /// Checked by [`parse`], which needs to compare slots with each other.
    fn validate(&self) -> Result<(), validator::ValidationErrors> {
        Ok(())
    }
}

/// Checks a document: times well-formed, no zero-length slot, no two weekly slots overlapping
/// (overlaps are refused, not merged: a person who typed two clashing slots should see it),
/// at most one day off per date.
pub fn parse(input: &AvailabilityInput) -> Result<(Vec<WeeklySlot>, Vec<Exception>), AppError> {
    let mut errors = Vec::new();
    if input.weekly.len() > MAX_SLOTS {
        errors.push(FieldError::new("weekly", format!("at most {MAX_SLOTS} slots")));
    }
    if input.exceptions.len() > MAX_EXCEPTIONS {
        errors.push(FieldError::new("exceptions", format!("at most {MAX_EXCEPTIONS} exceptions")));
    }
    let mut weekly = Vec::new();
    for (i, slot) in input.weekly.iter().enumerate() {
        match times(&slot.start, &slot.end, &format!("weekly[{i}]"), &mut errors) {
            Some((start, end)) => weekly.push(WeeklySlot { day: slot.day.weekday(), start, end }),
            None => weekly.push(WeeklySlot { day: slot.day.weekday(), start: 0, end: 1 }),
        }
    }
    if errors.is_empty() {
        for (a, b) in schedule::overlapping_pairs(&weekly) {
            errors.push(FieldError::new(format!("weekly[{b}]"), format!("overlaps weekly[{a}]")));
        }
    }
    let mut exceptions = Vec::new();
    for (i, exception) in input.exceptions.iter().enumerate() {
        let at = format!("exceptions[{i}]");
        if exception.available {
            match (&exception.start, &exception.end) {
                (Some(start), Some(end)) => {
                    if let Some((start, end)) = times(start, end, &at, &mut errors) {
                        exceptions.push(Exception::Extra { date: exception.date, start, end });
                    }
                }
                _ => errors.push(FieldError::new(at, "extra hours need start and end")),
            }
        } else if exception.start.is_some() || exception.end.is_some() {
            errors.push(FieldError::new(at, "a day off has no start or end"));
        } else if exceptions.contains(&Exception::DayOff(exception.date)) {
            errors.push(FieldError::new(format!("{at}.date"), "this day off is listed twice"));
        } else {
            exceptions.push(Exception::DayOff(exception.date));
        }
    }
    if errors.is_empty() { Ok((weekly, exceptions)) } else { Err(AppError::Validation(errors)) }
}

fn times(start: &str, end: &str, at: &str, errors: &mut Vec<FieldError>) -> Option<(u32, u32)> {
    let parsed_start = parse_minutes(start).filter(|m| *m < schedule::DAY_MINUTES);
    let parsed_end = parse_minutes(end);
    if parsed_start.is_none() {
        errors.push(FieldError::new(format!("{at}.start"), "use HH:MM from 00:00 to 23:59"));
    }
    if parsed_end.is_none() {
        errors.push(FieldError::new(format!("{at}.end"), "use HH:MM from 00:00 to 24:00"));
    }
    let (start, end) = (parsed_start?, parsed_end?);
    // An end at 00:00 is midnight at the end of the day, the same as 24:00 (so 00:00–00:00 is
    // the whole day, as a time picker would send it).
    let end = if end == 0 { schedule::DAY_MINUTES } else { end };
    if start == end {
        errors.push(FieldError::new(format!("{at}.end"), "a slot cannot end when it starts"));
        return None;
    }
    Some((start, end))
}

/// A weekly slot as shown back, with when it next starts and ends in UTC.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SlotView {
    pub day: Day,
    pub start: String,
    pub end: String,
    pub next_start_utc: DateTime<Utc>,
    pub next_end_utc: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AvailabilityView {
    pub timezone: String,
    pub weekly: Vec<SlotView>,
    pub exceptions: Vec<ExceptionInput>,
    /// Whether the schedule covers this moment.
    pub scheduled_now: bool,
}

/// The stored schedule as the API shows it.
pub fn view(schedule: &schedule::Schedule, now: DateTime<Utc>) -> AvailabilityView {
    let weekly = schedule
        .weekly
        .iter()
        .map(|slot| {
            let next_start_utc = schedule::next_local_instant(schedule.timezone, slot.day, slot.start, now);
            let end_day =
                if slot.is_overnight() || slot.end == schedule::DAY_MINUTES { slot.day.succ() } else { slot.day };
            let end_minute = if slot.end == schedule::DAY_MINUTES { 0 } else { slot.end };
            SlotView {
                day: Day::from_weekday(slot.day),
                start: format_minutes(slot.start),
                end: format_minutes(slot.end),
                next_start_utc,
                next_end_utc: schedule::next_local_instant(schedule.timezone, end_day, end_minute, next_start_utc),
            }
        })
        .collect();
    let exceptions = schedule
        .exceptions
        .iter()
        .map(|e| match *e {
            Exception::DayOff(date) => ExceptionInput { date, available: false, start: None, end: None },
            Exception::Extra { date, start, end } => ExceptionInput {
                date,
                available: true,
                start: Some(format_minutes(start)),
                end: Some(format_minutes(end)),
            },
        })
        .collect();
    AvailabilityView {
        timezone: schedule.timezone.name().to_string(),
        weekly,
        exceptions,
        scheduled_now: schedule.is_scheduled(now),
    }
}
