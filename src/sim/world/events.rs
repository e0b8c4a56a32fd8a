//! The simulation's events and the heap order that pops the earliest first.

use std::cmp::Ordering;

#[derive(Debug, Clone, Copy)]
pub(super) enum Event {
    Arrival {
        stream: usize,
    },
    Answer {
        escalation: usize,
        agent: usize,
        accept: bool,
    },
    Done {
        escalation: usize,
        agent: usize,
    },
    Leave {
        escalation: usize,
    },
    Widen {
        escalation: usize,
    },
    /// The minute's look for short queues to boost (`boosting`).
    BoostCheck,
    ComeOnline {
        agent: usize,
        until: f64,
    },
    GoOffline {
        agent: usize,
    },
    /// A customer not resolved on first contact comes back (`proficiency`).
    Repeat {
        stream: usize,
    },
    /// The outcome of a conversation becomes known: whether its customer came back.
    Judge {
        escalation: usize,
        agent: usize,
        first_contact: bool,
    },
}

/// An event at a time; the heap pops the earliest (ties in the order they were scheduled).
pub(super) struct Scheduled {
    pub(super) at: f64,
    pub(super) seq: u64,
    pub(super) event: Event,
}

impl PartialEq for Scheduled {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Scheduled {}
impl PartialOrd for Scheduled {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Scheduled {
    fn cmp(&self, other: &Self) -> Ordering {
        other.at.total_cmp(&self.at).then(other.seq.cmp(&self.seq))
    }
}
