//! The skill catalogue.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::input::SkillInput;
use crate::db::{DbConn, is_unique_violation};
use crate::error::{AppError, FieldError};
use crate::ids::UserId;
use crate::models::{audit, db_time, skill};

#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
pub struct SkillDefinition {
    /// Lower-case letters, digits and `_`, for example `refunds`.
    #[validate(length(min = 2, max = 50), custom(function = "skill_name"))]
    #[schema(pattern = "^[a-z0-9_]{2,50}$")]
    pub name: String,
    /// Only agents certified by staff are offered conversations needing it.
    pub requires_certification: bool,
}

fn skill_name(name: &str) -> Result<(), validator::ValidationError> {
    if name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') {
        Ok(())
    } else {
        Err(validator::ValidationError::new("skill_name").with_message("use lower-case letters, digits and _".into()))
    }
}

pub fn catalogue(conn: &mut DbConn) -> Result<Vec<SkillDefinition>, AppError> {
    Ok(skill::all(conn)?
        .into_iter()
        .map(|s| SkillDefinition { name: s.name, requires_certification: s.requires_certification })
        .collect())
}

/// Adds a skill to the catalogue; 409 if it exists.
pub fn create(
    conn: &mut DbConn,
    definition: &SkillDefinition,
    actor: UserId,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    skill::insert(conn, &definition.name, definition.requires_certification, db_time(now)).map_err(|e| {
        if is_unique_violation(&e) {
            AppError::Conflict(format!("the skill {} exists already", definition.name))
        } else {
            e.into()
        }
    })?;
    let detail = format!(
        "{} (certification {})",
        definition.name,
        if definition.requires_certification { "required" } else { "not required" }
    );
    audit::record(
        conn,
        &audit::NewAuditEntry {
            actor_id: Some(actor),
            subject_kind: "settings",
            subject_id: None,
            action: "skill_added",
            detail: Some(&detail),
            created_at: db_time(now),
        },
    )?;
    Ok(())
}

/// 422 naming each skill that is not in the catalogue (`skills[2].skill`).
pub fn check_known(conn: &mut DbConn, skills: &[SkillInput]) -> Result<(), AppError> {
    let known: Vec<String> = skill::all(conn)?.into_iter().map(|s| s.name).collect();
    let errors: Vec<FieldError> = skills
        .iter()
        .enumerate()
        .filter(|(_, s)| !known.contains(&s.skill))
        .map(|(i, s)| {
            FieldError::new(format!("skills[{i}].skill"), format!("`{}` is not in the skill catalogue", s.skill))
        })
        .collect();
    if errors.is_empty() { Ok(()) } else { Err(AppError::Validation(errors)) }
}
