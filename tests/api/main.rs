//! The black-box suite: every test starts a real server over a fresh database.
//! Set TEST_DATABASE_URL=postgres://… to run the same tests against PostgreSQL.

mod authenticator;
mod helpers;

mod account_pages;
mod agent_dashboard;
mod agent_data;
mod agent_deletion;
mod auth;
mod authz_matrix;
mod availability;
mod availability_pages;
mod backlog;
mod browser;
mod browser_handoff;
mod cli;
mod conversation;
mod crash;
mod customer_data;
mod data_key;
mod demo;
mod dispatch;
mod errors;
mod events;
mod faults;
mod health;
mod mail;
mod mfa;
mod migrations;
mod operations;
mod outbox;
mod pages;
mod passwords;
mod payroll;
mod payroll_pages;
mod payroll_python;
mod recruiting;
mod recruiting_pages;
mod retention;
mod revocation;
mod roles;
mod secrets;
mod security_events;
mod settings_pages;
mod smtp;
mod wait_contract;
