//! The numbers behind a payroll line.

use std::collections::BTreeMap;

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

    fn clip(&self, to: &Interval) -> Option<Interval> {
        let clipped = Interval { start: self.start.max(to.start), end: self.end.min(to.end) };
        (clipped.start < clipped.end).then_some(clipped)
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

/// What one agent earned in one currency.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PayLine {
    pub currency: String,
    pub engaged_seconds: i64,
    pub conversations: i64,
    pub hourly_pay_minor: i64,
    pub per_conversation_pay_minor: i64,
    pub total_minor: i64,
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
pub fn union(mut intervals: Vec<Interval>) -> Vec<Interval> {
    intervals.retain(|i| i.start < i.end);
    intervals.sort();
    let mut merged: Vec<Interval> = Vec::with_capacity(intervals.len());
    for interval in intervals {
        match merged.last_mut() {
            Some(last) if interval.start <= last.end => last.end = last.end.max(interval.end),
            _ => merged.push(interval),
        }
    }
    merged
}

/// The rate in force at `at`: the latest span starting at or before it.
fn in_force(rates: &[RateSpan], at: DateTime<Utc>) -> Option<&RateSpan> {
    rates.iter().filter(|r| r.from <= at).max_by_key(|r| r.from)
}

/// `numerator / denominator` rounded half up (both non-negative).
pub fn div_round_half_up(numerator: i128, denominator: i128) -> i64 {
    ((2 * numerator + denominator) / (2 * denominator)) as i64
}

/// One line per currency for the engaged intervals and resolutions of one agent in `period`.
pub fn pay(
    engaged: Vec<Interval>,
    resolutions: &[DateTime<Utc>],
    rates: &[RateSpan],
    period: Interval,
) -> Vec<PayLine> {
    let mut rates = rates.to_vec();
    rates.sort_by_key(|r| r.from);
    // Per currency: seconds engaged, and Σ seconds × hourly rate (minor units × seconds).
    let mut seconds: BTreeMap<String, (i64, i128)> = BTreeMap::new();
    for interval in union(engaged).iter().filter_map(|i| i.clip(&period)) {
        // Split at every rate change inside the interval.
        let mut cuts: Vec<DateTime<Utc>> =
            rates.iter().map(|r| r.from).filter(|t| *t > interval.start && *t < interval.end).collect();
        cuts.insert(0, interval.start);
        cuts.push(interval.end);
        for pair in cuts.windows(2) {
            let piece = Interval { start: pair[0], end: pair[1] };
            let Some(rate) = in_force(&rates, piece.start) else { continue };
            let entry = seconds.entry(rate.currency.clone()).or_default();
            entry.0 += piece.seconds();
            entry.1 += piece.seconds() as i128 * rate.hourly_minor as i128;
        }
    }
    let mut conversations: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    for resolved in resolutions.iter().filter(|t| **t >= period.start && **t < period.end) {
        if let Some(rate) = in_force(&rates, *resolved) {
            let entry = conversations.entry(rate.currency.clone()).or_default();
            entry.0 += 1;
            entry.1 += rate.per_conversation_minor;
        }
    }
    let currencies: Vec<String> = seconds
        .keys()
        .chain(conversations.keys())
        .cloned()
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    currencies
        .into_iter()
        .map(|currency| {
            let (engaged_seconds, weighted) = seconds.get(&currency).copied().unwrap_or_default();
            let (count, per_conversation_pay_minor) = conversations.get(&currency).copied().unwrap_or_default();
            let hourly_pay_minor = div_round_half_up(weighted, 3600);
            PayLine {
                currency,
                engaged_seconds,
                conversations: count,
                hourly_pay_minor,
                per_conversation_pay_minor,
                total_minor: hourly_pay_minor + per_conversation_pay_minor,
            }
        })
        .filter(|line| line.engaged_seconds > 0 || line.conversations > 0)
        .collect()
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

    fn sek(from: DateTime<Utc>, hourly: i64, per_conversation: i64) -> RateSpan {
        RateSpan { from, hourly_minor: hourly, per_conversation_minor: per_conversation, currency: "SEK".into() }
    }

    fn day() -> Interval {
        period(
            NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
            NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
            chrono_tz::UTC,
        )
    }

    #[test]
    fn overlapping_conversations_are_paid_once_and_touching_ones_join() {
        let merged = union(vec![
            span(at(9, 0), at(10, 0)),
            span(at(9, 30), at(10, 30)),
            span(at(10, 30), at(11, 0)),
            span(at(12, 0), at(12, 15)),
        ]);
        assert_eq!(merged, vec![span(at(9, 0), at(11, 0)), span(at(12, 0), at(12, 15))]);
        let lines =
            pay(vec![span(at(9, 0), at(10, 0)), span(at(9, 30), at(10, 30))], &[], &[sek(at(0, 0), 20000, 0)], day());
        assert_eq!(lines[0].engaged_seconds, 90 * 60);
        assert_eq!(lines[0].hourly_pay_minor, 30000);
    }

    #[test]
    fn a_rate_change_mid_interval_splits_it() {
        let rates = [sek(at(0, 0), 20000, 1000), sek(at(10, 0), 26000, 1500)];
        let lines = pay(vec![span(at(9, 30), at(10, 30))], &[at(9, 45), at(10, 15)], &rates, day());
        // 30 min at 200.00 + 30 min at 260.00 = 230.00; conversations at 10.00 and 15.00.
        assert_eq!(
            (lines[0].hourly_pay_minor, lines[0].per_conversation_pay_minor, lines[0].total_minor),
            (23000, 2500, 25500)
        );
        assert_eq!(lines[0].conversations, 2);
    }

    #[test]
    fn work_across_midnight_and_the_period_edge_is_clipped() {
        let late = Utc.with_ymd_and_hms(2026, 11, 30, 23, 0, 0).unwrap();
        let lines = pay(
            vec![span(late, at(1, 0))],
            &[late + Duration::minutes(30)],
            &[sek(late - Duration::days(1), 36000, 1000)],
            day(),
        );
        assert_eq!(lines[0].engaged_seconds, 3600, "only the hour inside the day counts");
        assert_eq!(lines[0].conversations, 0, "the resolution fell before the period");
    }

    #[test]
    fn a_dst_night_makes_the_payroll_day_23_or_25_hours() {
        let tz = chrono_tz::Europe::Stockholm;
        let spring = NaiveDate::from_ymd_opt(2026, 3, 29).unwrap();
        let autumn = NaiveDate::from_ymd_opt(2026, 10, 25).unwrap();
        assert_eq!(period(spring, spring, tz).seconds(), 23 * 3600);
        assert_eq!(period(autumn, autumn, tz).seconds(), 25 * 3600);
        let whole = period(autumn, autumn, tz);
        let lines = pay(vec![whole], &[], &[sek(whole.start - Duration::days(1), 3600, 0)], whole);
        assert_eq!(lines[0].hourly_pay_minor, 25 * 3600, "25 real hours are paid");
    }

    #[test]
    fn half_a_minor_unit_rounds_up_once_per_line() {
        // 1 s at 18.00/h is 0.5 minor units; two such pieces make exactly 1, not 2.
        let rates = [sek(at(0, 0), 1800, 0)];
        let one = pay(vec![span(at(9, 0), at(9, 0) + Duration::seconds(1))], &[], &rates, day());
        assert_eq!(one[0].hourly_pay_minor, 1);
        let two = pay(
            vec![span(at(9, 0), at(9, 0) + Duration::seconds(1)), span(at(10, 0), at(10, 0) + Duration::seconds(1))],
            &[],
            &rates,
            day(),
        );
        assert_eq!(two[0].hourly_pay_minor, 1);
        assert_eq!(div_round_half_up(5, 10), 1);
        assert_eq!(div_round_half_up(4, 10), 0);
        assert_eq!(div_round_half_up(15, 10), 2);
    }

    #[test]
    fn a_currency_change_gives_one_line_per_currency() {
        let rates = [
            sek(at(0, 0), 20000, 0),
            RateSpan { from: at(12, 0), hourly_minor: 2000, per_conversation_minor: 100, currency: "EUR".into() },
        ];
        let lines = pay(vec![span(at(11, 0), at(13, 0))], &[at(12, 30)], &rates, day());
        let summary: Vec<(&str, i64, i64)> =
            lines.iter().map(|l| (l.currency.as_str(), l.hourly_pay_minor, l.total_minor)).collect();
        assert_eq!(summary, [("EUR", 2000, 2100), ("SEK", 20000, 20000)]);
    }
}
