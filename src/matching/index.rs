//! The pre-filter: candidates grouped by what every escalation asks first (a language, and
//! usually a skill), so ranking looks only at agents who could possibly be eligible. Built once
//! over a pool of candidates (per dispatch pass) and shared by every escalation ranked against
//! that pool; positions stay valid while the pool's facts change (load, passes), since those
//! are checked at ranking time.

use std::collections::HashMap;

use super::{Candidate, Needs};

/// Positions of candidates in one pool, by language and by language and skill.
#[derive(Debug, Default)]
pub struct CandidateIndex {
    by_language: HashMap<String, Vec<usize>>,
    /// Keyed `language \0 skill`, so a lookup needs no allocation.
    by_language_skill: HashMap<String, Vec<usize>>,
}

/// Adds `position` under `key`, allocating the key only the first time it is seen. A candidate
/// listed twice under one key would be counted twice (the ETA counts them), hence the check.
fn add(map: &mut HashMap<String, Vec<usize>>, key: &str, position: usize) {
    match map.get_mut(key) {
        Some(bucket) if bucket.last() == Some(&position) => {}
        Some(bucket) => bucket.push(position),
        None => {
            map.insert(key.to_string(), vec![position]);
        }
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
            for (language, _) in &c.languages {
                add(&mut index.by_language, language, position);
                for (skill, _) in &c.skills {
                    pair_key(&mut key, language, skill);
                    add(&mut index.by_language_skill, &key, position);
                }
            }
        }
        index
    }

    /// Candidates who speak the language and have the rarest of the required skills (every
    /// eligible candidate is in each required skill's bucket, so the smallest one will do).
    pub fn shortlist(&self, needs: &Needs) -> &[usize] {
        let mut key = String::new();
        let mut smallest: Option<&[usize]> = None;
        for skill in &needs.required_skills {
            pair_key(&mut key, &needs.language, skill);
            let bucket = self.by_language_skill.get(key.as_str()).map_or(&[][..], Vec::as_slice);
            if smallest.is_none_or(|known| bucket.len() < known.len()) {
                smallest = Some(bucket);
            }
        }
        match smallest {
            Some(bucket) => bucket,
            None => self.by_language.get(&needs.language).map_or(&[][..], Vec::as_slice),
        }
    }
}
