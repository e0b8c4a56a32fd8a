//! Learned speed and quality per agent and skill, from the tier window's history: each
//! resolution's handle time (accept to resolution, wrap-up excluded), whether the customer came
//! back within the FCR window, and review scores (overturned ones excluded), fed to the same
//! [`Learner`] the simulator uses. Stored per agent and skill; an agent whose figures moved has
//! their profile version bumped, so every instance's dispatcher ranks with the new ones.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};

use crate::db::DbConn;
use crate::error::AppError;
use crate::ids::AgentId;
use crate::matching::learning::Learner;
use crate::models::agent_skill_stat::{self, SkillStat};
use crate::models::{agent, db_time, escalation, quality_review};

/// A figure that moved by less than this share is left as stored (no profile reload).
const NOTICEABLE: f64 = 0.01;

fn skills_of(list: &str) -> Vec<String> {
    list.split(',').filter(|s| !s.is_empty()).map(str::to_string).collect()
}

/// Every agent's learned figures from the window ending `now`.
pub fn learn(conn: &mut DbConn, now: DateTime<Utc>) -> Result<Learner, AppError> {
    let rules = super::settings::load(conn)?.tiers;
    let since = db_time(now - Duration::days(rules.window_days as i64));
    let mut learner = Learner::new(rules.prior_weight);
    for (agent, skills, started, resolved, repeated) in escalation::handled_since(conn, since)? {
        let skills = skills_of(&skills);
        learner.handled(agent, &skills, (resolved - started).num_milliseconds() as f64 / 1000.0);
        learner.judged(agent, &skills, if repeated { 0.0 } else { 1.0 });
    }
    for (agent, skills, score) in quality_review::scored_since(conn, since)? {
        learner.judged(agent, &skills_of(&skills), score / 100.0);
    }
    Ok(learner)
}

fn moved(a: f64, b: f64) -> bool {
    (a - b).abs() > NOTICEABLE * a.abs().max(b.abs()).max(1e-9)
}

/// Recomputes and stores every agent's figures; returns how many agents' figures moved.
pub fn recompute(conn: &mut DbConn, now: DateTime<Utc>) -> Result<usize, AppError> {
    let learner = learn(conn, now)?;
    let mut stored: HashMap<AgentId, Vec<SkillStat>> = HashMap::new();
    for s in agent_skill_stat::all(conn)? {
        stored.entry(s.agent_id).or_default().push(s);
    }
    let mut agents: Vec<AgentId> = learner.agents().chain(stored.keys().copied()).collect();
    agents.sort();
    agents.dedup();
    let mut changed = 0;
    for id in agents {
        let fresh: Vec<SkillStat> = learner
            .learned(id)
            .into_iter()
            .map(|l| SkillStat {
                agent_id: id,
                conversations: learner.handled_count(id, &l.skill) as i32,
                skill: l.skill,
                handle_s: l.handle_s,
                quality: l.quality,
                computed_at: db_time(now),
            })
            .collect();
        let mut before = stored.remove(&id).unwrap_or_default();
        before.sort_by(|a, b| a.skill.cmp(&b.skill));
        let same = before.len() == fresh.len()
            && before
                .iter()
                .zip(&fresh)
                .all(|(a, b)| a.skill == b.skill && !moved(a.handle_s, b.handle_s) && !moved(a.quality, b.quality));
        if !same {
            agent_skill_stat::replace(conn, id, &fresh)?;
            agent::touch_profile(conn, id)?;
            changed += 1;
        }
    }
    Ok(changed)
}
