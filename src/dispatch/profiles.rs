//! The slow-changing facts about agents that every dispatch pass needs (languages, skills,
//! certifications, rates), kept in memory per instance. Loading them for 2,000 free agents
//! took about 10 ms of every pass on the single writer; now a pass reads one narrow row per
//! agent with its `profile_version` and reloads only the agents whose version moved.
//!
//! Why this is safe across instances: every change to those facts bumps the version in the
//! same transaction (`agent::touch_profile`), and each pass compares versions read from the
//! shared database, so an instance never ranks with facts older than the version it just read.
//! A cache that lost a race to a concurrent pass holds an older version and is reloaded on the
//! next pass.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::NaiveDateTime;

use crate::db::DbConn;
use crate::error::AppError;
use crate::ids::AgentId;
use crate::matching::{Learned, Level};
use crate::models::{agent_language, agent_rate, agent_skill, agent_skill_stat, agent_tier, certification};

/// One agent's facts at one `profile_version`.
#[derive(Debug, Default)]
pub struct Profile {
    pub version: i64,
    pub languages: Arc<[(String, Level)]>,
    pub skills: Arc<[(String, u8)]>,
    pub certifications: Arc<[String]>,
    /// Learned speed and quality per skill (recomputed hourly; a change bumps the version).
    pub learned: Arc<[Learned]>,
    /// The agent's tier brings priority for sensitive conversations (a tier change bumps the
    /// version).
    pub sensitive_priority: bool,
    /// Every rate, oldest first: a scheduled rate takes force without any write, so the rate in
    /// force is picked at each pass.
    rates: Vec<(NaiveDateTime, i64, String)>,
}

impl Profile {
    /// The hourly rate and currency in force at `at` (0 and "" when none is set).
    pub fn rate_at(&self, at: NaiveDateTime) -> (i64, &str) {
        self.rates
            .iter()
            .rev()
            .find(|(from, _, _)| *from <= at)
            .map(|(_, rate, currency)| (*rate, currency.as_str()))
            .unwrap_or((0, ""))
    }
}

fn level(text: &str) -> Level {
    match text {
        "native" => Level::Native,
        "fluent" => Level::Fluent,
        _ => Level::Conversational,
    }
}

/// This instance's profiles, by agent id.
#[derive(Debug, Default)]
pub struct ProfileCache {
    profiles: Mutex<HashMap<AgentId, Arc<Profile>>>,
}

impl ProfileCache {
    /// Forgets every profile (a new leader, or a failed pass: rebuild from the database).
    pub fn clear(&self) {
        self.profiles.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clear();
    }

    /// The profiles of `agents` (id, version read now), reloading those missing or stale.
    pub fn get(
        &self,
        conn: &mut DbConn,
        agents: &[(AgentId, i64)],
    ) -> Result<HashMap<AgentId, Arc<Profile>>, AppError> {
        let mut found = HashMap::with_capacity(agents.len());
        let mut stale = Vec::new();
        {
            let cached = self.profiles.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            for &(id, version) in agents {
                match cached.get(&id) {
                    Some(profile) if profile.version == version => {
                        found.insert(id, profile.clone());
                    }
                    _ => stale.push((id, version)),
                }
            }
        }
        if stale.is_empty() {
            return Ok(found);
        }
        let fresh = load(conn, &stale)?;
        let mut cached = self.profiles.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        for (id, profile) in fresh {
            cached.insert(id, profile.clone());
            found.insert(id, profile);
        }
        Ok(found)
    }
}

/// Reads the profiles of some agents from the database, labelled with the versions given.
fn load(conn: &mut DbConn, agents: &[(AgentId, i64)]) -> Result<HashMap<AgentId, Arc<Profile>>, AppError> {
    let ids: Vec<AgentId> = agents.iter().map(|(id, _)| *id).collect();
    let mut profiles: HashMap<AgentId, ProfileLists> =
        agents.iter().map(|&(id, version)| (id, ProfileLists { version, ..ProfileLists::default() })).collect();
    // Ids are keys of `profiles`, so these lookups cannot miss; `if let` keeps them panic-free.
    for l in agent_language::for_agents(conn, &ids)? {
        if let Some(p) = profiles.get_mut(&l.agent_id) {
            p.languages.push((l.code, level(&l.level)));
        }
    }
    for s in agent_skill::for_agents(conn, &ids)? {
        if let Some(p) = profiles.get_mut(&s.agent_id) {
            p.skills.push((s.skill, s.proficiency.clamp(0, 5) as u8));
        }
    }
    for c in certification::for_agents(conn, &ids)? {
        if let Some(p) = profiles.get_mut(&c.agent_id) {
            p.certifications.push(c.skill);
        }
    }
    for l in agent_skill_stat::for_agents(conn, &ids)? {
        if let Some(p) = profiles.get_mut(&l.agent_id) {
            p.learned.push(Learned { skill: l.skill, handle_s: l.handle_s, quality: l.quality });
        }
    }
    let levels = crate::quality::settings::load(conn)?.tiers.levels;
    for (id, tier) in agent_tier::tiers_of(conn, &ids)? {
        if let Some(p) = profiles.get_mut(&id) {
            p.sensitive_priority = levels.iter().any(|l| l.name == tier && l.perks.sensitive_priority);
        }
    }
    for r in agent_rate::all_for(conn, &ids)? {
        if let Some(p) = profiles.get_mut(&r.agent_id) {
            p.rates.push((r.effective_from, r.hourly_rate_minor, r.currency));
        }
    }
    Ok(profiles.into_iter().map(|(id, p)| (id, Arc::new(p.into_profile()))).collect())
}

/// A profile as it is read, list by list.
#[derive(Default)]
struct ProfileLists {
    version: i64,
    languages: Vec<(String, Level)>,
    skills: Vec<(String, u8)>,
    certifications: Vec<String>,
    learned: Vec<Learned>,
    sensitive_priority: bool,
    rates: Vec<(NaiveDateTime, i64, String)>,
}

impl ProfileLists {
    fn into_profile(self) -> Profile {
        Profile {
            version: self.version,
            languages: self.languages.into(),
            skills: self.skills.into(),
            certifications: self.certifications.into(),
            learned: self.learned.into(),
            sensitive_priority: self.sensitive_priority,
            rates: self.rates,
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    fn at(day: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 11, day).unwrap().and_hms_opt(9, 0, 0).unwrap()
    }

    #[test]
    fn a_scheduled_rate_takes_force_on_its_day_without_any_write() {
        let profile = Profile {
            rates: vec![(at(1), 20_000, "SEK".into()), (at(15), 25_000, "SEK".into())],
            ..Profile::default()
        };
        assert_eq!(profile.rate_at(at(10)), (20_000, "SEK"));
        assert_eq!(profile.rate_at(at(15)), (25_000, "SEK"));
        assert_eq!(profile.rate_at(at(20)), (25_000, "SEK"));
        assert_eq!(Profile::default().rate_at(at(20)), (0, ""), "no rate yet");
    }
}
