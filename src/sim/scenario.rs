//! The scenario file of `handoff simulate` (JSON): who works, what arrives, for how long.
//! Documented with examples in the README and scenarios/.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::random::Duration;
use crate::matching::{Level, Point};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Simulated seconds of arrivals.
    pub duration_s: f64,
    /// Seconds at the start left out of every statistic (the system fills up meanwhile).
    #[serde(default)]
    pub warmup_s: f64,
    /// Seed of the run; `--seed` overrides it.
    #[serde(default = "default_seed")]
    pub seed: u64,
    pub agents: Vec<AgentGroup>,
    pub arrivals: Vec<Stream>,
    /// Live boosts as the server posts them; none when absent.
    #[serde(default)]
    pub boosts: Option<Boosts>,
    /// The service target to judge the run by (`sim::target`); none when absent.
    #[serde(default)]
    pub target: Option<super::target::SimTarget>,
    /// How an agent's proficiency in the needed skills changes handle time and first-contact
    /// resolution; none: proficiency changes neither (the default, as before).
    #[serde(default)]
    pub proficiency: Option<ProficiencyCurve>,
    /// The engine's matching weights; none: the server's defaults.
    #[serde(default)]
    pub weights: Option<crate::matching::Weights>,
}

/// Handle time and first-contact resolution by proficiency 1..5 (interpolated between whole
/// levels, by the agent's mean proficiency in the needed skills; 1 for a skill they lack).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProficiencyCurve {
    /// Handle time multipliers at proficiency 1, 2, 3, 4 and 5 (a stream's `handle_time` is
    /// the time at the multiplier 1).
    pub handle_factor: [f64; 5],
    /// Chance that the customer does not come back, at proficiency 1 to 5.
    pub first_contact: [f64; 5],
    /// When a customer not resolved on first contact comes back (a new arrival of the same
    /// stream); the system learns the outcome then.
    #[serde(default = "one_hour")]
    pub repeat_after_s: f64,
    /// Observations' worth of the pool's mean each learned figure starts from.
    #[serde(default = "five")]
    pub prior_weight: f64,
}

fn one_hour() -> f64 {
    3600.0
}

fn five() -> f64 {
    5.0
}

impl ProficiencyCurve {
    /// The value of a 5-point curve at `proficiency` (clamped to 1..5, linear in between).
    pub fn at(points: &[f64; 5], proficiency: f64) -> f64 {
        let p = proficiency.clamp(1.0, 5.0) - 1.0;
        let (low, frac) = (p.floor() as usize, p.fract());
        if low >= 4 { points[4] } else { points[low] * (1.0 - frac) + points[low + 1] * frac }
    }
}

/// Live boosts in a run (`sim::world::boosting`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Boosts {
    /// Pay multiplier of each boost (the cost counts its extra).
    pub multiplier: f64,
    /// How long each lasts.
    #[serde(default = "thirty")]
    pub minutes: f64,
    /// The target a stream is checked against every minute: this share within `within_s`.
    #[serde(default = "eighty_percent")]
    pub share: f64,
    #[serde(default = "sixty")]
    pub within_s: f64,
}

fn thirty() -> f64 {
    30.0
}

fn eighty_percent() -> f64 {
    0.8
}

fn sixty() -> f64 {
    60.0
}

fn five_minutes() -> f64 {
    300.0
}

fn default_seed() -> u64 {
    1
}

fn one() -> f64 {
    1.0
}

fn default_capacity() -> u32 {
    1
}

fn default_rating() -> f64 {
    4.5
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentGroup {
    #[serde(default)]
    pub name: Option<String>,
    pub count: u32,
    /// Language code → level (`conversational`, `fluent`, `native`).
    pub languages: BTreeMap<String, Level>,
    /// Skill → proficiency 1..5.
    pub skills: BTreeMap<String, u8>,
    #[serde(default = "default_capacity")]
    pub capacity: u32,
    #[serde(default = "default_rating")]
    pub rating: f64,
    #[serde(default)]
    pub hourly_rate_minor: i64,
    #[serde(default)]
    pub location: Option<Point>,
    /// Speed: handle times are divided by it (2.0 handles twice as fast).
    #[serde(default = "one")]
    pub service_rate_factor: f64,
    #[serde(default = "one")]
    pub accept_probability: f64,
    /// Seconds from an offer to the agent's answer.
    #[serde(default)]
    pub accept_delay_s: f64,
    /// Agents who start offline and come online for a live boost on work they can take with
    /// this probability (each time), until it ends; `null` for agents online all run.
    #[serde(default)]
    pub boost_response: Option<f64>,
    /// Seconds from a boost to a responder being online.
    #[serde(default = "five_minutes")]
    pub boost_response_delay_s: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stream {
    #[serde(default)]
    pub name: Option<String>,
    /// Poisson arrivals per hour (ignored when `hourly_profile` is given).
    #[serde(default)]
    pub rate_per_hour: f64,
    /// Arrivals per hour for each hour of the day, 24 numbers, repeating.
    #[serde(default)]
    pub hourly_profile: Option<Vec<f64>>,
    pub language: String,
    #[serde(default)]
    pub market: String,
    #[serde(default)]
    pub required_skills: Vec<String>,
    #[serde(default = "normal")]
    pub priority: String,
    #[serde(default)]
    pub sensitive: bool,
    pub handle_time: Duration,
    /// How long a customer waits before leaving; `null` for customers who never leave.
    #[serde(default)]
    pub patience: Option<Duration>,
}

fn normal() -> String {
    "normal".into()
}

impl Stream {
    /// Arrivals per second at `t` (seconds from the start).
    pub fn rate_at(&self, t: f64) -> f64 {
        match &self.hourly_profile {
            Some(profile) if !profile.is_empty() => profile[((t / 3600.0) as usize) % profile.len()] / 3600.0,
            _ => self.rate_per_hour / 3600.0,
        }
    }

    /// The highest rate of the stream, for thinning.
    pub fn peak_rate(&self) -> f64 {
        match &self.hourly_profile {
            Some(profile) if !profile.is_empty() => profile.iter().cloned().fold(0.0, f64::max) / 3600.0,
            _ => self.rate_per_hour / 3600.0,
        }
    }

    pub fn priority_rank(&self) -> u8 {
        match self.priority.as_str() {
            "urgent" => 0,
            "high" => 1,
            "low" => 3,
            _ => 2,
        }
    }
}

impl Scenario {
    /// Every problem a scenario has, each naming its field.
    pub fn check(&self) -> Result<(), Vec<String>> {
        let mut problems = Vec::new();
        if !(self.duration_s > 0.0 && self.duration_s <= 366.0 * 86_400.0) {
            problems.push("duration_s must be above 0 and at most a year".to_string());
        }
        if !(self.warmup_s >= 0.0 && self.warmup_s < self.duration_s) {
            problems.push("warmup_s must be at least 0 and below duration_s".to_string());
        }
        if self.agents.is_empty() {
            problems.push("agents must name at least one group".to_string());
        }
        for (i, g) in self.agents.iter().enumerate() {
            if g.count == 0 || g.count > 100_000 {
                problems.push(format!("agents[{i}].count must be between 1 and 100000"));
            }
            if g.capacity == 0 || g.capacity > 20 {
                problems.push(format!("agents[{i}].capacity must be between 1 and 20"));
            }
            if !(0.0..=1.0).contains(&g.accept_probability) {
                problems.push(format!("agents[{i}].accept_probability must be between 0 and 1"));
            }
            if !(g.service_rate_factor > 0.0) {
                problems.push(format!("agents[{i}].service_rate_factor must be above 0"));
            }
            if !(g.accept_delay_s >= 0.0) {
                problems.push(format!("agents[{i}].accept_delay_s must be at least 0"));
            }
            if g.boost_response.is_some_and(|p| !(0.0..=1.0).contains(&p)) {
                problems.push(format!("agents[{i}].boost_response must be between 0 and 1"));
            }
            if !(g.boost_response_delay_s >= 0.0) {
                problems.push(format!("agents[{i}].boost_response_delay_s must be at least 0"));
            }
        }
        if let Some(b) = &self.boosts {
            if !(b.multiplier >= 1.0 && b.multiplier <= 3.0) {
                problems.push("boosts.multiplier must be between 1 and 3".to_string());
            }
            if !(b.minutes > 0.0 && b.minutes <= 240.0) {
                problems.push("boosts.minutes must be above 0 and at most 240".to_string());
            }
            if !(b.share > 0.0 && b.share < 1.0) || !(b.within_s > 0.0) {
                problems.push("boosts.share must be between 0 and 1 and boosts.within_s above 0".to_string());
            }
        }
        if let Some(t) = &self.target
            && !(t.share > 0.0 && t.share < 1.0 && t.within_s > 0.0 && t.max_abandon > 0.0 && t.max_abandon < 1.0)
        {
            problems.push("target needs share and max_abandon between 0 and 1 and within_s above 0".to_string());
        }
        if let Some(c) = &self.proficiency {
            if c.handle_factor.iter().any(|f| !(*f > 0.0 && *f <= 20.0)) {
                problems.push("proficiency.handle_factor must hold 5 factors above 0 and at most 20".to_string());
            }
            if c.first_contact.iter().any(|p| !(0.0..=1.0).contains(p)) {
                problems.push("proficiency.first_contact must hold 5 chances between 0 and 1".to_string());
            }
            if !(c.repeat_after_s > 0.0) || !(c.prior_weight >= 0.0) {
                problems.push("proficiency.repeat_after_s must be above 0 and prior_weight at least 0".to_string());
            }
        }
        if self.arrivals.is_empty() {
            problems.push("arrivals must name at least one stream".to_string());
        }
        for (i, s) in self.arrivals.iter().enumerate() {
            if s.peak_rate() <= 0.0 {
                problems.push(format!("arrivals[{i}] needs rate_per_hour or hourly_profile above 0"));
            }
            if s.hourly_profile.as_ref().is_some_and(|p| p.iter().any(|r| !(*r >= 0.0))) {
                problems.push(format!("arrivals[{i}].hourly_profile must hold rates of at least 0"));
            }
            if let Err(p) = s.handle_time.check(&format!("arrivals[{i}].handle_time")) {
                problems.push(p);
            }
            if let Some(Err(p)) = s.patience.as_ref().map(|d| d.check(&format!("arrivals[{i}].patience"))) {
                problems.push(p);
            }
        }
        if problems.is_empty() { Ok(()) } else { Err(problems) }
    }
}
