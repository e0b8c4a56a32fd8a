//! Time arithmetic behind payroll: periods in a time zone, unions of intervals, rates in force,
//! rounding. Pure: no database, no clock.

use crate::ids::EscalationId;
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;

/// A half-open span of time `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Interval {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl Interval {
    pub fn seconds(&self) -> i64 {
        (self.end - self.start).num_seconds().max(0)
    }

    pub fn clip(&self, to: &Interval) -> Option<Interval> {
        let clipped = Interval { start: self.start.max(to.start), end: self.end.min(to.end) };
        (clipped.start < clipped.end).then_some(clipped)
    }

    pub fn contains(&self, at: DateTime<Utc>) -> bool {
        self.start <= at && at < self.end
    }
}

/// Rates from an instant on (until the next span of the same agent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateSpan {
    pub from: DateTime<Utc>,
    pub hourly_minor: i64,
    pub per_conversation_minor: i64,
    pub currency: String,
}

/// One stretch of an agent on one escalation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Work {
    pub escalation_id: EscalationId,
    pub interval: Interval,
}

/// The UTC span of the inclusive local dates `from..=to` in `tz`: from local midnight of `from`
/// to local midnight after `to`, so a DST night makes a day 23 or 25 hours long.
pub fn period(from: NaiveDate, to: NaiveDate, tz: Tz) -> Interval {
    Interval { start: local_midnight(from, tz), end: local_midnight(to + Duration::days(1), tz) }
}

/// Local midnight of `date`, or the first instant after it where a zone skips midnight.
fn local_midnight(date: NaiveDate, tz: Tz) -> DateTime<Utc> {
    let mut local = date.and_hms_opt(0, 0, 0).expect("midnight is a time");
    for _ in 0..=180 {
        if let Some(instant) = tz.from_local_datetime(&local).earliest() {
            return instant.with_timezone(&Utc);
        }
        local += Duration::minutes(1);
    }
    Utc.from_utc_datetime(&local)
}

/// Merges overlapping and touching intervals: two conversations at once are paid once.
pub fn union(intervals: Vec<Interval>) -> Vec<Interval> {
    let work = intervals.into_iter().map(|interval| Work { escalation_id: EscalationId(0), interval }).collect();
    union_work(work).into_iter().map(|(interval, _)| interval).collect()
}

/// Like [`union`], keeping which escalations each merged interval is made of.
pub fn union_work(mut work: Vec<Work>) -> Vec<(Interval, Vec<EscalationId>)> {
    work.retain(|w| w.interval.start < w.interval.end);
    work.sort_by_key(|w| (w.interval, w.escalation_id));
    let mut merged: Vec<(Interval, Vec<EscalationId>)> = Vec::with_capacity(work.len());
    for w in work {
        match merged.last_mut() {
            Some((last, ids)) if w.interval.start <= last.end => {
                last.end = last.end.max(w.interval.end);
                if !ids.contains(&w.escalation_id) {
                    ids.push(w.escalation_id);
                }
            }
            _ => merged.push((w.interval, vec![w.escalation_id])),
        }
    }
    merged
}

/// The spans an agent was online, from the presence at `period.start` and the changes after
/// it (in time order), clipped to the period and to `now` (the future is not metered).
pub fn online_spans(
    online_at_start: bool,
    changes: &[(DateTime<Utc>, bool)],
    period: Interval,
    now: DateTime<Utc>,
) -> Vec<Interval> {
    let horizon = period.end.min(now);
    let mut spans = Vec::new();
    let mut since = online_at_start.then_some(period.start);
    for (at, online) in changes.iter().filter(|(at, _)| period.contains(*at)) {
        match (since, online) {
            (None, true) => since = Some(*at),
            (Some(start), false) => {
                spans.push(Interval { start, end: *at });
                since = None;
            }
            _ => {}
        }
    }
    if let Some(start) = since {
        spans.push(Interval { start, end: horizon });
    }
    spans.into_iter().filter_map(|s| s.clip(&Interval { start: period.start, end: horizon })).collect()
}

/// The rate in force at `at`: the latest span starting at or before it.
pub fn in_force(rates: &[RateSpan], at: DateTime<Utc>) -> Option<&RateSpan> {
    rates.iter().filter(|r| r.from <= at).max_by_key(|r| r.from)
}

/// `interval` cut at every rate change inside it, each piece with the rate in force; time
/// before the agent's first rate has no rate and is left out.
pub fn split_by_rates(interval: Interval, rates: &[RateSpan]) -> Vec<(Interval, &RateSpan)> {
    let mut cuts: Vec<DateTime<Utc>> =
        rates.iter().map(|r| r.from).filter(|t| *t > interval.start && *t < interval.end).collect();
    cuts.sort();
    cuts.dedup();
    cuts.insert(0, interval.start);
    cuts.push(interval.end);
    cuts.windows(2)
        .map(|pair| Interval { start: pair[0], end: pair[1] })
        .filter_map(|piece| in_force(rates, piece.start).map(|rate| (piece, rate)))
        .collect()
}

/// `numerator / denominator` rounded half up (both non-negative).
pub fn div_round_half_up(numerator: i128, denominator: i128) -> i64 {
    ((2 * numerator + denominator) / (2 * denominator)) as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 1, h, m, 0).unwrap()
    }

    fn span(a: DateTime<Utc>, b: DateTime<Utc>) -> Interval {
        Interval { start: a, end: b }
    }

    fn day() -> Interval {
        let first = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        period(first, first, chrono_tz::UTC)
    }

    #[test]
    fn overlapping_and_touching_intervals_merge_and_keep_their_escalations() {
        let merged = union_work(vec![
            Work { escalation_id: EscalationId(1), interval: span(at(9, 0), at(10, 0)) },
            Work { escalation_id: EscalationId(2), interval: span(at(9, 30), at(10, 30)) },
            Work { escalation_id: EscalationId(3), interval: span(at(10, 30), at(11, 0)) },
            Work { escalation_id: EscalationId(4), interval: span(at(12, 0), at(12, 15)) },
            Work { escalation_id: EscalationId(5), interval: span(at(13, 0), at(13, 0)) },
        ]);
        let ids = |list: &[i64]| list.iter().copied().map(EscalationId).collect::<Vec<_>>();
        assert_eq!(
            merged,
            vec![(span(at(9, 0), at(11, 0)), ids(&[1, 2, 3])), (span(at(12, 0), at(12, 15)), ids(&[4]))]
        );
        assert_eq!(union(vec![span(at(9, 0), at(10, 0)), span(at(8, 0), at(9, 30))]), vec![span(at(8, 0), at(10, 0))]);
    }

    #[test]
    fn a_dst_night_makes_the_payroll_day_23_or_25_hours() {
        let tz = chrono_tz::Europe::Stockholm;
        let spring = NaiveDate::from_ymd_opt(2026, 3, 29).unwrap();
        let autumn = NaiveDate::from_ymd_opt(2026, 10, 25).unwrap();
        assert_eq!(period(spring, spring, tz).seconds(), 23 * 3600);
        assert_eq!(period(autumn, autumn, tz).seconds(), 25 * 3600);
        // The Stockholm day starts at 23:00 UTC the evening before in winter.
        let winter = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        assert_eq!(period(winter, winter, tz).start, Utc.with_ymd_and_hms(2026, 11, 30, 23, 0, 0).unwrap());
    }

    #[test]
    fn online_spans_start_from_the_presence_at_the_period_start_and_stop_at_now() {
        let changes = [(at(9, 0), false), (at(10, 0), true), (at(10, 30), true), (at(11, 0), false), (at(15, 0), true)];
        let spans = online_spans(true, &changes, day(), at(16, 0));
        assert_eq!(spans, vec![span(at(0, 0), at(9, 0)), span(at(10, 0), at(11, 0)), span(at(15, 0), at(16, 0))]);
        let before = [(at(0, 0) - Duration::hours(2), true)];
        assert_eq!(online_spans(false, &before, day(), at(23, 0)), vec![], "changes outside the period are ignored");
    }

    #[test]
    fn an_interval_is_cut_where_the_rate_changes_and_time_before_any_rate_is_left_out() {
        let rate =
            |from, hourly| RateSpan { from, hourly_minor: hourly, per_conversation_minor: 0, currency: "SEK".into() };
        let rates = [rate(at(9, 30), 100), rate(at(10, 0), 200)];
        let pieces: Vec<(Interval, i64)> =
            split_by_rates(span(at(9, 0), at(11, 0)), &rates).into_iter().map(|(i, r)| (i, r.hourly_minor)).collect();
        assert_eq!(pieces, vec![(span(at(9, 30), at(10, 0)), 100), (span(at(10, 0), at(11, 0)), 200)]);
    }

    #[test]
    fn halves_round_up_and_the_rest_to_the_nearest() {
        assert_eq!(div_round_half_up(5, 10), 1);
        assert_eq!(div_round_half_up(4, 10), 0);
        assert_eq!(div_round_half_up(15, 10), 2);
        assert_eq!(div_round_half_up(1799, 3600), 0);
        assert_eq!(div_round_half_up(1800, 3600), 1);
        assert_eq!(div_round_half_up(0, 3600), 0);
    }
}
