//! Boost multipliers in pay. A boost span says that work on one escalation inside an interval
//! is paid at `multiplier_pct` % (a live boost on its queue, or a scheduled boost on a slot of
//! its queue the agent booked). Engaged time is cut where spans begin and end; each cut is paid
//! at the highest multiplier of the escalations worked in it (one second, one multiplier, even
//! across queues); a resolution at the highest multiplier of its escalation at that instant.
//! The extra is kept apart from the base pay so the existing columns keep their meaning.

use chrono::{DateTime, Utc};

use super::arithmetic::Interval;
use crate::ids::EscalationId;

/// No boost.
pub const BASE_PCT: i64 = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BoostSpan {
    pub escalation_id: EscalationId,
    pub interval: Interval,
    pub multiplier_pct: i64,
}

/// Cuts `piece` where a span of one of `ids` begins or ends; each cut with the escalations
/// worked in it (by `worked_in`) and the highest multiplier in force for them.
pub fn cut(
    piece: Interval,
    ids: &[EscalationId],
    spans: &[BoostSpan],
    worked_in: &dyn Fn(Interval) -> Vec<EscalationId>,
) -> Vec<(Interval, Vec<EscalationId>, i64)> {
    let relevant: Vec<&BoostSpan> =
        spans.iter().filter(|s| ids.contains(&s.escalation_id) && s.interval.clip(&piece).is_some()).collect();
    if relevant.is_empty() {
        return vec![(piece, worked_in(piece), BASE_PCT)];
    }
    let mut edges: Vec<DateTime<Utc>> = vec![piece.start, piece.end];
    for span in &relevant {
        for edge in [span.interval.start, span.interval.end] {
            if piece.start < edge && edge < piece.end {
                edges.push(edge);
            }
        }
    }
    edges.sort();
    edges.dedup();
    edges
        .windows(2)
        .map(|pair| {
            let part = Interval { start: pair[0], end: pair[1] };
            let worked = worked_in(part);
            let pct = relevant
                .iter()
                .filter(|s| {
                    worked.contains(&s.escalation_id) && s.interval.start <= part.start && part.end <= s.interval.end
                })
                .map(|s| s.multiplier_pct)
                .fold(BASE_PCT, i64::max);
            (part, worked, pct)
        })
        .collect()
}

/// The multiplier for a resolution of `id` at `at`.
pub fn at_instant(spans: &[BoostSpan], id: EscalationId, at: DateTime<Utc>) -> i64 {
    spans
        .iter()
        .filter(|s| s.escalation_id == id && s.interval.start <= at && at < s.interval.end)
        .map(|s| s.multiplier_pct)
        .fold(BASE_PCT, i64::max)
}
