//! From an agent's activity to traceable pieces (one per paid interval, conversation or online
//! span, each with its rate and escalation ids) and from pieces to pay lines. A line is only
//! ever a sum of its pieces, so the detail export always adds up to the summary.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};

use super::arithmetic::{Interval, RateSpan, Work, div_round_half_up, in_force, split_by_rates, union_work};
use super::boost::{self, BASE_PCT, BoostSpan};
use crate::ids::EscalationId;

/// What an agent did, as stored: online spans, stretches of work, resolutions.
#[derive(Debug, Clone, Default)]
pub struct Activity {
    pub online: Vec<Interval>,
    pub work: Vec<Work>,
    /// (escalation id, resolved at)
    pub resolutions: Vec<(EscalationId, DateTime<Utc>)>,
    /// Where work is paid with a boost multiplier.
    pub boosts: Vec<BoostSpan>,
    /// Per resolved conversation: its seconds before and after the resolution.
    pub handling: HashMap<EscalationId, Handling>,
}

/// A resolved conversation's time: engaged from accept to resolution, then wrap-up (paid as
/// engaged time; shown apart in the detail export).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Handling {
    pub engaged_s: i64,
    pub wrap_up_s: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Online,
    Engaged,
    Conversation,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Online => "online",
            Kind::Engaged => "engaged",
            Kind::Conversation => "conversation",
        }
    }
}

/// One traceable line of the detail export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece {
    pub kind: Kind,
    pub currency: String,
    /// For a conversation, `start == end` (the resolution).
    pub interval: Interval,
    pub escalation_ids: Vec<EscalationId>,
    /// Hourly for engaged time, per conversation for a conversation, 0 for online time.
    pub rate_minor: i64,
    /// Boost multiplier in per cent (100: none).
    pub multiplier_pct: i64,
    /// For a conversation: its engaged and wrap-up seconds.
    pub handling: Option<Handling>,
}

impl Piece {
    pub fn seconds(&self) -> i64 {
        self.interval.seconds()
    }

    /// Pay in minor units × 3,600 (exact): engaged seconds × hourly rate, or a conversation's
    /// rate × 3,600. Divided by 3,600 and rounded once per line.
    pub fn pay_minor_x3600(&self) -> i128 {
        match self.kind {
            Kind::Online => 0,
            Kind::Engaged => self.seconds() as i128 * self.rate_minor as i128,
            Kind::Conversation => self.rate_minor as i128 * 3600,
        }
    }

    /// The boost's extra pay in minor units × 360,000 (exact): the base pay times the
    /// multiplier's part above 100 %.
    pub fn boost_minor_x360000(&self) -> i128 {
        self.pay_minor_x3600() * (self.multiplier_pct - BASE_PCT) as i128
    }
}

/// What one agent earned in one currency.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PayLine {
    pub currency: String,
    pub online_seconds: i64,
    pub engaged_seconds: i64,
    pub conversations: i64,
    pub hourly_pay_minor: i64,
    pub per_conversation_pay_minor: i64,
    /// Hourly, per-conversation and boost pay together.
    pub total_minor: i64,
    /// Engaged seconds paid with a boost multiplier.
    pub boosted_seconds: i64,
    /// The extra paid by boosts (included in `total_minor`), rounded half up once.
    pub boost_pay_minor: i64,
}

/// Meters `activity` inside `period`: engaged time is the union of the work (two conversations
/// at once are paid once), cut where the rate changes; each resolution is paid at the rate in
/// force at that instant; online time is split the same way so every line has its own.
pub fn meter(activity: &Activity, rates: &[RateSpan], period: Interval) -> Vec<Piece> {
    let mut rates = rates.to_vec();
    rates.sort_by_key(|r| r.from);
    let mut pieces = Vec::new();
    for span in activity.online.iter().filter_map(|i| i.clip(&period)) {
        for (piece, rate) in split_by_rates(span, &rates) {
            pieces.push(Piece {
                kind: Kind::Online,
                currency: rate.currency.clone(),
                interval: piece,
                escalation_ids: Vec::new(),
                rate_minor: 0,
                multiplier_pct: BASE_PCT,
                handling: None,
            });
        }
    }
    let clipped: Vec<Work> =
        activity.work.iter().filter_map(|w| w.interval.clip(&period).map(|interval| Work { interval, ..*w })).collect();
    for (merged, ids) in union_work(clipped.clone()) {
        // Only the escalations actually worked during a piece of the merged interval.
        let worked_in = |piece: Interval| {
            let mut worked: Vec<EscalationId> = clipped
                .iter()
                .filter(|w| ids.contains(&w.escalation_id) && w.interval.clip(&piece).is_some())
                .map(|w| w.escalation_id)
                .collect();
            worked.sort();
            worked.dedup();
            worked
        };
        for (piece, rate) in split_by_rates(merged, &rates) {
            for (part, worked, multiplier_pct) in boost::cut(piece, &ids, &activity.boosts, &worked_in) {
                pieces.push(Piece {
                    kind: Kind::Engaged,
                    currency: rate.currency.clone(),
                    interval: part,
                    escalation_ids: worked,
                    rate_minor: rate.hourly_minor,
                    multiplier_pct,
                    handling: None,
                });
            }
        }
    }
    for (escalation_id, at) in activity.resolutions.iter().filter(|(_, at)| period.contains(*at)) {
        if let Some(rate) = in_force(&rates, *at) {
            pieces.push(Piece {
                kind: Kind::Conversation,
                currency: rate.currency.clone(),
                interval: Interval { start: *at, end: *at },
                escalation_ids: vec![*escalation_id],
                rate_minor: rate.per_conversation_minor,
                multiplier_pct: boost::at_instant(&activity.boosts, *escalation_id, *at),
                handling: activity.handling.get(escalation_id).copied(),
            });
        }
    }
    pieces.sort_by(|a, b| (&a.currency, a.kind, a.interval).cmp(&(&b.currency, b.kind, b.interval)));
    pieces
}

/// One line per currency, each the sum of its pieces, the hourly part rounded half up once.
pub fn lines(pieces: &[Piece]) -> Vec<PayLine> {
    let mut by_currency: BTreeMap<&str, (PayLine, i128, i128)> = BTreeMap::new();
    for piece in pieces {
        let (line, engaged_x3600, boost_x360000) = by_currency.entry(&piece.currency).or_default();
        *boost_x360000 += piece.boost_minor_x360000();
        match piece.kind {
            Kind::Online => line.online_seconds += piece.seconds(),
            Kind::Engaged => {
                line.engaged_seconds += piece.seconds();
                *engaged_x3600 += piece.pay_minor_x3600();
                if piece.multiplier_pct != BASE_PCT {
                    line.boosted_seconds += piece.seconds();
                }
            }
            Kind::Conversation => {
                line.conversations += 1;
                line.per_conversation_pay_minor += piece.rate_minor;
            }
        }
    }
    by_currency
        .into_iter()
        .map(|(currency, (line, engaged_x3600, boost_x360000))| {
            let hourly_pay_minor = div_round_half_up(engaged_x3600, 3600);
            let boost_pay_minor = div_round_half_up(boost_x360000, 360_000);
            PayLine {
                currency: currency.to_string(),
                hourly_pay_minor,
                boost_pay_minor,
                total_minor: hourly_pay_minor + line.per_conversation_pay_minor + boost_pay_minor,
                ..line
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, NaiveDate, TimeZone};

    use super::*;
    use crate::payroll::arithmetic::period;

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
        let first = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        period(first, first, chrono_tz::UTC)
    }

    /// Escalations numbered 1, 2, … in the order given.
    fn worked(intervals: &[Interval]) -> Activity {
        let work = intervals
            .iter()
            .enumerate()
            .map(|(i, interval)| Work { escalation_id: EscalationId(i as i64 + 1), interval: *interval });
        Activity { work: work.collect(), ..Activity::default() }
    }

    fn pay(activity: &Activity, rates: &[RateSpan], period: Interval) -> Vec<PayLine> {
        lines(&meter(activity, rates, period))
    }

    #[test]
    fn overlapping_conversations_are_paid_once() {
        let activity = worked(&[span(at(9, 0), at(10, 0)), span(at(9, 30), at(10, 30))]);
        let lines = pay(&activity, &[sek(at(0, 0), 20000, 0)], day());
        assert_eq!(lines[0].engaged_seconds, 90 * 60);
        assert_eq!(lines[0].hourly_pay_minor, 30000);
    }

    #[test]
    fn a_rate_change_mid_interval_splits_it_and_each_piece_names_its_escalations() {
        let rates = [sek(at(0, 0), 20000, 1000), sek(at(10, 0), 26000, 1500)];
        let mut activity = worked(&[span(at(9, 30), at(9, 50)), span(at(9, 45), at(10, 30))]);
        activity.resolutions = vec![(EscalationId(1), at(9, 50)), (EscalationId(2), at(10, 30))];
        let pieces = meter(&activity, &rates, day());
        let engaged: Vec<(i64, i64, Vec<i64>)> = pieces
            .iter()
            .filter(|p| p.kind == Kind::Engaged)
            .map(|p| (p.seconds(), p.rate_minor, p.escalation_ids.iter().map(|id| id.0).collect()))
            .collect();
        assert_eq!(engaged, vec![(30 * 60, 20000, vec![1, 2]), (30 * 60, 26000, vec![2])]);
        let line = &lines(&pieces)[0];
        // 30 min at 200.00 + 30 min at 260.00 = 230.00; conversations at 10.00 and 15.00.
        assert_eq!((line.hourly_pay_minor, line.per_conversation_pay_minor, line.total_minor), (23000, 2500, 25500));
        assert_eq!(line.conversations, 2);
    }

    #[test]
    fn work_across_midnight_and_the_period_edge_is_clipped() {
        let late = Utc.with_ymd_and_hms(2026, 11, 30, 23, 0, 0).unwrap();
        let mut activity = worked(&[span(late, at(1, 0))]);
        activity.resolutions = vec![(EscalationId(1), late + Duration::minutes(30))];
        let lines = pay(&activity, &[sek(late - Duration::days(1), 36000, 1000)], day());
        assert_eq!(lines[0].engaged_seconds, 3600, "only the hour inside the day counts");
        assert_eq!(lines[0].conversations, 0, "the resolution fell before the period");
    }

    #[test]
    fn a_whole_dst_night_is_paid_for_its_25_real_hours() {
        let tz = chrono_tz::Europe::Stockholm;
        let autumn = NaiveDate::from_ymd_opt(2026, 10, 25).unwrap();
        let whole = period(autumn, autumn, tz);
        let lines = pay(&worked(&[whole]), &[sek(whole.start - Duration::days(1), 3600, 0)], whole);
        assert_eq!(lines[0].hourly_pay_minor, 25 * 3600);
    }

    #[test]
    fn half_a_minor_unit_rounds_up_once_per_line() {
        // 1 s at 18.00/h is 0.5 minor units; two such pieces make exactly 1, not 2.
        let rates = [sek(at(0, 0), 1800, 0)];
        let second = |h| span(at(h, 0), at(h, 0) + Duration::seconds(1));
        assert_eq!(pay(&worked(&[second(9)]), &rates, day())[0].hourly_pay_minor, 1);
        assert_eq!(pay(&worked(&[second(9), second(10)]), &rates, day())[0].hourly_pay_minor, 1);
        assert_eq!(pay(&worked(&[second(9), second(10), second(11)]), &rates, day())[0].hourly_pay_minor, 2);
    }

    #[test]
    fn a_currency_change_gives_one_line_per_currency_with_its_own_online_time() {
        let rates = [
            sek(at(0, 0), 20000, 0),
            RateSpan { from: at(12, 0), hourly_minor: 2000, per_conversation_minor: 100, currency: "EUR".into() },
        ];
        let mut activity = worked(&[span(at(11, 0), at(13, 0))]);
        activity.resolutions = vec![(EscalationId(1), at(12, 30))];
        activity.online = vec![span(at(10, 0), at(14, 0))];
        let summary: Vec<(String, i64, i64, i64)> = pay(&activity, &rates, day())
            .into_iter()
            .map(|l| (l.currency, l.online_seconds, l.hourly_pay_minor, l.total_minor))
            .collect();
        assert_eq!(summary, [("EUR".into(), 2 * 3600, 2000, 2100), ("SEK".into(), 2 * 3600, 20000, 20000)]);
    }

    #[test]
    fn online_time_without_work_still_makes_a_line() {
        let activity = Activity { online: vec![span(at(8, 0), at(9, 0))], ..Activity::default() };
        let lines = pay(&activity, &[sek(at(0, 0), 20000, 500)], day());
        assert_eq!(lines, vec![PayLine { currency: "SEK".into(), online_seconds: 3600, ..PayLine::default() }]);
    }

    #[test]
    fn the_pieces_add_up_to_the_line() {
        let rates = [sek(at(0, 0), 12345, 678), sek(at(9, 17), 9999, 5)];
        let mut activity = worked(&[span(at(8, 3), at(9, 41)), span(at(9, 0), at(10, 7)), span(at(14, 0), at(14, 1))]);
        activity.resolutions = vec![(EscalationId(1), at(9, 10)), (EscalationId(3), at(14, 1))];
        let pieces = meter(&activity, &rates, day());
        let line = &lines(&pieces)[0];
        let exact: i128 = pieces.iter().filter(|p| p.kind == Kind::Engaged).map(Piece::pay_minor_x3600).sum();
        assert_eq!(line.hourly_pay_minor, div_round_half_up(exact, 3600));
        assert_eq!(
            line.engaged_seconds,
            pieces.iter().filter(|p| p.kind == Kind::Engaged).map(Piece::seconds).sum::<i64>()
        );
        assert_eq!(line.per_conversation_pay_minor, 678 + 5);
    }

    #[test]
    fn boosted_seconds_pay_the_highest_multiplier_in_force_and_conversations_theirs() {
        // Two conversations overlap 9:30-10:00; the first is boosted ×1.2 from 9:00 to 9:45,
        // the second ×1.5 from 9:40 to 10:30; resolved at 9:50 (first) and 10:20 (second).
        let rates = [sek(at(0, 0), 36000, 1000)];
        let mut activity = worked(&[span(at(9, 0), at(9, 50)), span(at(9, 30), at(10, 30))]);
        activity.resolutions = vec![(EscalationId(1), at(9, 50)), (EscalationId(2), at(10, 20))];
        activity.boosts = vec![
            BoostSpan { escalation_id: EscalationId(1), interval: span(at(9, 0), at(9, 45)), multiplier_pct: 120 },
            BoostSpan { escalation_id: EscalationId(2), interval: span(at(9, 40), at(10, 30)), multiplier_pct: 150 },
        ];
        let pieces = meter(&activity, &rates, day());
        let engaged: Vec<(u32, u32, i64)> = pieces
            .iter()
            .filter(|p| p.kind == Kind::Engaged)
            .map(|p| {
                (
                    p.interval.start.format("%H%M").to_string().parse().unwrap(),
                    p.interval.end.format("%H%M").to_string().parse().unwrap(),
                    p.multiplier_pct,
                )
            })
            .collect();
        assert_eq!(engaged, vec![(900, 940, 120), (940, 945, 150), (945, 1030, 150)]);
        let line = &lines(&pieces)[0];
        // 90 min at 360.00/h = 540.00 base; extras: 40 min × 20 % + 50 min × 50 % of 6.00/min.
        assert_eq!(line.hourly_pay_minor, 54000);
        // The first is resolved after its boost ended; the second inside its boost.
        let conversation_extra = 1000 * 50 / 100;
        assert_eq!(line.boost_pay_minor, 40 * 600 * 20 / 100 + 50 * 600 * 50 / 100 + conversation_extra);
        assert_eq!(line.boosted_seconds, 90 * 60);
        assert_eq!(line.total_minor, 54000 + 2000 + line.boost_pay_minor);
    }

    #[test]
    fn without_boosts_nothing_is_cut_or_added() {
        let activity = worked(&[span(at(9, 0), at(10, 0))]);
        let pieces = meter(&activity, &[sek(at(0, 0), 20000, 0)], day());
        assert_eq!(pieces.len(), 1);
        assert_eq!(lines(&pieces)[0].boost_pay_minor, 0);
    }

    mod properties {
        use proptest::prelude::*;

        use super::*;

        fn minute(m: i64) -> DateTime<Utc> {
            at(0, 0) + Duration::minutes(m)
        }

        proptest! {
            /// Whatever the overlaps and rate changes: engaged pieces never overlap, never leave the
            /// period, add up to the union of the work, and pay between the lowest and highest rate.
            #[test]
            fn engaged_pieces_partition_the_union_of_the_work(
                work in prop::collection::vec((-120i64..1560, 1i64..300), 0..12),
                changes in prop::collection::vec((-60i64..1500, 0i64..50_000), 1..4),
            ) {
                let intervals: Vec<Interval> = work.iter().map(|(s, len)| span(minute(*s), minute(s + len))).collect();
                let mut rates: Vec<RateSpan> = changes.iter().map(|(m, hourly)| sek(minute(*m), *hourly, 100)).collect();
                rates.push(sek(minute(-10_000), 1000, 100));
                let pieces = meter(&worked(&intervals), &rates, day());
                let mut engaged: Vec<&Piece> = pieces.iter().filter(|p| p.kind == Kind::Engaged).collect();
                engaged.sort_by_key(|p| p.interval);
                for pair in engaged.windows(2) {
                    prop_assert!(pair[0].interval.end <= pair[1].interval.start);
                }
                prop_assert!(engaged.iter().all(|p| p.interval.start >= day().start && p.interval.end <= day().end));
                let union_seconds: i64 = crate::payroll::union(intervals.iter().filter_map(|i| i.clip(&day())).collect())
                    .iter()
                    .map(Interval::seconds)
                    .sum();
                let line = lines(&pieces).pop().unwrap_or_default();
                prop_assert_eq!(line.engaged_seconds, union_seconds);
                let (low, high) = rates.iter().fold((i64::MAX, 0), |(l, h), r| (l.min(r.hourly_minor), h.max(r.hourly_minor)));
                prop_assert!(line.hourly_pay_minor >= div_round_half_up(union_seconds as i128 * low as i128, 3600));
                prop_assert!(line.hourly_pay_minor <= div_round_half_up(union_seconds as i128 * high as i128, 3600));
            }
        }
    }
}
