//! The demo's moving parts, in process and on the real clock: a chatbot escalating at a steady
//! rate, and simulated agents who keep their heartbeat, accept or decline offers after a
//! moment's thought, reply, and resolve after a while. They call the same functions as the HTTP
//! handlers, so everything staff see is the real service at work.

use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use serde_json::json;

use super::seed::{DemoAgent, MARKETS};
use crate::availability::presence::{self, Presence};
use crate::db::{Db, DbConn};
use crate::dispatch::conversation::{self, Author};
use crate::dispatch::{intake, offers};
use crate::error::AppError;
use crate::ids::{AgentId, ServiceAccountId};
use crate::models::escalation::EscalationState;
use crate::models::{escalation, offer};

/// A small deterministic generator (xorshift), so a demo run is repeatable.
pub struct Dice(u64);

impl Dice {
    pub fn new(seed: u64) -> Dice {
        Dice(seed.max(1))
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    /// `true` with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        (self.next() % 10_000) as f64 / 10_000.0 < p
    }
}

const SKILL_NEEDS: [&[&str]; 6] =
    [&["payments"], &["refunds"], &["disputes"], &["technical_support"], &["general_support"], &["merchant_support"]];
const SUMMARIES: [&str; 6] = [
    "Card payment declined twice at checkout",
    "Wants a refund for a cancelled order",
    "Disputes a charge they do not recognise",
    "Cannot log in to the app after an update",
    "Asks to talk to a person about their account",
    "Merchant payouts are late this week",
];

/// Escalates one conversation as the chatbot would.
fn escalate(
    conn: &mut DbConn,
    service: ServiceAccountId,
    number: u64,
    dice: &mut Dice,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let (market, language) = MARKETS[dice.below(MARKETS.len() as u64) as usize];
    let need = dice.below(SKILL_NEEDS.len() as u64) as usize;
    let priority = match dice.below(20) {
        0 => "urgent",
        1..=3 => "high",
        4..=16 => "normal",
        _ => "low",
    };
    let input: intake::EscalationInput = serde_json::from_value(json!({
        "external_id": format!("demo-{number}"),
        "language": language,
        "market": market,
        "required_skills": SKILL_NEEDS[need],
        "priority": priority,
        "sensitive": dice.chance(0.05),
        "reason": "customer_request",
        "summary": SUMMARIES[need],
        "transcript": [
            {"from": "customer", "text": SUMMARIES[need], "at": now},
            {"from": "bot", "text": "Let me find a person who can help you.", "at": now},
        ],
    }))
    .map_err(|e| AppError::Internal(e.into()))?;
    intake::intake(conn, service, &input, None, None, now)?;
    Ok(())
}

/// How one simulated agent behaves.
struct Persona {
    agent: DemoAgent,
    accept_probability: f64,
    think_s: i64,
    handle_s: i64,
}

/// One second of every simulated agent's life.
fn agents_step(
    conn: &mut DbConn,
    crowd: &[Persona],
    service: ServiceAccountId,
    dice: &mut Dice,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    for persona in crowd {
        let id = persona.agent.id;
        presence::heartbeat(conn, id, now)?;
        for pending in offer::pending_for_agent(conn, id)? {
            if (now - pending.created_at.and_utc()).num_seconds() < persona.think_s {
                continue;
            }
            // An offer may have moved on meanwhile; the service answers 409 and the agent shrugs.
            let answered = if dice.chance(persona.accept_probability) {
                offers::accept(conn, id, pending.id, now).map(|_| ())
            } else {
                offers::decline(conn, id, pending.id, Some("busy with something else"), now).map(|_| ())
            };
            match answered {
                Err(AppError::Conflict(_)) | Ok(()) => {}
                Err(other) => return Err(other),
            }
        }
        for e in escalation::for_agent(conn, id, Some(EscalationState::Assigned), None, 100)? {
            let held = (now - e.assigned_at.map(|t| t.and_utc()).unwrap_or(now)).num_seconds();
            if e.first_reply_at.is_none() && held >= 3 {
                let reply = "Hi, I'm here and I've read what you told the assistant. Let me look into it.";
                conversation::post_message(conn, e.id, Author::Agent { id }, reply, now)?;
            } else if held >= persona.handle_s {
                conversation::resolve(conn, e.id, id, "solved", None, now)?;
                // The demo's agents finish wrap-up at once (a real agent's notes take a moment).
                let wrap_up = crate::quality::wrap_up::WrapUpInput { disposition: "solved".into(), notes: None };
                match crate::quality::wrap_up::finish(conn, e.id, id, &wrap_up, now) {
                    Err(AppError::Conflict(_)) | Ok(_) => {}
                    Err(other) => return Err(other),
                }
                // Most customers rate the conversation afterwards, mostly well.
                if dice.chance(0.7) {
                    let rating = conversation::RatingInput { score: 3 + dice.below(3) as i32, comment: None };
                    conversation::rate(conn, e.id, service, &rating, now)?;
                }
            }
        }
    }
    Ok(())
}

/// Runs the crowd and the chatbot until the process ends.
pub async fn run(db: Db, agents: Vec<DemoAgent>, service: ServiceAccountId, escalations_per_minute: f64) {
    let mut dice = Dice::new(20_261_128);
    let crowd: Vec<Persona> = agents
        .into_iter()
        .map(|agent| Persona {
            agent,
            accept_probability: 0.75 + dice.below(25) as f64 / 100.0,
            think_s: 1 + dice.below(5) as i64,
            handle_s: 25 + dice.below(90) as i64,
        })
        .collect();
    let ids: Vec<AgentId> = crowd.iter().map(|p| p.agent.id).collect();
    let online = db
        .write(move |conn| {
            let now = Utc::now();
            for id in ids {
                presence::choose(conn, id, Presence::Online, now)?;
            }
            Ok(())
        })
        .await;
    if let Err(error) = online {
        tracing::error!(?error, "demo agents could not go online");
        return;
    }
    let gap_s = 60.0 / escalations_per_minute.max(0.1);
    let mut next_escalation = Utc::now();
    let mut number = 0u64;
    let mut tick = tokio::time::interval(StdDuration::from_secs(1));
    let mut shared = (crowd, dice);
    loop {
        tick.tick().await;
        let now = Utc::now();
        let due: Vec<u64> = std::iter::from_fn(|| {
            (next_escalation <= now).then(|| {
                next_escalation += Duration::milliseconds((gap_s * 1000.0) as i64);
                number += 1;
                number
            })
        })
        .collect();
        let (crowd, mut dice) = shared;
        let step = db
            .write(move |conn| {
                // A failed step is logged and the next second tries again; what each call did
                // is consistent on its own, so it is kept.
                for n in due {
                    if let Err(error) = escalate(conn, service, n, &mut dice, now) {
                        tracing::warn!(?error, "the demo chatbot could not escalate");
                    }
                }
                if let Err(error) = agents_step(conn, &crowd, service, &mut dice, now) {
                    tracing::warn!(?error, "a demo agent step failed");
                }
                Ok((crowd, dice))
            })
            .await;
        shared = match step {
            Ok(state) => state,
            Err(error) => {
                tracing::error!(?error, "the demo crowd stopped");
                return;
            }
        };
    }
}
