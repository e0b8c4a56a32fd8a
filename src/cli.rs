//! The `handoff` command line: serve, migrate, staff create, service-account create, payroll
//! export, simulate, loadtest, demo.
//! Settings come from `HANDOFF_*` environment variables (see `config.rs`).

use anyhow::Context;
use chrono::Utc;
use clap::{Parser, Subcommand, ValueEnum};

use crate::auth::{Role, accounts, password::MIN_PASSWORD_LEN};
use crate::config::Settings;
use crate::ids::AgentId;
use crate::startup::{Application, connect_and_migrate};

#[derive(Debug, Parser)]
#[command(name = "handoff", version, about = "Dispatch marketplace for freelance customer-support agents")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP server (the default): migrates the database first, and on a fresh
    /// database creates an admin whose password is printed once.
    Serve,
    /// Apply pending database migrations, or revert them all.
    Migrate {
        /// Revert every migration instead (drops all data).
        #[arg(long)]
        revert_all: bool,
    },
    /// Manage staff accounts.
    Staff {
        #[command(subcommand)]
        action: StaffAction,
    },
    /// Manage service accounts (the chatbot platform's credentials).
    ServiceAccount {
        #[command(subcommand)]
        action: ServiceAccountAction,
    },
    /// Run a living marketplace on a fresh database: seeded agents, simulated work and a
    /// chatbot escalating; prints where to look and how to log in.
    Demo {
        /// Folder for the demo's database and mail (default: a new temporary folder).
        #[arg(long)]
        data_dir: Option<std::path::PathBuf>,
        /// How many conversations the simulated chatbot escalates per minute.
        #[arg(long, default_value_t = 12.0)]
        escalations_per_minute: f64,
    },
    /// Simulate a scenario in virtual time with a dispatch policy (see scenarios/ and README).
    Simulate {
        /// The scenario file (JSON).
        #[arg(long)]
        scenario: std::path::PathBuf,
        #[arg(long, value_enum, default_value_t = crate::sim::Policy::Engine)]
        policy: crate::sim::Policy,
        /// Overrides the scenario's seed.
        #[arg(long)]
        seed: Option<u64>,
        /// Print the report as JSON (and no progress bar).
        #[arg(long)]
        json: bool,
    },
    /// Load the service end to end: N agents online with open event streams that accept every
    /// offer, escalations at a fixed rate; reports escalation→offer latency and throughput.
    Loadtest {
        #[arg(long, default_value_t = 2000)]
        agents: usize,
        /// How many of the agents hold an event stream (default: all). The others are online
        /// without one (offers to them time out), to measure memory with many agents online.
        #[arg(long)]
        streams: Option<usize>,
        /// Escalations per second.
        #[arg(long, default_value_t = 50.0)]
        rate: f64,
        #[arg(long, default_value_t = 30)]
        duration_s: u64,
        /// Folder for the scratch SQLite database (default: a new temporary folder). With
        /// HANDOFF_DATABASE_URL=postgres://… the test runs there instead: use a scratch database.
        #[arg(long)]
        data_dir: Option<std::path::PathBuf>,
        /// Load a server running in another process (e.g. http://127.0.0.1:8080), whose database
        /// HANDOFF_DATABASE_URL names (agents are seeded there; use a scratch database, and start
        /// the server with HANDOFF_WEBHOOK_PRIVATE_ADDRESSES=true for the local webhook receiver).
        #[arg(long)]
        target: Option<String>,
        /// One queue and no transcript (the body of earlier runs) instead of the realistic workload.
        #[arg(long)]
        minimal: bool,
        /// Another instance (same PostgreSQL database) where the agents log in and stream, to
        /// measure an escalation sent to one instance reaching an agent on another.
        #[arg(long, requires = "target")]
        agents_target: Option<String>,
    },
    /// Payroll exports (the same CSV as GET /api/v1/staff/payroll.csv).
    Payroll {
        #[command(subcommand)]
        action: PayrollAction,
    },
    /// The data key that seals webhook and TOTP secrets (see SECURITY.md, "Secrets at rest").
    DataKey {
        #[command(subcommand)]
        action: DataKeyAction,
    },
}

#[derive(Debug, Subcommand)]
pub enum DataKeyAction {
    /// Print a new random key for HANDOFF_DATA_KEY.
    Generate,
    /// Seal every secret again under the current key. With HANDOFF_DATA_KEY set, the old key
    /// must be in HANDOFF_DATA_KEY_PREVIOUS; on SQLite with the generated key file, a new key
    /// is generated first (stop the server, rotate, start it again).
    Rotate,
}

#[derive(Debug, Subcommand)]
pub enum PayrollAction {
    /// Write a period's payroll CSV, with a progress bar on a terminal.
    Export {
        /// First day, inclusive, in HANDOFF_PAYROLL_TIMEZONE (2026-12-01).
        #[arg(long)]
        from: String,
        /// Last day, inclusive (2026-12-31).
        #[arg(long)]
        to: String,
        /// Write here instead of standard output.
        #[arg(long)]
        out: Option<std::path::PathBuf>,
        /// One line per paid interval, conversation and online span, for reconciliation.
        #[arg(long)]
        detail: bool,
        /// Only this agent.
        #[arg(long)]
        agent_id: Option<AgentId>,
    },
}

#[derive(Debug, Subcommand)]
pub enum StaffAction {
    /// Create a staff member or admin. The password comes from HANDOFF_PASSWORD or a prompt.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long)]
        full_name: String,
        #[arg(long, value_enum, default_value_t = StaffRoleArg::Staff)]
        role: StaffRoleArg,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum StaffRoleArg {
    Staff,
    Admin,
}

#[derive(Debug, Subcommand)]
pub enum ServiceAccountAction {
    /// Create a service account and print its token and webhook secret (shown once).
    Create {
        #[arg(long)]
        name: String,
        /// Where webhooks (escalation.assigned, …) are POSTed.
        #[arg(long)]
        webhook_url: Option<String>,
    },
}

/// Runs one command to completion.
pub async fn run(cli: Cli, settings: Settings) -> anyhow::Result<()> {
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(settings).await,
        Command::Migrate { revert_all } => migrate(settings, revert_all).await,
        Command::Staff { action: StaffAction::Create { email, full_name, role } } => {
            create_staff(settings, email, full_name, role).await
        }
        Command::ServiceAccount { action: ServiceAccountAction::Create { name, webhook_url } } => {
            create_service_account(settings, name, webhook_url).await
        }
        Command::Simulate { scenario, policy, seed, json } => crate::sim::command::run(&scenario, policy, seed, json),
        Command::Loadtest { agents, streams, rate, duration_s, data_dir, target, minimal, agents_target } => {
            crate::loadtest::run(
                settings,
                crate::loadtest::LoadOptions {
                    agents,
                    streams: streams.unwrap_or(agents).min(agents),
                    rate_per_s: rate,
                    duration_s,
                    data_dir,
                    target,
                    minimal,
                    agents_target,
                },
            )
            .await
        }
        Command::Demo { data_dir, escalations_per_minute } => {
            crate::demo::run(settings, crate::demo::DemoOptions { data_dir, escalations_per_minute }).await
        }
        Command::DataKey { action: DataKeyAction::Generate } => {
            println!("{}", crate::auth::data_key::generate());
            Ok(())
        }
        Command::DataKey { action: DataKeyAction::Rotate } => crate::auth::rotation::rotate(settings).await,
        Command::Payroll { action: PayrollAction::Export { from, to, out, detail, agent_id } } => {
            crate::payroll::command::export(
                settings,
                crate::payroll::command::ExportArgs { from, to, out, detail, agent_id },
            )
            .await
        }
    }
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    let public_url = settings.public_url();
    let application = Application::build(settings).await?;
    if let Some((email, password)) = &application.first_admin {
        // Printed, not logged: logs are kept and shipped; this is shown once to whoever started it.
        println!("\nCreated the first admin account (this password is shown only now):");
        println!("  email:    {email}\n  password: {password}");
        println!(
            "Staff need a second factor: the first login in the browser sets one up with any authenticator app.\n"
        );
    }
    tracing::info!(url = %public_url, port = application.port(), "Handoff is listening");
    println!("Handoff is running at {public_url}  (log in at {public_url}/login, API docs at {public_url}/api/docs/)");
    application.run_until_stopped().await.context("serving HTTP")
}

async fn migrate(settings: Settings, revert_all: bool) -> anyhow::Result<()> {
    if revert_all {
        let url = settings.database_url();
        let (size, synchronous) = (settings.db_pool_size, settings.sqlite_synchronous.clone());
        let reverted = tokio::task::spawn_blocking(move || {
            crate::db::Db::connect(&url, size, &synchronous)?.revert_all_migrations()
        })
        .await??;
        println!("reverted {} migration(s)", reverted.len());
    } else {
        connect_and_migrate(&settings).await?;
        println!("the database is up to date");
    }
    Ok(())
}

/// The new account's password: HANDOFF_PASSWORD, or typed twice at a prompt.
fn read_new_password() -> anyhow::Result<String> {
    if let Ok(password) = std::env::var("HANDOFF_PASSWORD") {
        return Ok(password);
    }
    let first = rpassword::prompt_password("Password: ").context("reading the password")?;
    let second = rpassword::prompt_password("Repeat it: ").context("reading the password")?;
    anyhow::ensure!(first == second, "the two passwords differ");
    Ok(first)
}

async fn create_staff(settings: Settings, email: String, full_name: String, role: StaffRoleArg) -> anyhow::Result<()> {
    let password = read_new_password()?;
    anyhow::ensure!(
        password.chars().count() as u64 >= MIN_PASSWORD_LEN,
        "the password must be at least {MIN_PASSWORD_LEN} characters"
    );
    anyhow::ensure!(validator::ValidateEmail::validate_email(&email), "`{email}` is not an email address");
    anyhow::ensure!(!full_name.trim().is_empty(), "--full-name must not be empty");
    let role = match role {
        StaffRoleArg::Staff => Role::Staff,
        StaffRoleArg::Admin => Role::Admin,
    };
    let db = connect_and_migrate(&settings).await?;
    let hash = accounts::hash_off_thread(password).await.map_err(anyhow::Error::new)?;
    let user = db
        .write(move |conn| accounts::create_staff(conn, &email, &hash, &full_name, role, Utc::now()))
        .await
        .map_err(anyhow::Error::new)?;
    println!("created {} {} (id {})", role.as_str(), user.email, user.id);
    Ok(())
}

async fn create_service_account(settings: Settings, name: String, webhook_url: Option<String>) -> anyhow::Result<()> {
    anyhow::ensure!(!name.trim().is_empty(), "--name must not be empty");
    if let Some(url) = &webhook_url {
        anyhow::ensure!(accounts::is_webhook_url(url), "--webhook-url must be an http or https URL");
    }
    let (db, key) = crate::startup::connect_with_data_key(&settings).await?;
    let created = db
        .write(move |conn| accounts::create_service_account(conn, &key, &name, webhook_url.as_deref(), Utc::now()))
        .await
        .map_err(anyhow::Error::new)?;
    println!("created service account {} (id {}); these are shown only now:", created.name, created.id);
    println!("  token:          {}\n  webhook secret: {}", created.token, created.webhook_secret);
    Ok(())
}
