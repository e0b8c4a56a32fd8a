//! One file per table: the row struct, the insert and update forms, and query functions that
//! take `&mut DbConn` and return `QueryResult`. No HTTP here.

pub mod agent;
pub mod agent_decision;
pub mod agent_event;
pub mod agent_language;
pub mod agent_rate;
pub mod agent_skill;
pub mod agent_skill_stat;
pub mod agent_tier;
pub mod app_setting;
pub mod assignment;
pub mod audit;
pub mod availability;
pub mod boost;
pub mod boost_alert;
pub mod certification;
pub mod coverage_forecast;
pub mod coverage_history;
pub mod coverage_slot;
pub mod decision_review;
pub mod email_verification;
pub mod escalation;
pub mod escalation_event;
pub mod health_probe;
pub mod help_request;
pub mod keyring;
pub mod lease;
pub mod message;
pub mod mfa;
pub mod offer;
pub mod outbox_email;
pub mod pay_band;
pub mod presence_event;
pub mod quality_review;
pub mod rating;
pub mod refresh_token;
pub mod region;
pub mod review_sample;
pub mod scorecard;
pub mod security_event;
pub mod service_account;
pub mod skill;
pub mod user;
pub mod webhook_delivery;

/// The current instant as stored in the database (UTC, no zone: every stored time is UTC).
pub fn db_time(instant: chrono::DateTime<chrono::Utc>) -> chrono::NaiveDateTime {
    instant.naive_utc()
}
