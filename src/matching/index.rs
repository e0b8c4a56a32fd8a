//! The pre-filter: candidates grouped by what every escalation asks first (a language, and
//! usually a skill), so ranking looks only at agents who could possibly be eligible. Built once
//! over a pool of candidates (per dispatch pass, or when the simulator's roster changes) and
//! shared by every escalation ranked against that pool; positions stay valid while the pool's
//! facts change (load, passes), since those are checked at ranking time.

use std::collections::HashMap;

use super::{Candidate, Needs};

/// Positions of candidates in one pool, by language and by (language, skill).
#[derive(Debug, Default)]
pub struct CandidateIndex {
    by_language: HashMap<String, Vec<usize>>,
    by_language_skill: HashMap<(String, String), Vec<usize>>,
}

impl CandidateIndex {
    pub fn build(candidates: &[Candidate]) -> CandidateIndex {
        let mut index = CandidateIndex::default();
        // A candidate listed twice under one key would be counted twice (the ETA counts them).
        fn add(bucket: &mut Vec<usize>, position: usize) {
            if bucket.last() != Some(&position) {
                bucket.push(position);
            }
        }
        for (position, c) in candidates.iter().enumerate() {
            for (language, _) in &c.languages {
                add(index.by_language.entry(language.clone()).or_default(), position);
                for (skill, _) in &c.skills {
                    add(index.by_language_skill.entry((language.clone(), skill.clone())).or_default(), position);
                }
            }
        }
        index
    }

    /// Candidates who speak the language and have every required skill's first bucket: the
    /// smallest bucket among the required skills (every eligible candidate is in each of them).
    pub fn shortlist(&self, needs: &Needs) -> &[usize] {
        let language = needs.language.clone();
        let smallest = needs
            .required_skills
            .iter()
            .map(|skill| self.by_language_skill.get(&(language.clone(), skill.clone())).map_or(&[][..], Vec::as_slice))
            .min_by_key(|bucket| bucket.len());
        match smallest {
            Some(bucket) => bucket,
            None => self.by_language.get(&needs.language).map_or(&[][..], Vec::as_slice),
        }
    }
}
