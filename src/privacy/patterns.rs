//! Staff-configured redaction patterns (national identity numbers and the like), kept as one
//! setting and checked before saving: a pattern must compile within a size limit (the regex
//! crate runs in linear time, so no pattern can stall intake), and may require a check digit.

use chrono::{DateTime, Utc};
use regex::{Regex, RegexBuilder};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::db::DbConn;
use crate::error::{AppError, FieldError};
use crate::ids::UserId;
use crate::models::{app_setting, db_time};

const KEY: &str = "redaction_patterns";
const MAX_PATTERNS: usize = 20;
/// Compiled-program budget per pattern (bytes): ample for identity-number shapes.
const SIZE_LIMIT: usize = 256 * 1024;

/// The check a match must pass before it is hidden.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum DigitCheck {
    /// Every match is hidden.
    None,
    /// The match's digits must pass the Luhn check (Swedish personnummer, Canadian SIN, …).
    Luhn,
}

/// One pattern as staff write it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate, ToSchema)]
pub struct PatternRule {
    /// Shown in the marker: `[<name> •••• 1234]`. Lowercase letters, digits and dashes.
    #[validate(length(min = 1, max = 24))]
    pub name: String,
    /// A regular expression (Rust `regex` syntax), e.g. `\b\d{6}[-+]?\d{4}\b`.
    #[validate(length(min = 1, max = 500))]
    pub pattern: String,
    pub check: DigitCheck,
}

/// The staff's patterns (PUT replaces them all).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Validate, ToSchema)]
pub struct PatternRules {
    #[validate(length(max = 20), nested)]
    pub patterns: Vec<PatternRule>,
}

/// A checked, compiled pattern.
#[derive(Debug, Clone)]
pub struct StaffPattern {
    name: String,
    regex: Regex,
    check: DigitCheck,
}

impl StaffPattern {
    /// Replaces each match that passes the check by its marker, counting them.
    pub fn replace(&self, text: &str, count: &mut usize) -> String {
        self.regex
            .replace_all(text, |found: &regex::Captures| {
                let matched = &found[0];
                let digits: String = matched.chars().filter(char::is_ascii_digit).collect();
                let passes = match self.check {
                    DigitCheck::None => true,
                    DigitCheck::Luhn => digits.len() >= 2 && luhn::valid(&digits),
                };
                if passes {
                    *count += 1;
                    super::redact::marker(&self.name, matched)
                } else {
                    matched.to_string()
                }
            })
            .into_owned()
    }
}

impl PatternRules {
    /// Compiles every rule; a 422 names each one that does not.
    pub fn compile(&self) -> Result<Vec<StaffPattern>, AppError> {
        let mut errors = Vec::new();
        let mut compiled = Vec::new();
        if self.patterns.len() > MAX_PATTERNS {
            errors.push(FieldError::new("patterns", format!("at most {MAX_PATTERNS}")));
        }
        for (i, rule) in self.patterns.iter().enumerate() {
            if !rule.name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                || rule.name.is_empty()
            {
                errors.push(FieldError::new(format!("patterns[{i}].name"), "lowercase letters, digits and dashes"));
            }
            match RegexBuilder::new(&rule.pattern).size_limit(SIZE_LIMIT).build() {
                Ok(regex) if regex.is_match("") => {
                    errors.push(FieldError::new(format!("patterns[{i}].pattern"), "must not match empty text"))
                }
                Ok(regex) => compiled.push(StaffPattern { name: rule.name.clone(), regex, check: rule.check }),
                Err(e) => errors.push(FieldError::new(format!("patterns[{i}].pattern"), short(&e.to_string()))),
            }
        }
        if errors.is_empty() { Ok(compiled) } else { Err(AppError::Validation(errors)) }
    }
}

/// The regex crate's messages span lines with a caret diagram; the first line says enough.
fn short(message: &str) -> String {
    message.lines().find(|l| l.starts_with("error:")).unwrap_or("is not a valid regular expression").to_string()
}

/// The rules in force (none until staff save some).
pub fn load(conn: &mut DbConn) -> Result<PatternRules, AppError> {
    parse(&app_setting::get(conn, KEY)?.unwrap_or_default())
}

/// The rules as stored (empty text: none saved yet).
fn parse(stored: &str) -> Result<PatternRules, AppError> {
    match stored {
        "" => Ok(PatternRules::default()),
        text => serde_json::from_str(text).map_err(|e| AppError::Internal(anyhow::anyhow!("stored patterns: {e}"))),
    }
}

/// The compiled patterns of the stored rules last seen (by their text): intake reads the rules
/// each time (one indexed row, so every instance sees a change at once) but compiles them only
/// when they changed.
static COMPILED: std::sync::Mutex<Option<(String, Vec<StaffPattern>)>> = std::sync::Mutex::new(None);

/// The redactor for intake: the built-in checks and the staff's patterns.
pub fn redactor(conn: &mut DbConn) -> Result<super::redact::Redactor, AppError> {
    let stored = app_setting::get(conn, KEY)?.unwrap_or_default();
    let mut cache = COMPILED.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some((text, patterns)) = cache.as_ref()
        && *text == stored
    {
        return Ok(super::redact::Redactor::new(patterns.clone()));
    }
    let compiled = parse(&stored)?.compile()?;
    *cache = Some((stored, compiled.clone()));
    Ok(super::redact::Redactor::new(compiled))
}

/// Checks and saves new rules; audited.
pub fn save(conn: &mut DbConn, rules: &PatternRules, actor: UserId, now: DateTime<Utc>) -> Result<(), AppError> {
    rules.compile()?;
    let text = serde_json::to_string(rules).map_err(|e| AppError::Internal(e.into()))?;
    app_setting::set_audited(conn, KEY, &text, actor, "redaction_patterns_changed", db_time(now))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(pattern: &str, check: DigitCheck) -> PatternRules {
        PatternRules { patterns: vec![PatternRule { name: "personnummer".into(), pattern: pattern.into(), check }] }
    }

    #[test]
    fn a_staff_pattern_with_a_check_digit_hides_only_valid_numbers() {
        let compiled = rules(r"\b\d{6}[-+]?\d{4}\b", DigitCheck::Luhn).compile().unwrap();
        let redactor = super::super::redact::Redactor::new(compiled);
        let out = redactor.redact("pnr 811218-9876 and 811218-9875");
        assert_eq!(out.text, "pnr [personnummer •••• 9876] and 811218-9875");
        assert_eq!(out.count, 1);
    }

    #[test]
    fn broken_or_empty_matching_patterns_are_refused_naming_the_rule() {
        match rules("(unclosed", DigitCheck::None).compile() {
            Err(AppError::Validation(errors)) => assert_eq!(errors[0].field, "patterns[0].pattern"),
            other => panic!("expected 422, got {other:?}"),
        }
        assert!(rules("x*", DigitCheck::None).compile().is_err());
        assert!(rules(r"\d{4}", DigitCheck::None).compile().is_ok());
    }
}
