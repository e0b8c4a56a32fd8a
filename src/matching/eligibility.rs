//! Hard constraints: a candidate who fails one is never offered the escalation.

use super::{Candidate, Level, Needs, Relaxable, Rules, distance_km};

/// Why a candidate cannot take an escalation (for explanations to staff).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rejection {
    Unavailable,
    NoCapacity,
    PassedAlready,
    Language,
    MissingSkill(String),
    NotCertified(String),
    Region,
    TooFar,
    RatingBelowFloor,
}

/// `Ok` if the candidate may be offered the escalation under `rules`.
pub fn check(needs: &Needs, candidate: &Candidate, rules: &Rules) -> Result<(), Rejection> {
    if !candidate.available {
        return Err(Rejection::Unavailable);
    }
    if candidate.free_capacity() == 0 {
        return Err(Rejection::NoCapacity);
    }
    if candidate.passed_on_this {
        return Err(Rejection::PassedAlready);
    }
    qualifies(needs, candidate, rules)
}

/// `Ok` if the candidate could take the escalation under `rules` once they have room: the
/// constraints on who they are, not on what they are doing now (ETAs count busy agents too).
pub fn qualifies(needs: &Needs, candidate: &Candidate, rules: &Rules) -> Result<(), Rejection> {
    let floor = if rules.is_relaxed(Relaxable::LanguageLevel) { Level::Conversational } else { rules.language_floor };
    if candidate.level_in(&needs.language).is_none_or(|level| level < floor) {
        return Err(Rejection::Language);
    }
    let proficiency_floor = if rules.is_relaxed(Relaxable::ProficiencyFloor) { 1 } else { rules.proficiency_floor };
    for skill in &needs.required_skills {
        if candidate.proficiency_in(skill).is_none_or(|p| p < proficiency_floor) {
            return Err(Rejection::MissingSkill(skill.clone()));
        }
        if rules.certified_skills.contains(skill) && !candidate.certifications.contains(skill) {
            return Err(Rejection::NotCertified(skill.clone()));
        }
    }
    if let Some(allowed) = &rules.allowed_regions
        && !candidate.region.as_ref().is_some_and(|region| allowed.contains(region))
    {
        return Err(Rejection::Region);
    }
    if let (Some(max_km), Some(customer)) = (rules.max_distance_km, needs.location)
        && !rules.is_relaxed(Relaxable::Proximity)
        && distance_km(customer, candidate.location) > max_km
    {
        return Err(Rejection::TooFar);
    }
    if needs.sensitive
        && rules.smoothed_rating(candidate.rating_sum, candidate.rating_count) < rules.sensitive_rating_floor
    {
        return Err(Rejection::RatingBelowFloor);
    }
    Ok(())
}
