//! `handoff data-key rotate`: seals every secret again under a new data key.
//!
//! With the key in the environment the operator brings the new key (`HANDOFF_DATA_KEY`) and the
//! old one (`HANDOFF_DATA_KEY_PREVIOUS`). With SQLite's generated key file, the command moves
//! the file to `data_key.previous` and generates a new one; an interrupted rotation finds the
//! previous file and carries on with the same pair, so running it again is always safe.

use std::fs;

use anyhow::{Context, bail};
use indicatif::{ProgressBar, ProgressStyle};

use super::data_key::{self, DataKey, KEY_FILE, PREVIOUS_KEY_FILE};
use super::sealed;
use crate::config::Settings;
use crate::db::Backend;
use crate::startup::connect_and_migrate;

pub async fn rotate(settings: Settings) -> anyhow::Result<()> {
    let db = connect_and_migrate(&settings).await?;
    let key_file = settings.data_dir.join(KEY_FILE);
    let previous_file = settings.data_dir.join(PREVIOUS_KEY_FILE);
    let generated_files = settings.data_key.is_empty() && db.backend() == Backend::Sqlite;
    if generated_files && !previous_file.exists() {
        fs::rename(&key_file, &previous_file)
            .with_context(|| format!("moving {} to {}", key_file.display(), previous_file.display()))?;
        super::secret::load_or_create_file(&key_file, data_key::generate)?;
    } else if !generated_files && settings.data_key_previous.is_empty() {
        bail!("set HANDOFF_DATA_KEY to the new key and HANDOFF_DATA_KEY_PREVIOUS to the key being replaced");
    }
    let key = DataKey::from_settings(&settings, db.backend())?;
    sealed::check_at_start(&db, &key).await?;
    let total = db.read(sealed::count).await.map_err(anyhow::Error::new)?;
    let bar = ProgressBar::new(total).with_style(
        ProgressStyle::with_template("{spinner} sealing secrets again {bar:30} {pos}/{len}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let (progress, sealing_key) = (bar.clone(), key.clone());
    // One transaction: every value moves to the new key, and the keyring says so, or nothing does.
    let resealed = db
        .write(move |conn| {
            let resealed = sealed::reseal_all_with(conn, &sealing_key, || progress.inc(1))?;
            sealed::finish_rotation(conn, &sealing_key)?;
            Ok(resealed)
        })
        .await
        .map_err(anyhow::Error::new)?;
    bar.finish_and_clear();
    if generated_files {
        fs::remove_file(&previous_file).with_context(|| format!("removing {}", previous_file.display()))?;
    }
    println!(
        "data key is now {}: sealed again {} webhook secret(s) and {} TOTP secret(s){}",
        key.id(),
        resealed.webhook_secrets,
        resealed.totp_secrets,
        if generated_files { "" } else { "; HANDOFF_DATA_KEY_PREVIOUS can be dropped at the next restart" }
    );
    Ok(())
}
