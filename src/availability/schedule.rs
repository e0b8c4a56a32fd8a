//! When an agent is scheduled: weekly slots and dated exceptions in the agent's own time zone.
//! Pure code over plain data (no actix, no diesel).
//!
//! A slot covers the instants whose local wall-clock time falls inside it, so "Mondays 09:00 to
//! 13:00 in Europe/Stockholm" means exactly that on both sides of a daylight-saving change: the
//! night clocks spring forward, a 01:00–04:00 slot lasts two real hours; the night they fall
//! back, four. A slot whose end is at or before its start runs past midnight and belongs to the
//! day it starts on (a day off on that day cancels it).

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc, Weekday};
use chrono_tz::Tz;

/// Minutes in a day; an end of 1440 means midnight at the end of the day.
pub const DAY_MINUTES: u32 = 1440;
const WEEK_MINUTES: u32 = 7 * DAY_MINUTES;

/// One recurring slot: a weekday and local start and end minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WeeklySlot {
    pub day: Weekday,
    pub start: u32,
    pub end: u32,
}

impl WeeklySlot {
    pub fn is_overnight(&self) -> bool {
        self.end <= self.start
    }

    /// Length in minutes (an overnight slot counts the part after midnight).
    pub fn minutes(&self) -> u32 {
        if self.is_overnight() { DAY_MINUTES - self.start + self.end } else { self.end - self.start }
    }

    /// Start as minutes since Monday 00:00.
    fn week_start(&self) -> u32 {
        self.day.num_days_from_monday() * DAY_MINUTES + self.start
    }
}

/// A dated change to the week: a day off, or extra hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exception {
    DayOff(NaiveDate),
    Extra { date: NaiveDate, start: u32, end: u32 },
}

/// An agent's whole schedule.
#[derive(Debug, Clone)]
pub struct Schedule {
    pub timezone: Tz,
    pub weekly: Vec<WeeklySlot>,
    pub exceptions: Vec<Exception>,
}

/// Whether a slot starting on its date covers `minute` of that date (`same_day`) or of the next
/// date (`!same_day`).
fn covers(start: u32, end: u32, minute: u32, same_day: bool) -> bool {
    let overnight = end <= start;
    match (same_day, overnight) {
        (true, false) => start <= minute && minute < end,
        (true, true) => minute >= start,
        (false, true) => minute < end,
        (false, false) => false,
    }
}

impl Schedule {
    fn is_day_off(&self, date: NaiveDate) -> bool {
        self.exceptions.iter().any(|e| *e == Exception::DayOff(date))
    }

    /// The (start, end) pairs that begin on `date`: its weekday's slots unless it is a day
    /// off, plus that date's extra hours.
    fn intervals_starting_on(&self, date: NaiveDate) -> Vec<(u32, u32)> {
        let mut intervals: Vec<(u32, u32)> = if self.is_day_off(date) {
            vec![]
        } else {
            self.weekly.iter().filter(|s| s.day == date.weekday()).map(|s| (s.start, s.end)).collect()
        };
        intervals.extend(self.exceptions.iter().filter_map(|e| match *e {
            Exception::Extra { date: d, start, end } if d == date => Some((start, end)),
            _ => None,
        }));
        intervals
    }

    /// The first instant after `from` at which a slot starts, within the next eight days.
    pub fn next_start(&self, from: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let today = from.with_timezone(&self.timezone).date_naive();
        (0..=8)
            .flat_map(|offset| {
                let date = today + Duration::days(offset);
                self.intervals_starting_on(date).into_iter().filter_map(move |(start, _)| {
                    let naive = date.and_hms_opt(0, 0, 0)? + Duration::minutes(start as i64);
                    Some(naive.and_local_timezone(self.timezone).earliest()?.with_timezone(&Utc))
                })
            })
            .filter(|at| *at > from)
            .min()
    }

    /// Whether the agent is scheduled to work at the instant `at`.
    pub fn is_scheduled(&self, at: DateTime<Utc>) -> bool {
        let local = at.with_timezone(&self.timezone).naive_local();
        let (date, minute) = (local.date(), local.time().num_seconds_from_midnight() / 60);
        let today = self.intervals_starting_on(date).into_iter().any(|(s, e)| covers(s, e, minute, true));
        let from_yesterday = date.pred_opt().is_some_and(|yesterday| {
            self.intervals_starting_on(yesterday).into_iter().any(|(s, e)| covers(s, e, minute, false))
        });
        today || from_yesterday
    }
}

use chrono::Timelike;

/// The pairs of weekly slots (by index) that overlap; touching end to start is fine.
pub fn overlapping_pairs(slots: &[WeeklySlot]) -> Vec<(usize, usize)> {
    // Each slot as one or two intervals on the week circle [0, WEEK_MINUTES).
    let pieces = |slot: &WeeklySlot| {
        let start = slot.week_start();
        let end = start + slot.minutes();
        if end <= WEEK_MINUTES { vec![(start, end)] } else { vec![(start, WEEK_MINUTES), (0, end - WEEK_MINUTES)] }
    };
    let mut pairs = Vec::new();
    for i in 0..slots.len() {
        for j in (i + 1)..slots.len() {
            let clash = pieces(&slots[i]).iter().any(|a| pieces(&slots[j]).iter().any(|b| a.0 < b.1 && b.0 < a.1));
            if clash {
                pairs.push((i, j));
            }
        }
    }
    pairs
}

/// Parses `HH:MM` into minutes; `24:00` is allowed (the end of the day).
pub fn parse_minutes(text: &str) -> Option<u32> {
    let (hours, minutes) = text.split_once(':')?;
    if hours.len() != 2 || minutes.len() != 2 {
        return None;
    }
    let (hours, minutes): (u32, u32) = (hours.parse().ok()?, minutes.parse().ok()?);
    match (hours, minutes) {
        (24, 0) => Some(DAY_MINUTES),
        (0..=23, 0..=59) => Some(hours * 60 + minutes),
        _ => None,
    }
}

/// Minutes as `HH:MM`.
pub fn format_minutes(minutes: u32) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// The next instant (at or after `from`) at which the local wall clock shows `minute` on a
/// `day`, for showing slots in UTC. A wall time skipped by daylight saving maps to the first
/// instant after the gap.
pub fn next_local_instant(tz: Tz, day: Weekday, minute: u32, from: DateTime<Utc>) -> DateTime<Utc> {
    let start = from.with_timezone(&tz).date_naive();
    for offset in 0..8 {
        let date = start + Duration::days(offset);
        if date.weekday() != day {
            continue;
        }
        let mut naive = date.and_hms_opt(0, 0, 0).expect("midnight exists") + Duration::minutes(minute as i64);
        for _ in 0..180 {
            if let Some(instant) = naive.and_local_timezone(tz).earliest() {
                let instant = instant.with_timezone(&Utc);
                if instant >= from {
                    return instant;
                }
                break;
            }
            naive += Duration::minutes(1);
        }
    }
    from
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
    }

    fn slot(day: Weekday, start: &str, end: &str) -> WeeklySlot {
        WeeklySlot { day, start: parse_minutes(start).unwrap(), end: parse_minutes(end).unwrap() }
    }

    fn schedule(tz: Tz, weekly: Vec<WeeklySlot>, exceptions: Vec<Exception>) -> Schedule {
        Schedule { timezone: tz, weekly, exceptions }
    }

    /// Minutes scheduled between two instants, checked minute by minute.
    fn scheduled_minutes(s: &Schedule, from: DateTime<Utc>, to: DateTime<Utc>) -> i64 {
        let mut at = from;
        let mut count = 0;
        while at < to {
            if s.is_scheduled(at) {
                count += 1;
            }
            at += Duration::minutes(1);
        }
        count
    }

    #[test]
    fn the_next_start_is_the_first_slot_after_now_in_the_agents_zone() {
        let schedule = Schedule {
            timezone: chrono_tz::Europe::Stockholm,
            weekly: vec![slot(Weekday::Tue, "09:00", "17:00")],
            exceptions: vec![],
        };
        // Monday 2026-11-30 20:00 UTC: Tuesday 09:00 in Stockholm is 08:00 UTC.
        assert_eq!(schedule.next_start(utc(2026, 11, 30, 20, 0)), Some(utc(2026, 12, 1, 8, 0)));
        // During the slot, the next start is a week later.
        assert_eq!(schedule.next_start(utc(2026, 12, 1, 9, 0)), Some(utc(2026, 12, 8, 8, 0)));
        let nobody = Schedule { timezone: chrono_tz::UTC, weekly: vec![], exceptions: vec![] };
        assert_eq!(nobody.next_start(utc(2026, 12, 1, 9, 0)), None);
    }

    #[test]
    fn a_plain_slot_covers_its_local_hours_only() {
        let s = schedule(chrono_tz::Europe::Stockholm, vec![slot(Weekday::Mon, "09:00", "13:30")], vec![]);
        // Monday 2026-11-30; Stockholm is UTC+1 in winter.
        assert!(!s.is_scheduled(utc(2026, 11, 30, 7, 59)));
        assert!(s.is_scheduled(utc(2026, 11, 30, 8, 0)));
        assert!(s.is_scheduled(utc(2026, 11, 30, 12, 29)));
        assert!(!s.is_scheduled(utc(2026, 11, 30, 12, 30)));
        assert!(!s.is_scheduled(utc(2026, 12, 1, 8, 0)), "Tuesday");
    }

    #[test]
    fn a_slot_across_the_spring_forward_night_in_stockholm_lasts_two_real_hours() {
        // 2026-03-29 (Sunday): clocks go from 02:00 to 03:00 local.
        let s = schedule(chrono_tz::Europe::Stockholm, vec![slot(Weekday::Sun, "01:00", "04:00")], vec![]);
        assert_eq!(scheduled_minutes(&s, utc(2026, 3, 28, 20, 0), utc(2026, 3, 29, 6, 0)), 120);
        assert!(s.is_scheduled(utc(2026, 3, 29, 0, 0)), "01:00 CET");
        assert!(s.is_scheduled(utc(2026, 3, 29, 1, 59)), "03:59 CEST");
        assert!(!s.is_scheduled(utc(2026, 3, 29, 2, 0)), "04:00 CEST");
    }

    #[test]
    fn a_slot_across_the_fall_back_night_in_stockholm_lasts_four_real_hours() {
        // 2026-10-25 (Sunday): clocks go from 03:00 back to 02:00 local.
        let s = schedule(chrono_tz::Europe::Stockholm, vec![slot(Weekday::Sun, "01:00", "04:00")], vec![]);
        assert_eq!(scheduled_minutes(&s, utc(2026, 10, 24, 20, 0), utc(2026, 10, 25, 6, 0)), 240);
    }

    #[test]
    fn an_overnight_slot_across_the_new_york_dst_changes_keeps_its_wall_clock_hours() {
        // Saturday 22:00 to Sunday 06:00 local; DST starts 2026-03-08 and ends 2026-11-01 at 02:00.
        let s = schedule(chrono_tz::America::New_York, vec![slot(Weekday::Sat, "22:00", "06:00")], vec![]);
        assert_eq!(scheduled_minutes(&s, utc(2026, 3, 7, 12, 0), utc(2026, 3, 8, 18, 0)), 7 * 60);
        assert_eq!(scheduled_minutes(&s, utc(2026, 10, 31, 12, 0), utc(2026, 11, 1, 18, 0)), 9 * 60);
        // An ordinary weekend: eight hours.
        assert_eq!(scheduled_minutes(&s, utc(2026, 1, 10, 12, 0), utc(2026, 1, 11, 18, 0)), 8 * 60);
        assert!(s.is_scheduled(utc(2026, 1, 11, 10, 59)), "05:59 Sunday EST");
        assert!(!s.is_scheduled(utc(2026, 1, 11, 11, 0)), "06:00 Sunday EST");
    }

    #[test]
    fn a_day_off_cancels_that_day_and_its_overnight_tail_and_extra_hours_add() {
        let friday = NaiveDate::from_ymd_opt(2026, 12, 4).unwrap();
        let saturday = NaiveDate::from_ymd_opt(2026, 12, 5).unwrap();
        let s = schedule(
            chrono_tz::UTC,
            vec![slot(Weekday::Fri, "20:00", "02:00")],
            vec![Exception::DayOff(friday), Exception::Extra { date: saturday, start: 600, end: 660 }],
        );
        assert!(!s.is_scheduled(utc(2026, 12, 4, 21, 0)));
        assert!(!s.is_scheduled(utc(2026, 12, 5, 1, 0)), "the overnight tail belongs to Friday");
        assert!(s.is_scheduled(utc(2026, 12, 5, 10, 30)), "extra hours on Saturday");
        assert!(s.is_scheduled(utc(2026, 12, 12, 1, 0)), "the next week is as usual");
    }

    #[test]
    fn overlaps_are_found_even_across_midnight_and_the_week_end() {
        let slots = vec![
            slot(Weekday::Mon, "09:00", "12:00"),
            slot(Weekday::Mon, "12:00", "14:00"), // touches: fine
            slot(Weekday::Mon, "13:00", "15:00"), // overlaps the second
            slot(Weekday::Sun, "22:00", "02:00"), // runs into Monday
            slot(Weekday::Mon, "01:00", "03:00"), // overlaps the Sunday night
        ];
        assert_eq!(overlapping_pairs(&slots), vec![(1, 2), (3, 4)]);
    }

    #[test]
    fn times_parse_and_print() {
        assert_eq!(parse_minutes("09:30"), Some(570));
        assert_eq!(parse_minutes("24:00"), Some(1440));
        assert_eq!(parse_minutes("24:01"), None);
        assert_eq!(parse_minutes("9:30"), None);
        assert_eq!(format_minutes(570), "09:30");
    }

    #[test]
    fn local_times_are_shown_in_utc_even_in_a_gap() {
        let from = utc(2026, 3, 28, 0, 0);
        let at = next_local_instant(chrono_tz::Europe::Stockholm, Weekday::Sun, 150, from);
        assert_eq!(at, utc(2026, 3, 29, 1, 0), "02:30 does not exist that night: 03:00 CEST");
    }
}
