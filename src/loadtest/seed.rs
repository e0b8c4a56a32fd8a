//! Load-test agents inserted directly (no emails, no audit trail: a load test should measure
//! dispatch, not the mail outbox). Every agent speaks Swedish and handles payments (the minimal
//! workload's one queue); each also belongs to one of the realistic workload's queues.

use chrono::{DateTime, Utc};

use super::workload::QUEUES;
use crate::auth::Role;
use crate::db::DbConn;
use crate::error::AppError;
use crate::ids::{AgentId, UserId};
use crate::models::{agent, agent_language, agent_rate, agent_skill, db_time, user};

pub const PASSWORD: &str = "loadtest-agent-password";

pub fn email(index: usize) -> String {
    format!("load{index}@loadtest.handoff.local")
}

/// Inserts agents `from..to` (one transaction per call).
pub fn agents(
    conn: &mut DbConn,
    from: usize,
    to: usize,
    hash: &str,
    now: DateTime<Utc>,
) -> Result<Vec<UserId>, AppError> {
    let mut ids = Vec::with_capacity(to - from);
    for index in from..to {
        let address = email(index);
        let person = user::insert(
            conn,
            &user::NewUser {
                email: &address,
                password_hash: hash,
                full_name: &format!("Load Agent {index}"),
                role: Role::Agent.as_str(),
                status: user::status::ACTIVE,
                created_at: db_time(now),
                updated_at: db_time(now),
            },
        )?;
        let id = AgentId::of_user(person.id);
        agent::insert(
            conn,
            &agent::NewAgent {
                user_id: id,
                timezone: "Europe/Stockholm",
                latitude: 59.33,
                longitude: 18.07,
                country: Some("SE"),
                region: Some("nordics"),
                recruit_source: "other",
                motivation: "load test",
                max_concurrent: 3,
                rating_sum: 0,
                rating_count: 0,
                applied_at: db_time(now),
            },
        )?;
        // Each agent belongs to one queue and also takes English refunds: queues overlap, as
        // real rosters do. (The minimal workload uses Swedish payments only: every agent fits.)
        let (language, skill) = QUEUES[index % QUEUES.len()];
        let mut languages = vec![("sv".to_string(), "native".to_string())];
        let mut skills = vec![("payments".to_string(), 4)];
        if language != "sv" {
            languages = vec![(language.into(), "native".into()), ("sv".into(), "fluent".into())];
        }
        if language != "en" {
            languages.push(("en".into(), "fluent".into()));
        }
        if skill != "payments" {
            skills.push((skill.into(), 4));
        }
        if skill != "refunds" {
            skills.push(("refunds".into(), 3));
        }
        agent_language::replace(conn, id, &languages)?;
        agent_skill::replace(conn, id, &skills)?;
        agent_rate::insert(
            conn,
            &agent_rate::NewAgentRate {
                agent_id: id,
                hourly_rate_minor: 20_000,
                per_conversation_minor: 1_000,
                currency: "SEK",
                effective_from: db_time(now),
                created_at: db_time(now),
            },
        )?;
        ids.push(person.id);
    }
    Ok(ids)
}
