//! The matching engine: pure functions over plain data (no actix, no diesel, no clock). The
//! server, the simulator and the benchmarks all call this same code.
//!
//! Input: an escalation's [`Needs`], the [`Rules`] in force for it (market rule, floors, what
//! the widening ladder has relaxed so far) and [`Candidate`] agents with their facts. Output:
//! eligible candidates ranked by a weighted score, each with a per-factor explanation whose
//! contributions add up to the score.
//!
//! Hard constraints filter (see [`eligibility`]); soft factors, each normalised to 0..1, score
//! (see [`factors`]). Weights are settings; the score is the weighted mean of the factors, so
//! raising any one factor never lowers it.

use crate::ids::AgentId;

use std::sync::Arc;

pub mod eligibility;
pub mod factors;
pub mod index;
pub mod learning;
pub mod rank;

pub use eligibility::{Rejection, check, qualifies};
pub use factors::{Factor, Weights};
pub use index::CandidateIndex;
pub use rank::{Ranked, best, best_indexed, rank};

/// How well an agent speaks a language, ordered from least to most.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Conversational,
    Fluent,
    Native,
}

/// A point on Earth in degrees.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Point {
    pub lat: f64,
    pub lon: f64,
}

/// What an escalation needs.
#[derive(Debug, Clone)]
pub struct Needs {
    /// ISO 639-1.
    pub language: String,
    pub required_skills: Vec<String>,
    pub sensitive: bool,
    /// Where the customer is (or the market's centre), for proximity.
    pub location: Option<Point>,
}

/// Constraints that the widening ladder may relax after a wait, in the order staff choose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Relaxable {
    /// Accept conversational speakers where fluent ones were required.
    LanguageLevel,
    /// Accept any proficiency in the required skills.
    ProficiencyFloor,
    /// Drop the maximum distance.
    Proximity,
}

/// The rules in force for one escalation at one moment.
#[derive(Debug, Clone)]
pub struct Rules {
    /// Skills that need a staff certification (never relaxed).
    pub certified_skills: Vec<String>,
    /// Regions whose agents may serve the market; `None` when the market has no rule.
    pub allowed_regions: Option<Vec<String>>,
    /// Least language level accepted before widening.
    pub language_floor: Level,
    /// Least proficiency (1..5) in each required skill before widening.
    pub proficiency_floor: u8,
    /// Farthest an agent may be from `Needs::location`, before widening.
    pub max_distance_km: Option<f64>,
    /// Sensitive escalations go only to agents whose smoothed rating reaches this (1..5).
    pub sensitive_rating_floor: f64,
    /// The prior of the Bayesian rating: a new agent counts as `prior_weight` ratings of `prior_mean`.
    pub rating_prior_mean: f64,
    pub rating_prior_weight: f64,
    /// What the widening ladder has relaxed so far.
    pub relaxed: Vec<Relaxable>,
}

impl Default for Rules {
    fn default() -> Rules {
        Rules {
            certified_skills: vec![],
            allowed_regions: None,
            language_floor: Level::Fluent,
            proficiency_floor: 2,
            max_distance_km: None,
            sensitive_rating_floor: 4.0,
            rating_prior_mean: 4.0,
            rating_prior_weight: 5.0,
            relaxed: vec![],
        }
    }
}

impl Rules {
    pub fn is_relaxed(&self, constraint: Relaxable) -> bool {
        self.relaxed.contains(&constraint)
    }

    /// The rating used for matching: the customer average pulled towards the prior, so a new
    /// agent is neither 0 nor 5.
    pub fn smoothed_rating(&self, rating_sum: f64, rating_count: u32) -> f64 {
        (self.rating_prior_mean * self.rating_prior_weight + rating_sum)
            / (self.rating_prior_weight + rating_count as f64)
    }
}

/// What an agent's own history says about them in one skill: the handle time to expect and
/// a quality figure (0..1: first-contact resolution blended with review scores), each shrunk
/// toward the pool so a few conversations move it only a little. The server learns these
/// hourly (`quality::learning`); the simulator learns them from the work it sees.
#[derive(Debug, Clone, PartialEq)]
pub struct Learned {
    pub skill: String,
    pub handle_s: f64,
    pub quality: f64,
}

/// One agent as the engine sees them.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub agent_id: AgentId,
    /// Account active, presence online, heartbeat live: the caller decides all three.
    pub available: bool,
    /// Shared lists (`Arc`): the dispatcher builds its candidates every pass from cached
    /// profiles, and a shared list costs a reference count where a cloned one cost allocations.
    pub languages: Arc<[(String, Level)]>,
    /// Skill and self-assessed proficiency 1..5.
    pub skills: Arc<[(String, u8)]>,
    pub certifications: Arc<[String]>,
    pub region: Option<String>,
    pub location: Point,
    pub max_concurrent: u32,
    pub active_conversations: u32,
    /// Offers out to this agent now; they count against capacity.
    pub pending_offers: u32,
    pub rating_sum: f64,
    pub rating_count: u32,
    /// Seconds since the agent last finished or was offered work.
    pub idle_seconds: u64,
    /// Engaged minutes in the fairness window (recent work).
    pub engaged_minutes: f64,
    pub hourly_rate_minor: i64,
    pub currency: String,
    /// Declined or missed an offer of this escalation already.
    pub passed_on_this: bool,
    /// Learned speed and quality per skill; empty for an agent with no history yet.
    pub learned: Arc<[Learned]>,
    /// The agent's tier brings priority for sensitive conversations: among the eligible, they
    /// are offered one first (`rank`).
    pub sensitive_priority: bool,
}

impl Candidate {
    pub fn free_capacity(&self) -> u32 {
        self.max_concurrent.saturating_sub(self.active_conversations + self.pending_offers)
    }

    pub fn level_in(&self, language: &str) -> Option<Level> {
        self.languages.iter().find(|(code, _)| code == language).map(|(_, level)| *level)
    }

    pub fn proficiency_in(&self, skill: &str) -> Option<u8> {
        self.skills.iter().find(|(name, _)| name == skill).map(|(_, p)| *p)
    }

    /// The mean of `figure` over the learned entries for the needed skills (every entry when
    /// no skill is needed); `None` without history in them.
    fn learned_mean(&self, needs: &Needs, figure: impl Fn(&Learned) -> f64) -> Option<f64> {
        let relevant = |l: &&Learned| needs.required_skills.is_empty() || needs.required_skills.contains(&l.skill);
        let (sum, n) = self.learned.iter().filter(relevant).fold((0.0, 0), |(s, n), l| (s + figure(l), n + 1));
        (n > 0).then(|| sum / n as f64)
    }

    /// Seconds this agent is expected to take on an escalation with these needs.
    pub fn expected_handle_s(&self, needs: &Needs) -> Option<f64> {
        self.learned_mean(needs, |l| l.handle_s)
    }

    /// Learned quality (0..1) in the needed skills.
    pub fn learned_quality(&self, needs: &Needs) -> Option<f64> {
        self.learned_mean(needs, |l| l.quality)
    }
}

/// Great-circle distance in kilometres (haversine, via geo).
pub fn distance_km(a: Point, b: Point) -> f64 {
    use geo::{Distance, Haversine};
    Haversine.distance(geo::Point::new(a.lon, a.lat), geo::Point::new(b.lon, b.lat)) / 1000.0
}

#[cfg(test)]
mod tests;
