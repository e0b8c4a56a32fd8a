//! What applicants and agents send, with the rules it must follow. Shared by the API and the
//! /register page so both give the same field errors.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::{Validate, ValidationError};

use crate::auth::password::MIN_PASSWORD_LEN;
use crate::places::Location;

/// How well an agent speaks a language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LanguageLevel {
    Native,
    Fluent,
    Conversational,
}

impl LanguageLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            LanguageLevel::Native => "native",
            LanguageLevel::Fluent => "fluent",
            LanguageLevel::Conversational => "conversational",
        }
    }

    pub fn parse(text: &str) -> Option<LanguageLevel> {
        [LanguageLevel::Native, LanguageLevel::Fluent, LanguageLevel::Conversational]
            .into_iter()
            .find(|l| l.as_str() == text)
    }
}

/// Where a recruit heard of the pilot: the programme targets students, rural residents and
/// existing customers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RecruitSource {
    Student,
    Rural,
    KlarnaUser,
    Other,
}

impl RecruitSource {
    pub fn as_str(self) -> &'static str {
        match self {
            RecruitSource::Student => "student",
            RecruitSource::Rural => "rural",
            RecruitSource::KlarnaUser => "klarna_user",
            RecruitSource::Other => "other",
        }
    }

    pub const ALL: [RecruitSource; 4] =
        [RecruitSource::Student, RecruitSource::Rural, RecruitSource::KlarnaUser, RecruitSource::Other];
}

#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
pub struct LanguageInput {
    /// ISO 639-1, for example `sv`.
    #[validate(custom(function = "crate::validate::iso_639_1"))]
    pub code: String,
    pub level: LanguageLevel,
}

#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
pub struct SkillInput {
    /// A name from the skill catalogue (GET /api/v1/staff/skills).
    #[validate(length(min = 1, max = 50))]
    pub skill: String,
    /// Self-assessed, 1 (beginner) to 5 (expert).
    #[validate(range(min = 1, max = 5))]
    pub proficiency: i32,
}

/// An application to work as an agent (POST /api/v1/agents and the /register page).
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
pub struct Registration {
    #[validate(email(message = "must be an email address"), length(max = 254))]
    pub email: String,
    #[validate(length(min = MIN_PASSWORD_LEN, max = 1024))]
    pub password: String,
    #[validate(length(min = 1, max = 200))]
    pub full_name: String,
    #[validate(
        length(min = 1, max = 20, message = "name between 1 and 20 languages"),
        nested,
        custom(function = "distinct_languages")
    )]
    pub languages: Vec<LanguageInput>,
    #[validate(
        length(min = 1, max = 30, message = "name between 1 and 30 skills"),
        nested,
        custom(function = "distinct_skills")
    )]
    pub skills: Vec<SkillInput>,
    #[validate(custom(function = "crate::validate::location"))]
    pub location: Location,
    /// IANA time zone, for example `Europe/Stockholm`.
    #[validate(custom(function = "crate::validate::iana_timezone"))]
    pub timezone: String,
    /// Asked hourly pay in minor units of `currency`.
    #[validate(range(min = 0, max = 100_000_000))]
    pub hourly_rate_minor: i64,
    /// Asked pay per resolved conversation in minor units of `currency`.
    #[validate(range(min = 0, max = 100_000_000))]
    pub per_conversation_minor: i64,
    /// ISO 4217, for example `SEK`.
    #[validate(custom(function = "crate::validate::iso_4217"))]
    pub currency: String,
    pub recruit_source: RecruitSource,
    #[validate(length(min = 1, max = 4000))]
    pub motivation: String,
}

/// Changes an agent makes to their own profile (PATCH /api/v1/me); absent fields stay.
#[derive(Debug, Clone, Default, Deserialize, Validate, ToSchema)]
pub struct ProfileChanges {
    #[validate(length(min = 1, max = 200))]
    pub full_name: Option<String>,
    #[validate(
        length(min = 1, max = 20, message = "name between 1 and 20 languages"),
        nested,
        custom(function = "distinct_languages")
    )]
    pub languages: Option<Vec<LanguageInput>>,
    #[validate(
        length(min = 1, max = 30, message = "name between 1 and 30 skills"),
        nested,
        custom(function = "distinct_skills")
    )]
    pub skills: Option<Vec<SkillInput>>,
    #[validate(custom(function = "crate::validate::location"))]
    pub location: Option<Location>,
    #[validate(custom(function = "crate::validate::iana_timezone"))]
    pub timezone: Option<String>,
}

fn rule(code: &'static str, message: &'static str) -> ValidationError {
    ValidationError::new(code).with_message(message.into())
}

fn distinct_languages(languages: &[LanguageInput]) -> Result<(), ValidationError> {
    let mut codes: Vec<&str> = languages.iter().map(|l| l.code.as_str()).collect();
    codes.sort_unstable();
    if codes.windows(2).any(|pair| pair[0] == pair[1]) {
        return Err(rule("duplicate", "each language may appear once"));
    }
    Ok(())
}

fn distinct_skills(skills: &[SkillInput]) -> Result<(), ValidationError> {
    let mut names: Vec<&str> = skills.iter().map(|s| s.skill.as_str()).collect();
    names.sort_unstable();
    if names.windows(2).any(|pair| pair[0] == pair[1]) {
        return Err(rule("duplicate", "each skill may appear once"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid() -> Registration {
        Registration {
            email: "ada@example.com".into(),
            password: "long enough password".into(),
            full_name: "Ada".into(),
            languages: vec![LanguageInput { code: "sv".into(), level: LanguageLevel::Native }],
            skills: vec![SkillInput { skill: "payments".into(), proficiency: 4 }],
            location: Location { lat: 59.33, lon: 18.07 },
            timezone: "Europe/Stockholm".into(),
            hourly_rate_minor: 22_000,
            per_conversation_minor: 1_500,
            currency: "SEK".into(),
            recruit_source: RecruitSource::Student,
            motivation: "I like helping people.".into(),
        }
    }

    fn failing_fields(registration: Registration) -> Vec<String> {
        match registration.validate() {
            Ok(()) => vec![],
            Err(errors) => match crate::error::AppError::from(errors) {
                crate::error::AppError::Validation(fields) => fields.into_iter().map(|f| f.field).collect(),
                other => panic!("{other:?}"),
            },
        }
    }

    #[test]
    fn a_complete_application_is_valid() {
        assert!(failing_fields(valid()).is_empty());
    }

    #[test]
    fn each_bad_field_is_named() {
        let mut bad = valid();
        bad.email = "nope".into();
        bad.timezone = "Mars/Olympus".into();
        bad.currency = "sek".into();
        bad.location = Location { lat: 91.0, lon: 0.0 };
        bad.languages = vec![
            LanguageInput { code: "xx".into(), level: LanguageLevel::Fluent },
            LanguageInput { code: "en".into(), level: LanguageLevel::Fluent },
        ];
        bad.skills = vec![SkillInput { skill: "payments".into(), proficiency: 6 }];
        assert_eq!(
            failing_fields(bad),
            ["currency", "email", "languages[0].code", "location", "skills[0].proficiency", "timezone"]
        );
    }

    #[test]
    fn duplicates_and_empty_lists_are_refused() {
        let mut bad = valid();
        bad.languages.push(LanguageInput { code: "sv".into(), level: LanguageLevel::Fluent });
        bad.skills.clear();
        assert_eq!(failing_fields(bad), ["languages", "skills"]);
    }
}
