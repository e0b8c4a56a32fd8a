//! The sealed values in the database as a whole: the check every instance makes at start (its
//! data key must be the one the database's values are sealed under), and sealing everything
//! again under a new key (`handoff data-key rotate`).
//!
//! Rotation without downtime on PostgreSQL: generate a key; restart every instance with it as
//! `HANDOFF_DATA_KEY` and the old one as `HANDOFF_DATA_KEY_PREVIOUS` (both open everything
//! meanwhile); run `handoff data-key rotate` once; drop the previous key at the next restart.

use anyhow::{Context, bail};
use chrono::Utc;

use super::data_key::{DataKey, Purpose};
use crate::db::{Db, DbConn};
use crate::error::AppError;
use crate::models::{app_setting, db_time, keyring, mfa, service_account};
use crate::privacy::customer_ref;

/// How many values were sealed again, per kind.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Resealed {
    pub webhook_secrets: usize,
    pub totp_secrets: usize,
    /// Keys of our own kept sealed (the customer references' HMAC key).
    pub other_keys: usize,
}

/// At start: records this key on a database that has none, and refuses to run on a database
/// whose values another key sealed. Values stored in plain text before sealing existed (webhook
/// secrets) are sealed now.
pub async fn check_at_start(db: &Db, key: &DataKey) -> anyhow::Result<()> {
    let ours = key.id().to_string();
    let claimed = db.write(move |conn| Ok(keyring::claim(conn, keyring::DATA_KEY, &ours, db_time(Utc::now()))?)).await;
    let recorded = match claimed {
        Ok(recorded) => recorded,
        // Another instance starting at the same moment recorded its key first: read it.
        Err(_) => db
            .read(|conn| Ok(keyring::key_id(conn, keyring::DATA_KEY)?))
            .await
            .map_err(anyhow::Error::new)?
            .context("the data key could not be recorded")?,
    };
    if recorded == key.id() {
        let key = key.clone();
        let upgraded = db.write(move |conn| reseal_all(conn, &key)).await.map_err(anyhow::Error::new)?;
        if upgraded != Resealed::default() {
            tracing::info!(?upgraded, "sealed secrets stored in plain text with the data key");
        }
        return Ok(());
    }
    if key.previous_id() == Some(recorded.as_str()) {
        tracing::warn!(
            key_id = key.id(),
            "a data key rotation is under way: run `handoff data-key rotate` once every instance has the new key"
        );
        return Ok(());
    }
    bail!(
        "this database's secrets are sealed with data key {recorded}, and this instance has key {}{}: \
         set HANDOFF_DATA_KEY to the key this database uses",
        key.id(),
        key.previous_id().map(|p| format!(" (previous {p})")).unwrap_or_default()
    )
}

/// Seals again, under the current key, every value not sealed under it; `on_progress` hears
/// each value done. Safe to repeat: a value already under the current key is left alone.
pub fn reseal_all_with(conn: &mut DbConn, key: &DataKey, mut on_progress: impl FnMut()) -> Result<Resealed, AppError> {
    let mut resealed = Resealed::default();
    for (id, stored) in service_account::sealed_secrets(conn)? {
        if !key.is_current(&stored) {
            let sealed = key.reseal(Purpose::WebhookSecret, &stored).map_err(anyhow::Error::new)?;
            resealed.webhook_secrets += service_account::replace_sealed_secret(conn, id, &stored, &sealed)?;
        }
        on_progress();
    }
    if let Some(stored) = app_setting::get(conn, customer_ref::KEY_SETTING)?
        && !key.is_current(&stored)
    {
        let sealed = key.reseal(Purpose::CustomerRefKey, &stored).map_err(anyhow::Error::new)?;
        app_setting::set(conn, customer_ref::KEY_SETTING, &sealed, crate::models::db_time(Utc::now()))?;
        resealed.other_keys += 1;
    }
    for (user, stored) in mfa::sealed_secrets(conn)? {
        if !key.is_current(&stored) {
            let sealed = key.reseal(Purpose::TotpSecret, &stored).map_err(anyhow::Error::new)?;
            resealed.totp_secrets += mfa::replace_sealed_secret(conn, user, &stored, &sealed)?;
        }
        on_progress();
    }
    Ok(resealed)
}

pub fn reseal_all(conn: &mut DbConn, key: &DataKey) -> Result<Resealed, AppError> {
    reseal_all_with(conn, key, || {})
}

/// How many sealed values there are (for a progress bar).
pub fn count(conn: &mut DbConn) -> Result<u64, AppError> {
    let own_keys = usize::from(app_setting::get(conn, customer_ref::KEY_SETTING)?.is_some());
    Ok((service_account::sealed_secrets(conn)?.len() + mfa::sealed_secrets(conn)?.len() + own_keys) as u64)
}

/// The end of a rotation: everything is sealed under the current key; record it.
pub fn finish_rotation(conn: &mut DbConn, key: &DataKey) -> Result<(), AppError> {
    keyring::set(conn, keyring::DATA_KEY, key.id(), db_time(Utc::now()))?;
    Ok(())
}
