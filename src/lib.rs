//! Handoff: the human side of hybrid AI + human customer support. The chatbot platform
//! escalates conversations; Handoff offers each to the best available freelance agent,
//! tracks it to resolution and turns the work into payroll.

pub mod auth;
pub mod availability;
pub mod cli;
pub mod commands;
pub mod config;
pub mod coverage;
pub mod db;
pub mod demo;
pub mod dispatch;
pub mod email;
pub mod error;
pub mod ids;
pub mod loadtest;
pub mod matching;
pub mod memory;
pub mod models;
pub mod money;
pub mod operations;
pub mod payroll;
pub mod places;
pub mod privacy;
pub mod quality;
pub mod realtime;
pub mod recruiting;
pub mod routes;
pub mod sim;
pub mod startup;
pub mod telemetry;
pub mod validate;
pub mod webhooks;
