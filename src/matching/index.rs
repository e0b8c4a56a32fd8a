//! The pre-filter: candidates grouped by what every escalation asks first (a language, and
//! usually a skill), and within that by region, so ranking looks only at agents who could
//! possibly be eligible. Built once over a pool of candidates (per dispatch pass) and shared by
//! every escalation ranked against that pool; positions stay valid while the pool's facts change
//! (load, passes), since those are checked at ranking time.

use std::collections::HashMap;

use super::{Candidate, Needs, Rules};

/// Positions under one key, all of them and split by the candidates' regions.
#[derive(Debug, Default)]
struct Bucket {
    all: Vec<usize>,
    /// Few regions exist, so a list beats a map; `None` holds candidates without a region.
    by_region: Vec<(Option<String>, Vec<usize>)>,
}

impl Bucket {
    fn push(&mut self, position: usize, region: Option<&str>) {
        // A candidate listed twice under one key would be counted twice (the ETA counts them).
        if self.all.last() == Some(&position) {
            return;
        }
        self.all.push(position);
        match self.by_region.iter_mut().find(|(known, _)| known.as_deref() == region) {
            Some((_, list)) => list.push(position),
            None => self.by_region.push((region.map(str::to_string), vec![position])),
        }
    }

    /// The lists a market's region rule allows: every list when it has none, otherwise only
    /// the allowed regions' (each region's list once, however often the rule names it).
    fn allowed<'a>(&'a self, rules: &Rules) -> Vec<&'a [usize]> {
        match &rules.allowed_regions {
            None => vec![&self.all],
            Some(allowed) => self
                .by_region
                .iter()
                .filter(|(region, _)| region.as_ref().is_some_and(|region| allowed.contains(region)))
                .map(|(_, list)| list.as_slice())
                .collect(),
        }
    }
}

/// Positions of candidates in one pool, by language and by language and skill.
#[derive(Debug, Default)]
pub struct CandidateIndex {
    by_language: HashMap<String, Bucket>,
    /// Keyed `language \0 skill`, so a lookup needs no allocation.
    by_language_skill: HashMap<String, Bucket>,
}

/// Adds `position` under `key`, allocating the key only the first time it is seen.
fn add(map: &mut HashMap<String, Bucket>, key: &str, position: usize, region: Option<&str>) {
    match map.get_mut(key) {
        Some(bucket) => bucket.push(position, region),
        None => map.entry(key.to_string()).or_default().push(position, region),
    }
}

fn pair_key(buffer: &mut String, language: &str, skill: &str) {
    buffer.clear();
    buffer.push_str(language);
    buffer.push('\0');
    buffer.push_str(skill);
}

impl CandidateIndex {
    pub fn build(candidates: &[Candidate]) -> CandidateIndex {
        let mut index = CandidateIndex::default();
        let mut key = String::new();
        for (position, c) in candidates.iter().enumerate() {
            let region = c.region.as_deref();
            for (language, _) in c.languages.iter() {
                add(&mut index.by_language, language, position, region);
                for (skill, _) in c.skills.iter() {
                    pair_key(&mut key, language, skill);
                    add(&mut index.by_language_skill, &key, position, region);
                }
            }
        }
        index
    }

    /// Positions of the candidates who speak the language, have the rarest of the required
    /// skills (every eligible candidate is in each required skill's bucket, so the smallest one
    /// will do) and live in a region the rules allow.
    pub fn shortlist<'a>(&'a self, needs: &Needs, rules: &Rules) -> impl Iterator<Item = usize> + 'a {
        let mut key = String::new();
        let mut smallest: Option<Option<&Bucket>> = None;
        for skill in &needs.required_skills {
            pair_key(&mut key, &needs.language, skill);
            let bucket = self.by_language_skill.get(key.as_str());
            let size = |b: Option<&Bucket>| b.map_or(0, |b| b.all.len());
            if smallest.is_none_or(|known| size(bucket) < size(known)) {
                smallest = Some(bucket);
            }
        }
        let bucket = smallest.unwrap_or_else(|| self.by_language.get(&needs.language));
        bucket.map(|b| b.allowed(rules)).unwrap_or_default().into_iter().flatten().copied()
    }
}
