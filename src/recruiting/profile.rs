//! An agent's profile as the agent and staff see it, and the changes an agent may make.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::input::{LanguageInput, LanguageLevel, ProfileChanges, SkillInput};
use super::{placement, skills};
use crate::db::DbConn;
use crate::error::AppError;
use crate::ids::AgentId;
use crate::models::user::UserStatus;
use crate::models::{agent, agent_language, agent_rate, agent_skill, audit, certification, db_time, user};
use crate::places::Location;

/// A rating: the average customer score and how many ratings it rests on.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Rating {
    /// `null` until the first rating.
    pub score: Option<f64>,
    pub count: i64,
}

/// The pay an agent asks, in force now.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Rates {
    pub hourly_rate_minor: i64,
    pub per_conversation_minor: i64,
    pub currency: String,
    pub effective_from: DateTime<Utc>,
}

/// One entry of an applicant's history.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HistoryEntry {
    pub at: DateTime<Utc>,
    pub action: String,
    /// Email of the staff member who acted; `null` for the applicant or the system.
    pub by: Option<String>,
    pub detail: Option<String>,
}

/// GET /api/v1/me, and each entry of GET /api/v1/staff/recruits.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AgentProfile {
    #[schema(value_type = i64)]
    pub id: AgentId,
    pub email: String,
    pub full_name: String,
    #[schema(value_type = String)]
    pub status: UserStatus,
    /// `online`, `away` or `offline`.
    pub presence: String,
    /// Why presence last changed: `chosen`, `heartbeat_lost` (the agent went silent) or `suspended`.
    pub presence_reason: Option<String>,
    pub languages: Vec<LanguageInput>,
    pub skills: Vec<SkillInput>,
    /// Skills staff have certified this agent for.
    pub certifications: Vec<String>,
    pub location: Location,
    /// ISO 3166-1 alpha-2 of the country the location is in; `null` at sea.
    pub country: Option<String>,
    pub region: Option<String>,
    pub timezone: String,
    pub max_concurrent: i32,
    pub active_conversations: i64,
    pub rating: Rating,
    pub rates: Option<Rates>,
    pub recruit_source: String,
    pub motivation: String,
    pub applied_at: DateTime<Utc>,
}

/// The profile of agent `id`, `None` if there is no such agent.
pub fn load(conn: &mut DbConn, id: AgentId, now: DateTime<Utc>) -> Result<Option<AgentProfile>, AppError> {
    let Some((agent, person)) = agent::find_with_user(conn, id)? else {
        return Ok(None);
    };
    let languages = agent_language::for_agent(conn, id)?
        .into_iter()
        .map(|l| LanguageInput {
            level: LanguageLevel::parse(&l.level).unwrap_or(LanguageLevel::Conversational),
            code: l.code,
        })
        .collect();
    let skills = agent_skill::for_agent(conn, id)?
        .into_iter()
        .map(|s| SkillInput { skill: s.skill, proficiency: s.proficiency })
        .collect();
    let certifications = certification::for_agent(conn, id)?.into_iter().map(|c| c.skill).collect();
    let rates = agent_rate::in_force(conn, id, db_time(now))?.map(|r| Rates {
        hourly_rate_minor: r.hourly_rate_minor,
        per_conversation_minor: r.per_conversation_minor,
        currency: r.currency,
        effective_from: r.effective_from.and_utc(),
    });
    let score = (agent.rating_count > 0).then(|| agent.rating_sum as f64 / agent.rating_count as f64);
    Ok(Some(AgentProfile {
        id,
        email: person.email,
        full_name: person.full_name,
        status: person.status,
        presence: agent.presence.to_string(),
        presence_reason: agent.presence_reason.clone(),
        languages,
        skills,
        certifications,
        location: Location { lat: agent.latitude, lon: agent.longitude },
        country: agent.country,
        region: agent.region,
        timezone: agent.timezone,
        max_concurrent: agent.max_concurrent,
        active_conversations: agent.active_conversations as i64,
        rating: Rating { score, count: agent.rating_count },
        rates,
        recruit_source: agent.recruit_source,
        motivation: agent.motivation,
        applied_at: agent.applied_at.and_utc(),
    }))
}

/// The recorded decisions and events about an agent, oldest first.
pub fn history(conn: &mut DbConn, id: AgentId) -> Result<Vec<HistoryEntry>, AppError> {
    Ok(audit::for_subject(conn, "agent", id.0)?
        .into_iter()
        .map(|(entry, by)| HistoryEntry {
            at: entry.created_at.and_utc(),
            action: entry.action,
            by,
            detail: entry.detail,
        })
        .collect())
}

/// Applies an agent's own changes; a new location places them again.
pub fn update(conn: &mut DbConn, id: AgentId, changes: &ProfileChanges, now: DateTime<Utc>) -> Result<(), AppError> {
    if agent::find(conn, id)?.is_none() {
        return Err(AppError::NotFound("no agent profile for this account".into()));
    }
    if let Some(skill_list) = &changes.skills {
        skills::check_known(conn, skill_list)?;
        let rows: Vec<(String, i32)> = skill_list.iter().map(|s| (s.skill.clone(), s.proficiency)).collect();
        agent_skill::replace(conn, id, &rows)?;
    }
    if let Some(language_list) = &changes.languages {
        let rows: Vec<(String, String)> =
            language_list.iter().map(|l| (l.code.clone(), l.level.as_str().to_string())).collect();
        agent_language::replace(conn, id, &rows)?;
    }
    if let Some(name) = &changes.full_name {
        user::set_full_name(conn, id.into(), name.trim(), db_time(now))?;
    }
    let mut agent_changes = agent::AgentChanges { timezone: changes.timezone.as_deref(), ..Default::default() };
    let placed;
    if let Some(location) = changes.location {
        placed = placement::place(conn, location)?;
        agent_changes.latitude = Some(location.lat);
        agent_changes.longitude = Some(location.lon);
        agent_changes.country = Some(placed.0);
        agent_changes.region = Some(placed.1.as_deref());
    }
    if agent_changes.timezone.is_some() || agent_changes.latitude.is_some() {
        agent::update(conn, id, &agent_changes)?;
    }
    Ok(())
}
