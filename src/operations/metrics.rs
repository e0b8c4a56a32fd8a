//! How well the promise "a human when you want one" is kept, computed from stored facts: time
//! to a human, abandonment, offer answers, utilisation and the error of the ETA we gave. Pure:
//! the caller loads the facts (see `facts.rs`), so a scripted day can be checked by hand.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::payroll::Interval;

/// One escalation as metrics see it.
#[derive(Debug, Clone, PartialEq)]
pub struct EscalationFact {
    pub created_at: DateTime<Utc>,
    /// When the first agent accepted it.
    pub first_human_at: Option<DateTime<Utc>>,
    pub abandoned: bool,
    pub resolved_at: Option<DateTime<Utc>>,
    /// The ETA promised at intake, in seconds.
    pub eta_at_intake_s: i32,
    /// Ended by giving it back to the chatbot rather than resolving it.
    pub handed_back: bool,
    /// The bot's reason code.
    pub reason: String,
    /// The 80 % range promised at intake (0, 0 when none was stored).
    pub eta_at_intake_range_s: (i32, i32),
}

impl EscalationFact {
    fn wait_s(&self) -> Option<f64> {
        self.first_human_at.map(|at| (at - self.created_at).num_milliseconds() as f64 / 1000.0)
    }

    /// Waiting for a human at `at` (created, no human yet, not abandoned yet).
    fn waiting_at(&self, at: DateTime<Utc>) -> bool {
        let ended = self.first_human_at.or(if self.abandoned { self.resolved_at } else { None });
        self.created_at <= at && ended.is_none_or(|end| end > at)
    }
}

/// One offer: when it was made and how it ended (`accepted`, `declined`, `expired`, …).
#[derive(Debug, Clone, PartialEq)]
pub struct OfferFact {
    pub created_at: DateTime<Utc>,
    pub state: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct Percentiles {
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct MeanP90 {
    pub mean: f64,
    pub p90: f64,
}

/// The staff metrics of API.md for a window.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct Metrics {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// Escalations created in the window.
    pub escalations: i64,
    /// Escalations resolved in the window.
    pub resolved: i64,
    /// Of those, the ones the agent gave back to the chatbot (appended).
    pub handed_back: i64,
    /// Creation to first accept, for escalations created in the window that reached a human.
    pub time_to_human_s: Percentiles,
    /// Share of the window's escalations the customer left before a human came.
    pub abandoned_rate: f64,
    /// Accepted among answered or missed offers made in the window (withdrawn ones left out).
    pub offer_accept_rate: f64,
    /// Engaged time over online time of all agents in the window.
    pub utilization: f64,
    /// |promised ETA − actual wait| for escalations that reached a human.
    pub eta_abs_error_s: MeanP90,
    /// The ETA's accuracy in the terms customers feel (appended): mean absolute error over the
    /// mean actual wait, and the share of actual waits inside the 80 % range promised.
    pub eta_accuracy: EtaAccuracy,
    /// Escalations created in the window by reason code (appended).
    pub reasons: BTreeMap<String, i64>,
}

/// How honest the ETAs promised at intake were, for escalations that reached a human.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct EtaAccuracy {
    pub reached_human: i64,
    pub wait_mean_s: f64,
    pub eta_mean_s: f64,
    /// Mean absolute error over the mean actual wait (the target is at most 0.25).
    pub error_share_of_wait: f64,
    /// Share whose actual wait fell inside the 80 % range (calibrated: about 0.8).
    pub range_coverage: f64,
}

/// The accuracy of the ETAs promised to `escalations`.
pub fn eta_accuracy(escalations: &[&EscalationFact]) -> EtaAccuracy {
    let reached: Vec<(&EscalationFact, f64)> = escalations.iter().filter_map(|e| e.wait_s().map(|w| (*e, w))).collect();
    let waits: Vec<f64> = reached.iter().map(|(_, w)| *w).collect();
    let errors = eta_errors(escalations);
    let ranged: Vec<&(&EscalationFact, f64)> = reached.iter().filter(|(e, _)| e.eta_at_intake_range_s.1 > 0).collect();
    let inside = ranged
        .iter()
        .filter(|(e, w)| {
            let (low, high) = e.eta_at_intake_range_s;
            *w >= low as f64 - 0.5 && *w <= high as f64 + 0.5
        })
        .count();
    let wait_mean = mean(&waits);
    EtaAccuracy {
        reached_human: reached.len() as i64,
        wait_mean_s: tidy(wait_mean),
        eta_mean_s: tidy(mean(&reached.iter().map(|(e, _)| e.eta_at_intake_s as f64).collect::<Vec<_>>())),
        error_share_of_wait: if wait_mean > 0.0 { tidy(mean(&errors) / wait_mean) } else { 0.0 },
        range_coverage: tidy(ratio(inside as i64, ranged.len() as i64)),
    }
}

fn reason_counts(escalations: &[&EscalationFact]) -> BTreeMap<String, i64> {
    let mut counts = BTreeMap::new();
    for e in escalations {
        *counts.entry(e.reason.clone()).or_default() += 1;
    }
    counts
}

/// One bucket of the charts on /staff.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct Bucket {
    pub start: DateTime<Utc>,
    pub escalations: i64,
    /// Median time to a human of the bucket's escalations (0 when none reached one).
    pub time_to_human_p50_s: f64,
    /// Escalations waiting for a human at the bucket's start.
    pub queue_length: i64,
    pub offers_accepted: i64,
    pub offers_missed: i64,
    pub offers_declined: i64,
    pub eta_abs_error_mean_s: f64,
    /// Predicted (at intake) against actual mean wait of the bucket's escalations that
    /// reached a human (appended).
    pub eta_mean_s: f64,
    pub wait_mean_s: f64,
    /// The bucket's escalations by reason code (appended).
    pub reasons: BTreeMap<String, i64>,
}

/// Nearest-rank percentile of sorted values (0 for none).
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil().max(1.0) as usize;
    sorted[rank.min(sorted.len()) - 1]
}

fn sorted(mut values: Vec<f64>) -> Vec<f64> {
    values.sort_by(f64::total_cmp);
    values
}

fn mean(values: &[f64]) -> f64 {
    if values.is_empty() { 0.0 } else { values.iter().sum::<f64>() / values.len() as f64 }
}

fn ratio(part: i64, whole: i64) -> f64 {
    if whole == 0 { 0.0 } else { part as f64 / whole as f64 }
}

/// Rounds to milli-units so answers compare and read cleanly.
fn tidy(value: f64) -> f64 {
    (value * 1000.0).round() / 1000.0
}

fn eta_errors(escalations: &[&EscalationFact]) -> Vec<f64> {
    escalations.iter().filter_map(|e| e.wait_s().map(|wait| (e.eta_at_intake_s as f64 - wait).abs())).collect()
}

/// The metrics of `window` from the facts (facts outside the window are ignored where they do
/// not belong; `engaged_s` and `online_s` are already clipped to it).
pub fn compute(
    window: Interval,
    escalations: &[EscalationFact],
    offers: &[OfferFact],
    engaged_s: i64,
    online_s: i64,
) -> Metrics {
    let created: Vec<&EscalationFact> = escalations.iter().filter(|e| window.contains(e.created_at)).collect();
    let waits = sorted(created.iter().filter_map(|e| e.wait_s()).collect());
    let errors = sorted(eta_errors(&created));
    let abandoned = created.iter().filter(|e| e.abandoned).count() as i64;
    let ended: Vec<&EscalationFact> =
        escalations.iter().filter(|e| !e.abandoned && e.resolved_at.is_some_and(|at| window.contains(at))).collect();
    let (resolved, handed_back) = (ended.len(), ended.iter().filter(|e| e.handed_back).count());
    let (accepted, answered) = offer_counts(offers.iter().filter(|o| window.contains(o.created_at)));
    Metrics {
        from: window.start,
        to: window.end,
        escalations: created.len() as i64,
        resolved: resolved as i64,
        handed_back: handed_back as i64,
        time_to_human_s: Percentiles {
            p50: tidy(percentile(&waits, 50.0)),
            p90: tidy(percentile(&waits, 90.0)),
            p99: tidy(percentile(&waits, 99.0)),
        },
        abandoned_rate: tidy(ratio(abandoned, created.len() as i64)),
        offer_accept_rate: tidy(ratio(accepted, answered)),
        utilization: tidy(ratio(engaged_s, online_s)),
        eta_abs_error_s: MeanP90 { mean: tidy(mean(&errors)), p90: tidy(percentile(&errors, 90.0)) },
        eta_accuracy: eta_accuracy(&created),
        reasons: reason_counts(&created),
    }
}

/// (accepted, accepted + declined + expired): a transferred offer was accepted first.
fn offer_counts<'a>(offers: impl Iterator<Item = &'a OfferFact>) -> (i64, i64) {
    let (mut accepted, mut answered) = (0, 0);
    for offer in offers {
        match offer.state.as_str() {
            "accepted" | "transferred" => {
                accepted += 1;
                answered += 1;
            }
            "declined" | "expired" => answered += 1,
            _ => {}
        }
    }
    (accepted, answered)
}

/// The window cut into buckets of `width`, each with its own numbers, for charts.
pub fn series(window: Interval, width: Duration, escalations: &[EscalationFact], offers: &[OfferFact]) -> Vec<Bucket> {
    let mut buckets = Vec::new();
    let mut start = window.start;
    while start < window.end {
        let span = Interval { start, end: (start + width).min(window.end) };
        let created: Vec<&EscalationFact> = escalations.iter().filter(|e| span.contains(e.created_at)).collect();
        let in_span: Vec<&OfferFact> = offers.iter().filter(|o| span.contains(o.created_at)).collect();
        let count = |state: &str| in_span.iter().filter(|o| o.state == state).count() as i64;
        let accuracy = eta_accuracy(&created);
        buckets.push(Bucket {
            start,
            escalations: created.len() as i64,
            time_to_human_p50_s: tidy(percentile(&sorted(created.iter().filter_map(|e| e.wait_s()).collect()), 50.0)),
            queue_length: escalations.iter().filter(|e| e.waiting_at(start)).count() as i64,
            offers_accepted: count("accepted") + count("transferred"),
            offers_missed: count("expired"),
            offers_declined: count("declined"),
            eta_abs_error_mean_s: tidy(mean(&eta_errors(&created))),
            eta_mean_s: accuracy.eta_mean_s,
            wait_mean_s: accuracy.wait_mean_s,
            reasons: reason_counts(&created),
        });
        start = span.end;
    }
    buckets
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(h: u32, m: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 1, h, m, s).unwrap()
    }

    fn escalation(created: DateTime<Utc>, wait_s: Option<i64>, eta: i32) -> EscalationFact {
        EscalationFact {
            created_at: created,
            first_human_at: wait_s.map(|w| created + Duration::seconds(w)),
            abandoned: false,
            resolved_at: None,
            eta_at_intake_s: eta,
            handed_back: false,
            reason: "customer_request".into(),
            eta_at_intake_range_s: (eta / 2, eta * 2),
        }
    }

    #[test]
    fn nearest_rank_percentiles() {
        let values: Vec<f64> = (1..=10).map(f64::from).collect();
        assert_eq!(percentile(&values, 50.0), 5.0);
        assert_eq!(percentile(&values, 90.0), 9.0);
        assert_eq!(percentile(&values, 99.0), 10.0);
        assert_eq!(percentile(&[], 50.0), 0.0);
        assert_eq!(percentile(&[7.0], 1.0), 7.0);
    }

    #[test]
    fn a_small_day_by_hand() {
        let window = Interval { start: at(9, 0, 0), end: at(10, 0, 0) };
        let mut left = escalation(at(9, 30, 0), None, 60);
        left.abandoned = true;
        left.resolved_at = Some(at(9, 32, 0));
        let mut done = escalation(at(9, 0, 0), Some(10), 30);
        done.resolved_at = Some(at(9, 20, 0));
        let facts = [done, escalation(at(9, 10, 0), Some(30), 40), escalation(at(9, 20, 0), Some(120), 60), left];
        let offers = [
            OfferFact { created_at: at(9, 0, 0), state: "accepted".into() },
            OfferFact { created_at: at(9, 10, 0), state: "expired".into() },
            OfferFact { created_at: at(9, 10, 20), state: "transferred".into() },
            OfferFact { created_at: at(9, 20, 0), state: "declined".into() },
            OfferFact { created_at: at(9, 21, 0), state: "withdrawn".into() },
            OfferFact { created_at: at(8, 59, 0), state: "accepted".into() },
        ];
        let metrics = compute(window, &facts, &offers, 1800, 3600);
        assert_eq!((metrics.escalations, metrics.resolved), (4, 1));
        assert_eq!(metrics.time_to_human_s, Percentiles { p50: 30.0, p90: 120.0, p99: 120.0 });
        assert_eq!(metrics.abandoned_rate, 0.25);
        assert_eq!(metrics.offer_accept_rate, 0.5, "2 accepted of 4 answered or missed; withdrawn left out");
        assert_eq!(metrics.utilization, 0.5);
        // ETA errors: |30-10| = 20, |40-30| = 10, |60-120| = 60.
        assert_eq!(metrics.eta_abs_error_s, MeanP90 { mean: 30.0, p90: 60.0 });
        // Mean wait (10 + 30 + 120) / 3 = 53.333; ranges [15, 60], [20, 80], [30, 120]: 10 s is
        // outside the first, 30 and 120 inside theirs.
        assert_eq!(metrics.eta_accuracy.error_share_of_wait, 0.563);
        assert_eq!(metrics.eta_accuracy.range_coverage, 0.667);
        assert_eq!(metrics.reasons, BTreeMap::from([("customer_request".to_string(), 4)]));
    }

    #[test]
    fn buckets_count_the_queue_at_their_start() {
        let window = Interval { start: at(9, 0, 0), end: at(9, 30, 0) };
        let facts = [escalation(at(8, 55, 0), Some(600), 0), escalation(at(9, 5, 0), Some(1200), 0)];
        let buckets = series(window, Duration::minutes(10), &facts, &[]);
        let queue: Vec<i64> = buckets.iter().map(|b| b.queue_length).collect();
        // 09:00 the first waits; 09:10 only the second (the first got a human at 09:05); 09:20 the second.
        assert_eq!(queue, [1, 1, 1]);
        assert_eq!(buckets.iter().map(|b| b.escalations).collect::<Vec<_>>(), [1, 0, 0]);
        assert_eq!(buckets[0].time_to_human_p50_s, 1200.0);
    }
}
