//! `handoff demo`: the service on a fresh SQLite database in its own folder, seeded with a
//! marketplace (skills and regions as on any fresh start, about thirty approved agents in
//! several languages and markets, a chatbot account) and brought to life by simulated agents
//! and a chatbot escalating at a steady rate, so a newcomer sees it working within seconds.

mod crowd;
mod seed;

use std::path::PathBuf;

use anyhow::Context;
use chrono::Utc;

use crate::auth::accounts;
use crate::config::Settings;
use crate::models::user;
use crate::recruiting::review::Reviewer;
use crate::startup::Application;

pub use crowd::Dice;
pub use seed::AGENT_PASSWORD;

pub struct DemoOptions {
    /// Where the demo keeps its database and mail; a new folder under the system's temporary
    /// folder when not given. Must not hold a database already.
    pub data_dir: Option<PathBuf>,
    pub escalations_per_minute: f64,
}

/// The demo's own folder: never the service's real data folder, never an old database.
pub(crate) fn fresh_folder(asked: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    let folder = asked.unwrap_or_else(|| {
        std::env::temp_dir().join(format!("handoff-demo-{}-{}", std::process::id(), Utc::now().timestamp()))
    });
    std::fs::create_dir_all(&folder).with_context(|| format!("creating {}", folder.display()))?;
    anyhow::ensure!(
        !folder.join("handoff.db").exists(),
        "{} already holds a database; the demo starts from a fresh one (choose another --data-dir)",
        folder.display()
    );
    Ok(folder)
}

pub async fn run(mut settings: Settings, options: DemoOptions) -> anyhow::Result<()> {
    let folder = fresh_folder(options.data_dir)?;
    settings.data_dir = folder.clone();
    settings.database_url = format!("sqlite://{}", folder.join("handoff.db").display());
    settings.smtp_url = String::new();
    let application = Application::build(settings).await?;
    let public_url = format!("http://127.0.0.1:{}", application.port());
    let (admin_email, admin_password) = application.first_admin.clone().context("a fresh database has an admin")?;
    let (db, key) = (application.db.clone(), application.data_key.clone());
    let hash = accounts::hash_off_thread(AGENT_PASSWORD.to_string()).await.map_err(anyhow::Error::new)?;
    let link_base = public_url.clone();
    let lookup = admin_email.clone();
    let (agents, (service_id, token), totp) = db
        .write(move |conn| {
            let now = Utc::now();
            let admin =
                user::find_by_email(conn, &lookup)?.ok_or_else(|| crate::error::AppError::NotFound("admin".into()))?;
            // Staff need a second factor; the demo sets one up for its admin and prints the key.
            let totp = crate::auth::mfa::begin_enrolment(conn, &key, &admin, now)?;
            crate::auth::mfa::confirm_enrolment(conn, admin.id, now)?;
            let approver = Reviewer { staff_id: admin.id, public_url: link_base };
            Ok((seed::agents(conn, &hash, &approver, now)?, seed::chatbot(conn, &key, now)?, totp))
        })
        .await
        .map_err(anyhow::Error::new)?;
    println!("\nHandoff demo is running at {public_url}  (data in {})", folder.display());
    println!("  staff:   {public_url}/staff  log in as {admin_email} / {admin_password}");
    println!("           second factor: add TOTP key {} to an authenticator app", totp.secret);
    println!("           ({})", totp.otpauth_uri);
    println!("  agent:   {public_url}/agent  log in as {} / {AGENT_PASSWORD}", agents[0].email);
    println!("  API:     {public_url}/api/docs/  chatbot token {token}");
    println!("  metrics: {public_url}/metrics");
    println!(
        "{} agents are online and a chatbot escalates {:.0} conversations a minute. Ctrl-C stops it.\n",
        agents.len(),
        options.escalations_per_minute
    );
    tokio::spawn(crowd::run(db, agents, service_id, options.escalations_per_minute));
    application.run_until_stopped().await.context("serving HTTP")
}
