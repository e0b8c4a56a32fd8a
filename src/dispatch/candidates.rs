//! Builds the engine's inputs from the database: candidates with their facts, and the rules
//! in force for one escalation.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::Dispatcher;
use super::profiles::Profile;
use super::settings::MatchingSettings;
use crate::db::DbConn;
use crate::error::AppError;
use crate::ids::{AgentId, EscalationId};
use crate::matching::{Candidate, CandidateIndex, Needs, Point, Rules};
use crate::models::{agent, db_time, escalation, offer, region, skill};
use crate::realtime::bus::ChangedAgents;

/// Idle time for an agent who has never had work (counts as long idle).
const NEVER_WORKED_IDLE_S: u64 = 86_400;

/// Every agent who could take work now (active, online, live heartbeat, room left). With
/// `changed`, the dispatcher's kept rows are used and only the changed agents read again (see
/// `dispatch::live`); without, everyone is read and nothing kept.
pub fn load(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    dispatcher: &Dispatcher,
    changed: Option<&ChangedAgents>,
) -> Result<Vec<Candidate>, AppError> {
    let fresh_since = db_time(now - dispatcher.heartbeat_timeout);
    let agents = match changed {
        Some(changed) => dispatcher.live.read(conn, now, fresh_since, changed)?,
        None => agent::candidates(conn, fresh_since)?,
    };
    to_candidates(conn, now, dispatcher, agents)
}

/// The engine's candidates from agents' rows: their profiles (kept per version), rate in force
/// and recent work.
pub fn to_candidates(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    dispatcher: &Dispatcher,
    agents: Vec<agent::CandidateState>,
) -> Result<Vec<Candidate>, AppError> {
    if agents.is_empty() {
        return Ok(vec![]);
    }
    let versions: Vec<(AgentId, i64)> = agents.iter().map(|a| (a.user_id, a.profile_version)).collect();
    let profiles = dispatcher.profiles.get(conn, &versions)?;
    let recent = dispatcher.recent.at(conn, now)?;
    let empty = Profile::default();
    Ok(agents
        .into_iter()
        .map(|a| {
            let profile = profiles.get(&a.user_id).map(|p| p.as_ref()).unwrap_or(&empty);
            let (hourly_rate_minor, currency) = profile.rate_at(db_time(now));
            Candidate {
                agent_id: a.user_id,
                available: true,
                languages: profile.languages.clone(),
                skills: profile.skills.clone(),
                certifications: profile.certifications.clone(),
                region: a.region,
                location: Point { lat: a.latitude, lon: a.longitude },
                max_concurrent: a.max_concurrent.max(0) as u32,
                active_conversations: a.active_conversations.max(0) as u32,
                pending_offers: a.pending_offers.max(0) as u32,
                rating_sum: a.rating_sum as f64,
                rating_count: a.rating_count.max(0) as u32,
                idle_seconds: a
                    .last_work_at
                    .map(|t| (now - t.and_utc()).num_seconds().max(0) as u64)
                    .unwrap_or(NEVER_WORKED_IDLE_S),
                engaged_minutes: recent.engaged_minutes.get(&a.user_id).copied().unwrap_or(0.0),
                hourly_rate_minor,
                currency: currency.to_string(),
                passed_on_this: false,
                learned: profile.learned.clone(),
                sensitive_priority: profile.sensitive_priority,
            }
        })
        .collect())
}

/// One pass's view of the agents, read before the pass's write transaction: the candidates
/// (updated in place as the pass makes offers), the pre-filter over them, the rules per market
/// and widening step, and who passed on each waiting escalation already.
#[derive(Debug, Default)]
pub struct PassPool {
    pub candidates: Vec<Candidate>,
    pub index: CandidateIndex,
    rules: HashMap<(String, i32), Rules>,
    passed: HashMap<EscalationId, Vec<AgentId>>,
    /// Returning customers' previous agents, by escalation.
    preferred: HashMap<EscalationId, AgentId>,
}

impl PassPool {
    /// Reads what ranking `waiting` needs besides the candidates: one query for everyone who
    /// passed on them, and the rules of each (market, widening step) among them.
    pub fn load(
        conn: &mut DbConn,
        candidates: Vec<Candidate>,
        waiting: &[escalation::Escalation],
        settings: &MatchingSettings,
    ) -> Result<PassPool, AppError> {
        let index = CandidateIndex::build(&candidates);
        let ids: Vec<EscalationId> = waiting.iter().map(|e| e.id).collect();
        let mut passed: HashMap<EscalationId, Vec<AgentId>> = HashMap::new();
        for (escalation_id, agent_id) in offer::passed_agents_of(conn, &ids)? {
            passed.entry(escalation_id).or_default().push(agent_id);
        }
        let mut rules = HashMap::new();
        let mut regions: HashMap<&str, Vec<String>> = HashMap::new();
        let certified_skills = certified_skills(conn)?;
        // Widening may raise a step during the pass: the steps up to the ladder's end are known.
        for e in waiting {
            if !regions.contains_key(e.market.as_str()) {
                regions.insert(&e.market, region::allowed_for_market(conn, &e.market)?);
            }
            for steps in e.widened_steps..=settings.ladder.len() as i32 {
                rules.entry((e.market.clone(), steps)).or_insert_with(|| {
                    market_rules(regions[e.market.as_str()].clone(), certified_skills.clone(), steps, settings)
                });
            }
        }
        let preferred = escalation::preferred_agents(conn, &ids)?.into_iter().collect();
        Ok(PassPool { candidates, index, rules, passed, preferred })
    }

    /// The rules in force for `e` now (`None` only for an escalation the pool was not read for).
    pub fn rules(&self, e: &escalation::Escalation) -> Option<Rules> {
        self.rules.get(&(e.market.clone(), e.widened_steps)).cloned()
    }

    /// The agent a returning customer's escalation is offered first, if any.
    pub fn preferred(&self, escalation_id: EscalationId) -> Option<AgentId> {
        self.preferred.get(&escalation_id).copied()
    }

    /// Marks the candidates who passed on `escalation_id` already (and clears the others).
    pub fn mark_passed(&mut self, escalation_id: EscalationId) {
        let passed = self.passed.get(&escalation_id).map_or(&[][..], Vec::as_slice);
        for c in self.candidates.iter_mut() {
            c.passed_on_this = passed.contains(&c.agent_id);
        }
    }

    /// Free candidates who could take `e` now: the ETA's input. Counted once per eligible pool
    /// (what escalations need, their market and their step on the ladder), then corrected for
    /// who passed on this one, so a backlog of similar escalations costs one count, not one each.
    pub fn free_eligible(&mut self, e: &escalation::Escalation, pools: &mut EligiblePools) -> usize {
        let Some(rules) = self.rules(e) else { return 0 };
        let key = PoolKey::of(e);
        if !pools.0.contains_key(&key) {
            for c in self.candidates.iter_mut() {
                c.passed_on_this = false;
            }
            let needs = needs_of(e);
            let eligible: Vec<usize> = self
                .index
                .shortlist(&needs, &rules)
                .filter(|&at| crate::matching::check(&needs, &self.candidates[at], &rules).is_ok())
                .collect();
            pools.0.insert(key.clone(), eligible);
        }
        let eligible = &pools.0[&key];
        let passed = self.passed.get(&e.id).map_or(&[][..], Vec::as_slice);
        eligible.iter().filter(|&&at| !passed.contains(&self.candidates[at].agent_id)).count()
    }

    /// Whether anyone in the pool still has room this pass.
    pub fn anyone_free(&self) -> bool {
        self.candidates.iter().any(|c| c.available && c.free_capacity() > 0)
    }
}

/// Escalations that every candidate would judge alike: the same needs, market and ladder step.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PoolKey {
    language: String,
    required_skills: String,
    sensitive: bool,
    /// The customer's location, bit for bit (distance is a hard constraint and a factor).
    location: Option<(u64, u64)>,
    market: String,
    widened_steps: i32,
}

impl PoolKey {
    /// The pool of a quote: escalations of these needs in a market, not yet widened.
    pub fn quoted(language: &str, required_skills: &[String], sensitive: bool, market: &str) -> PoolKey {
        PoolKey {
            language: language.to_string(),
            required_skills: required_skills.join(","),
            sensitive,
            location: None,
            market: market.to_string(),
            widened_steps: 0,
        }
    }

    /// The pool of a group of waiting escalations (location left aside: a quote's estimate).
    pub fn of_group(g: &escalation::WaitingGroup) -> PoolKey {
        PoolKey {
            language: g.language.clone(),
            required_skills: g.required_skills.clone(),
            sensitive: g.sensitive,
            location: None,
            market: g.market.clone(),
            widened_steps: g.widened_steps,
        }
    }

    /// What escalations of this pool need.
    pub fn needs(&self) -> Needs {
        Needs {
            language: self.language.clone(),
            required_skills: self.required_skills.split(',').filter(|s| !s.is_empty()).map(str::to_string).collect(),
            sensitive: self.sensitive,
            location: self.location.map(|(lat, lon)| Point { lat: f64::from_bits(lat), lon: f64::from_bits(lon) }),
        }
    }

    pub fn market(&self) -> &str {
        &self.market
    }

    pub fn widened_steps(&self) -> i32 {
        self.widened_steps
    }

    pub fn of(e: &escalation::Escalation) -> PoolKey {
        PoolKey {
            language: e.language.clone(),
            required_skills: e.required_skills.clone(),
            sensitive: e.sensitive,
            location: e.customer_lat.zip(e.customer_lon).map(|(lat, lon)| (lat.to_bits(), lon.to_bits())),
            market: e.market.clone(),
            widened_steps: e.widened_steps,
        }
    }
}

/// The free candidates eligible for each pool (positions in the pass's candidates, ignoring who
/// passed), filled as a pass's ETAs need them.
#[derive(Debug, Default)]
pub struct EligiblePools(HashMap<PoolKey, Vec<usize>>);

/// What the escalation needs, for the engine.
pub fn needs_of(e: &escalation::Escalation) -> Needs {
    Needs {
        language: e.language.clone(),
        required_skills: e.skills(),
        sensitive: e.sensitive,
        location: e.customer_lat.zip(e.customer_lon).map(|(lat, lon)| Point { lat, lon }),
    }
}

/// The rules for escalations of a market at a ladder step, read from the database.
pub fn rules_for_market(
    conn: &mut DbConn,
    market: &str,
    steps: i32,
    settings: &MatchingSettings,
) -> Result<Rules, AppError> {
    let allowed = region::allowed_for_market(conn, market)?;
    Ok(market_rules(allowed, certified_skills(conn)?, steps, settings))
}

/// Skills that need a staff certification.
fn certified_skills(conn: &mut DbConn) -> Result<Vec<String>, AppError> {
    Ok(skill::all(conn)?.into_iter().filter(|s| s.requires_certification).map(|s| s.name).collect())
}

/// The rules for an escalation in a market (its allowed regions; none: no rule) once its wait has
/// earned `steps` of the ladder: certified skills, floors, and what those steps relaxed.
fn market_rules(allowed: Vec<String>, certified_skills: Vec<String>, steps: i32, settings: &MatchingSettings) -> Rules {
    let steps = (steps.max(0) as usize).min(settings.ladder.len());
    Rules {
        certified_skills,
        allowed_regions: (!allowed.is_empty()).then_some(allowed),
        language_floor: settings.language_floor,
        proficiency_floor: settings.proficiency_floor,
        max_distance_km: settings.max_distance_km,
        sensitive_rating_floor: settings.sensitive_rating_floor,
        rating_prior_mean: settings.rating_prior_mean,
        rating_prior_weight: settings.rating_prior_weight,
        relaxed: settings.ladder[..steps].iter().map(|s| s.relax).collect(),
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;
    use crate::ids::AgentId;
    use crate::matching::Level;
    use crate::models::escalation::EscalationState;

    fn waiting(id: i64) -> escalation::Escalation {
        let at = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap().and_hms_opt(10, 0, 0).unwrap();
        escalation::Escalation {
            id: EscalationId(id),
            service_account_id: crate::ids::ServiceAccountId(1),
            external_id: format!("e{id}"),
            idempotency_key: None,
            language: "sv".into(),
            market: "SE".into(),
            required_skills: "payments".into(),
            priority: "normal".into(),
            priority_rank: 1,
            sensitive: false,
            reason: "customer_request".into(),
            summary: String::new(),
            customer_lat: None,
            customer_lon: None,
            state: EscalationState::Queued,
            assigned_agent_id: None,
            widened_steps: 0,
            eta_at_intake_s: 0,
            eta_seconds: 0,
            created_at: at,
            assigned_at: None,
            closed_at: None,
            updated_at: at,
            disposition: None,
            first_reply_at: None,
        }
    }

    fn swedish_payments(id: i64) -> Candidate {
        Candidate {
            agent_id: AgentId(id),
            available: true,
            languages: vec![("sv".into(), Level::Native)].into(),
            skills: vec![("payments".into(), 4)].into(),
            certifications: vec![].into(),
            region: Some("nordics".into()),
            location: Point { lat: 59.3, lon: 18.1 },
            max_concurrent: 2,
            active_conversations: 0,
            pending_offers: 0,
            rating_sum: 0.0,
            rating_count: 0,
            idle_seconds: 0,
            engaged_minutes: 0.0,
            hourly_rate_minor: 20_000,
            currency: "SEK".into(),
            passed_on_this: false,
            learned: std::sync::Arc::from([]),
            sensitive_priority: false,
        }
    }

    #[test]
    fn free_eligible_counts_each_pool_once_and_leaves_out_who_passed_on_each_escalation() {
        let candidates = vec![swedish_payments(1), swedish_payments(2), swedish_payments(3)];
        let settings = MatchingSettings::default();
        let mut pool = PassPool {
            index: CandidateIndex::build(&candidates),
            candidates,
            rules: (0..=settings.ladder.len() as i32)
                .map(|steps| (("SE".to_string(), steps), market_rules(vec![], vec![], steps, &settings)))
                .collect(),
            passed: HashMap::from([(EscalationId(10), vec![AgentId(2)])]),
            preferred: HashMap::new(),
        };
        let mut pools = EligiblePools::default();
        assert_eq!(pool.free_eligible(&waiting(10), &mut pools), 2, "agent 2 passed on escalation 10");
        assert_eq!(pool.free_eligible(&waiting(11), &mut pools), 3);
        assert_eq!(pools.0.len(), 1, "both escalations are one pool");
        let english = escalation::Escalation { language: "en".into(), ..waiting(12) };
        assert_eq!(pool.free_eligible(&english, &mut pools), 0);
        assert_eq!(pools.0.len(), 2);
    }
}
