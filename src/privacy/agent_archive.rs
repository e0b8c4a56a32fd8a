//! An agent's own data (GDPR article 15 and 20; the Platform Work Directive's access right):
//! everything Handoff holds about them in one JSON archive: profile, availability, presence
//! history, offers with the explanation of each, the conversations they handled as kept
//! (redacted at intake, blank past retention or after an erasure), ratings, and their pay lines
//! over their whole time with us (the detail CSV of their statement).

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::availability::{input, store};
use crate::db::DbConn;
use crate::error::AppError;
use crate::ids::AgentId;
use crate::models::{escalation, offer, presence_event, rating};
use crate::payroll::export::{self, PayrollPeriod};
use crate::recruiting::profile::{self, AgentProfile};

/// Enough for every presence change and offer of years of work.
const ALL: i64 = i64::MAX;

#[derive(Debug, Serialize, ToSchema)]
pub struct PresenceChange {
    pub presence: String,
    pub reason: String,
    pub scheduled: bool,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OfferRecord {
    pub escalation_id: i64,
    pub state: String,
    pub offered_at: DateTime<Utc>,
    pub answered_at: Option<DateTime<Utc>>,
    pub decline_reason: Option<String>,
    pub score: f64,
    /// Why this offer went to you: the weight of each factor.
    #[schema(value_type = Object)]
    pub explanation: serde_json::Value,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConversationRecord {
    pub escalation_id: i64,
    pub external_id: String,
    pub state: String,
    pub assigned_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub disposition: Option<String>,
    pub summary: String,
    pub messages: Vec<super::erasure::ExportedMessage>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RatingRecord {
    pub escalation_id: i64,
    pub score: i32,
    pub comment: Option<String>,
    pub at: DateTime<Utc>,
}

/// GET /api/v1/me/export.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgentArchive {
    pub exported_at: DateTime<Utc>,
    pub profile: AgentProfile,
    pub availability: input::AvailabilityView,
    pub presence_history: Vec<PresenceChange>,
    pub offers: Vec<OfferRecord>,
    pub conversations: Vec<ConversationRecord>,
    pub ratings: Vec<RatingRecord>,
    /// Every paid interval since you applied, as the statement's detail CSV.
    pub pay_lines_csv: String,
}

pub fn archive(
    conn: &mut DbConn,
    agent: AgentId,
    now: DateTime<Utc>,
    payroll_tz: chrono_tz::Tz,
) -> Result<AgentArchive, AppError> {
    let profile = profile::load(conn, agent, now)?.ok_or_else(|| AppError::NotFound("no agent profile".into()))?;
    let availability = input::view(&store::load(conn, agent)?, now);
    let presence_history = presence_event::for_agent(conn, agent, ALL)?
        .into_iter()
        .map(|p| PresenceChange {
            presence: p.presence.to_string(),
            reason: p.reason,
            scheduled: p.scheduled,
            at: p.at.and_utc(),
        })
        .collect();
    let offers = offer::all_for_agent(conn, agent)?
        .into_iter()
        .map(|o| OfferRecord {
            escalation_id: o.escalation_id.0,
            state: o.state.to_string(),
            offered_at: o.created_at.and_utc(),
            answered_at: o.answered_at.map(|t| t.and_utc()),
            decline_reason: o.decline_reason,
            score: o.score,
            explanation: serde_json::from_str(&o.explanation).unwrap_or_default(),
        })
        .collect();
    let mut conversations = Vec::new();
    for e in escalation::for_agent(conn, agent, None, None, ALL)?.into_iter().rev() {
        let messages = super::erasure::messages_of(conn, e.id)?;
        conversations.push(ConversationRecord {
            escalation_id: e.id.0,
            external_id: e.external_id,
            state: e.state.to_string(),
            assigned_at: e.assigned_at.map(|t| t.and_utc()),
            closed_at: e.closed_at.map(|t| t.and_utc()),
            disposition: e.disposition,
            summary: e.summary,
            messages,
        });
    }
    let ratings = rating::for_agent(conn, agent)?
        .into_iter()
        .map(|(id, score, comment, at)| RatingRecord { escalation_id: id.0, score, comment, at: at.and_utc() })
        .collect();
    // The whole time since applying, in one period (longer than the statement endpoint allows).
    let period = PayrollPeriod {
        from: profile.applied_at.with_timezone(&payroll_tz).date_naive(),
        to: now.with_timezone(&payroll_tz).date_naive(),
        tz: payroll_tz,
    };
    let pays = export::collect(conn, &period, now, Some(agent), &mut |_, _| {})?;
    let mut csv = Vec::new();
    export::write_detail(&mut csv, &period, &pays).map_err(|e| AppError::Internal(e.into()))?;
    Ok(AgentArchive {
        exported_at: now,
        profile,
        availability,
        presence_history,
        offers,
        conversations,
        ratings,
        pay_lines_csv: String::from_utf8(csv).map_err(|e| AppError::Internal(e.into()))?,
    })
}
