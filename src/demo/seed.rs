//! The demo's marketplace: about thirty approved agents in ten cities and eight languages,
//! applied, confirmed and approved through the same code as real ones, and a chatbot account.

use chrono::{DateTime, Utc};
use serde_json::json;

use crate::auth::accounts;
use crate::db::DbConn;
use crate::error::AppError;
use crate::ids::{AgentId, ServiceAccountId};
use crate::models::{db_time, user};
use crate::recruiting::{input::Registration, register, review};

/// The password of every demo agent (shown by `handoff demo`).
pub const AGENT_PASSWORD: &str = "demo-agent-password";

/// A city agents live in and the languages spoken there (code, level).
struct Home {
    city: &'static str,
    lat: f64,
    lon: f64,
    timezone: &'static str,
    currency: &'static str,
    languages: &'static [(&'static str, &'static str)],
}

const HOMES: [Home; 10] = [
    Home {
        city: "Stockholm",
        lat: 59.33,
        lon: 18.07,
        timezone: "Europe/Stockholm",
        currency: "SEK",
        languages: &[("sv", "native"), ("en", "fluent")],
    },
    Home {
        city: "Umeå",
        lat: 63.83,
        lon: 20.26,
        timezone: "Europe/Stockholm",
        currency: "SEK",
        languages: &[("sv", "native"), ("en", "fluent"), ("fi", "conversational")],
    },
    Home {
        city: "Oslo",
        lat: 59.91,
        lon: 10.75,
        timezone: "Europe/Oslo",
        currency: "NOK",
        languages: &[("no", "native"), ("en", "fluent"), ("sv", "conversational")],
    },
    Home {
        city: "Copenhagen",
        lat: 55.68,
        lon: 12.57,
        timezone: "Europe/Copenhagen",
        currency: "DKK",
        languages: &[("da", "native"), ("en", "fluent")],
    },
    Home {
        city: "Helsinki",
        lat: 60.17,
        lon: 24.94,
        timezone: "Europe/Helsinki",
        currency: "EUR",
        languages: &[("fi", "native"), ("sv", "fluent"), ("en", "fluent")],
    },
    Home {
        city: "Berlin",
        lat: 52.52,
        lon: 13.40,
        timezone: "Europe/Berlin",
        currency: "EUR",
        languages: &[("de", "native"), ("en", "fluent")],
    },
    Home {
        city: "Paris",
        lat: 48.86,
        lon: 2.35,
        timezone: "Europe/Paris",
        currency: "EUR",
        languages: &[("fr", "native"), ("en", "fluent")],
    },
    Home {
        city: "Madrid",
        lat: 40.42,
        lon: -3.70,
        timezone: "Europe/Madrid",
        currency: "EUR",
        languages: &[("es", "native"), ("en", "fluent")],
    },
    Home {
        city: "London",
        lat: 51.51,
        lon: -0.13,
        timezone: "Europe/London",
        currency: "GBP",
        languages: &[("en", "native"), ("fr", "conversational")],
    },
    Home {
        city: "Dublin",
        lat: 53.35,
        lon: -6.26,
        timezone: "Europe/Dublin",
        currency: "EUR",
        languages: &[("en", "native")],
    },
];

const FIRST_NAMES: [&str; 30] = [
    "Astrid", "Nils", "Ingrid", "Lars", "Freja", "Mads", "Aino", "Jukka", "Lena", "Jonas", "Camille", "Hugo", "Lucía",
    "Pablo", "Olivia", "Harry", "Siobhán", "Cian", "Maja", "Oskar", "Sofie", "Emil", "Helmi", "Eero", "Mia", "Felix",
    "Chloé", "Léo", "Carmen", "Diego",
];

const SKILL_SETS: [&[(&str, i32)]; 6] = [
    &[("payments", 4), ("refunds", 3), ("general_support", 4)],
    &[("disputes", 4), ("payments", 3)],
    &[("technical_support", 5), ("account_security", 3), ("general_support", 3)],
    &[("merchant_support", 4), ("payments", 4)],
    &[("refunds", 5), ("disputes", 3), ("general_support", 3)],
    &[("general_support", 5), ("payments", 2), ("technical_support", 3)],
];

/// Hourly rate and rate per conversation in minor units, by currency.
fn rates(currency: &str, seed: usize) -> (i64, i64) {
    let step = (seed % 5) as i64;
    match currency {
        "SEK" | "NOK" | "DKK" => (18_000 + step * 1_500, 1_200 + step * 100),
        "GBP" => (1_500 + step * 150, 100 + step * 10),
        _ => (1_800 + step * 150, 120 + step * 10),
    }
}

const SOURCES: [&str; 3] = ["student", "rural", "other"];

/// A demo agent: who they are and how to log in as them.
#[derive(Debug, Clone)]
pub struct DemoAgent {
    pub id: AgentId,
    pub email: String,
}

/// Applies, confirms and approves the demo agents (as `approver`), in one transaction.
pub fn agents(
    conn: &mut DbConn,
    password_hash: &str,
    approver: &review::Reviewer,
    now: DateTime<Utc>,
) -> Result<Vec<DemoAgent>, AppError> {
    let links = register::LinkSettings { public_url: approver.public_url.clone(), verification_ttl_h: 48 };
    let mut created = Vec::new();
    for (index, first) in FIRST_NAMES.iter().enumerate() {
        let home = &HOMES[index % HOMES.len()];
        let email = format!("agent{}@demo.handoff.local", index + 1);
        let (hourly, per_conversation) = rates(home.currency, index);
        let application: Registration = serde_json::from_value(json!({
            "email": email,
            "password": AGENT_PASSWORD,
            "full_name": format!("{first} {}", home.city),
            "languages": home.languages.iter().map(|(code, level)| json!({"code": code, "level": level})).collect::<Vec<_>>(),
            "skills": SKILL_SETS[index % SKILL_SETS.len()].iter().map(|(skill, p)| json!({"skill": skill, "proficiency": p})).collect::<Vec<_>>(),
            "location": {"lat": home.lat + (index as f64) * 0.01, "lon": home.lon},
            "timezone": home.timezone,
            "hourly_rate_minor": hourly,
            "per_conversation_minor": per_conversation,
            "currency": home.currency,
            "recruit_source": SOURCES[index % SOURCES.len()],
            "motivation": "Seeded by handoff demo.",
        }))
        .map_err(|e| AppError::Internal(e.into()))?;
        let id = register::register(conn, &application, password_hash, &links, now)?;
        // What following the emailed link does, then a staff approval.
        user::transition_status(
            conn,
            id.into(),
            &[user::status::PENDING_VERIFICATION],
            user::status::PENDING_REVIEW,
            db_time(now),
        )?;
        review::approve(conn, approver, id, Some("Welcome to the demo"), now)?;
        // Capacities of 1, 2 and 3, as agents choose them.
        crate::models::agent::set_max_concurrent(conn, id, 1 + (index % 3) as i32)?;
        created.push(DemoAgent { id, email });
    }
    Ok(created)
}

/// The chatbot's service account: (id, token).
pub fn chatbot(
    conn: &mut DbConn,
    key: &crate::auth::data_key::DataKey,
    now: DateTime<Utc>,
) -> Result<(ServiceAccountId, String), AppError> {
    let created = accounts::create_service_account(conn, key, "demo-chatbot", None, now)?;
    Ok((created.id, created.token))
}

/// The markets the bot escalates from, with the language their customers write in.
pub const MARKETS: [(&str, &str); 10] = [
    ("SE", "sv"),
    ("SE", "en"),
    ("NO", "no"),
    ("DK", "da"),
    ("FI", "fi"),
    ("DE", "de"),
    ("FR", "fr"),
    ("ES", "es"),
    ("GB", "en"),
    ("IE", "en"),
];
