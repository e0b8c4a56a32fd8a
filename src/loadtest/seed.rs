//! Load-test agents: active Swedish-speaking payments agents inserted directly (no emails,
//! no audit trail: a load test should measure dispatch, not the mail outbox).

use chrono::{DateTime, Utc};

use crate::auth::Role;
use crate::db::DbConn;
use crate::error::AppError;
use crate::models::{agent, agent_language, agent_rate, agent_skill, db_time, user};

pub const PASSWORD: &str = "loadtest-agent-password";

pub fn email(index: usize) -> String {
    format!("load{index}@loadtest.handoff.local")
}

/// Inserts agents `from..to` (one transaction per call).
pub fn agents(conn: &mut DbConn, from: usize, to: usize, hash: &str, now: DateTime<Utc>) -> Result<Vec<i64>, AppError> {
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
        agent::insert(
            conn,
            &agent::NewAgent {
                user_id: person.id,
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
        agent_language::replace(conn, person.id, &[("sv".into(), "native".into())])?;
        agent_skill::replace(conn, person.id, &[("payments".into(), 4)])?;
        agent_rate::insert(
            conn,
            &agent_rate::NewAgentRate {
                agent_id: person.id,
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
