//! The data key: seals the secrets the service must read back (webhook signing secrets, TOTP
//! secrets) with AES-256-GCM, so a copy of the database alone does not give them away.
//!
//! A sealed value reads `sealed:v1:<key id>:<base64 of nonce and ciphertext>`; the key id is
//! derived from the key, so it needs no setting of its own. What a value is for (its column)
//! is bound as associated data, so a sealed webhook secret cannot be passed off as a TOTP secret.
//!
//! Where the key comes from: `HANDOFF_DATA_KEY` (32 bytes in base64), required on PostgreSQL
//! so every instance has the same one; on SQLite, when unset, `<data_dir>/data_key`, generated
//! on first run (mode 0600). During a rotation the previous key (`HANDOFF_DATA_KEY_PREVIOUS`,
//! or `<data_dir>/data_key.previous`) still opens what it sealed; see `rotation`.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use anyhow::{Context, bail};
use base64::{Engine, engine::general_purpose::STANDARD, engine::general_purpose::URL_SAFE_NO_PAD};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::config::Settings;
use crate::db::Backend;

const PREFIX: &str = "sealed:v1:";
const NONCE_LEN: usize = 12;
/// The generated key's file in the data folder, and the previous one during a rotation.
pub const KEY_FILE: &str = "data_key";
pub const PREVIOUS_KEY_FILE: &str = "data_key.previous";

/// What a sealed value is for; bound into the ciphertext.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    WebhookSecret,
    TotpSecret,
    /// The key of the customer references' HMAC (`privacy::customer_ref`).
    CustomerRefKey,
}

impl Purpose {
    fn label(self) -> &'static [u8] {
        match self {
            Purpose::WebhookSecret => b"service_accounts.webhook_secret",
            Purpose::TotpSecret => b"mfa_factors.secret",
            Purpose::CustomerRefKey => b"app_settings.customer_ref_key",
        }
    }
}

/// One key with its id.
#[derive(Clone)]
struct Key {
    id: String,
    cipher: Aes256Gcm,
}

impl Key {
    fn new(bytes: &[u8; 32]) -> Key {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(bytes).expect("HMAC takes keys of any length");
        mac.update(b"handoff data key id");
        let id = hex::encode(&mac.finalize().into_bytes()[..8]);
        Key { id, cipher: Aes256Gcm::new(bytes.into()) }
    }
}

/// The current key, and the previous one while a rotation is under way.
#[derive(Clone)]
pub struct DataKey {
    current: Key,
    previous: Option<Key>,
}

/// Never shows key material, only ids.
impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DataKey").field("id", &self.current.id).field("previous", &self.previous_id()).finish()
    }
}

/// A sealed value that cannot be opened: sealed under an unknown key, altered, or not sealed.
#[derive(Debug, thiserror::Error)]
#[error("a sealed value cannot be opened: {0}")]
pub struct OpenError(String);

impl DataKey {
    pub fn new(current: &[u8; 32], previous: Option<&[u8; 32]>) -> DataKey {
        DataKey { current: Key::new(current), previous: previous.map(Key::new) }
    }

    /// The key the settings name (see the module comment for where it comes from).
    pub fn from_settings(settings: &Settings, backend: Backend) -> anyhow::Result<DataKey> {
        let current = if !settings.data_key.is_empty() {
            decode("HANDOFF_DATA_KEY", &settings.data_key)?
        } else if backend == Backend::Postgres {
            bail!(
                "HANDOFF_DATA_KEY must be set on PostgreSQL (the same on every instance): \
                 generate one with `handoff data-key generate`"
            );
        } else {
            let path = settings.data_dir.join(KEY_FILE);
            decode(KEY_FILE, &super::secret::load_or_create_file(&path, generate)?)?
        };
        let previous_file = settings.data_dir.join(PREVIOUS_KEY_FILE);
        let previous = if !settings.data_key_previous.is_empty() {
            Some(decode("HANDOFF_DATA_KEY_PREVIOUS", &settings.data_key_previous)?)
        } else if settings.data_key.is_empty() && previous_file.exists() {
            let text = std::fs::read_to_string(&previous_file)
                .with_context(|| format!("reading {}", previous_file.display()))?;
            Some(decode(PREVIOUS_KEY_FILE, text.trim())?)
        } else {
            None
        };
        Ok(DataKey::new(&current, previous.as_ref()))
    }

    /// The id of the key that seals new values.
    pub fn id(&self) -> &str {
        &self.current.id
    }

    pub fn previous_id(&self) -> Option<&str> {
        self.previous.as_ref().map(|k| k.id.as_str())
    }

    /// Seals `plain` for `purpose` under the current key, with a fresh random nonce.
    pub fn seal(&self, purpose: Purpose, plain: &str) -> String {
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce).expect("the operating system's random source works");
        let payload = Payload { msg: plain.as_bytes(), aad: purpose.label() };
        let sealed = self
            .current
            .cipher
            .encrypt(&Nonce::from(nonce), payload)
            .expect("AES-GCM encrypts any message shorter than 64 GiB");
        let mut bytes = nonce.to_vec();
        bytes.extend_from_slice(&sealed);
        format!("{PREFIX}{}:{}", self.current.id, URL_SAFE_NO_PAD.encode(bytes))
    }

    /// Opens a value sealed for `purpose` by the current or the previous key.
    pub fn open(&self, purpose: Purpose, sealed: &str) -> Result<String, OpenError> {
        let Some((key_id, body)) = sealed.strip_prefix(PREFIX).and_then(|rest| rest.split_once(':')) else {
            return Err(OpenError("not a sealed value".into()));
        };
        let key = [Some(&self.current), self.previous.as_ref()]
            .into_iter()
            .flatten()
            .find(|k| k.id == key_id)
            .ok_or_else(|| OpenError(format!("sealed under key {key_id}, which this instance does not have")))?;
        let bytes = URL_SAFE_NO_PAD.decode(body).map_err(|_| OpenError("not base64".into()))?;
        if bytes.len() < NONCE_LEN {
            return Err(OpenError("too short".into()));
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce.try_into().expect("split at the nonce's length");
        let plain =
            key.cipher.decrypt(&Nonce::from(nonce), Payload { msg: ciphertext, aad: purpose.label() }).map_err(
                |_| OpenError(format!("altered, or not sealed for {}", String::from_utf8_lossy(purpose.label()))),
            )?;
        String::from_utf8(plain).map_err(|_| OpenError("not text".into()))
    }

    /// Whether `stored` is sealed under the current key (else rotation or the upgrade of a
    /// value stored before sealing existed still has to reseal it).
    pub fn is_current(&self, stored: &str) -> bool {
        key_id_of(stored) == Some(self.current.id.as_str())
    }

    /// Opens `stored` (a sealed value, or plain text stored before sealing existed) and seals it
    /// again under the current key.
    pub fn reseal(&self, purpose: Purpose, stored: &str) -> Result<String, OpenError> {
        let plain = if stored.starts_with(PREFIX) { self.open(purpose, stored)? } else { stored.to_string() };
        Ok(self.seal(purpose, &plain))
    }
}

/// The key id a stored value was sealed under; `None` for plain text.
pub fn key_id_of(stored: &str) -> Option<&str> {
    stored.strip_prefix(PREFIX).and_then(|rest| rest.split_once(':')).map(|(id, _)| id)
}

/// A new random key, base64, as `HANDOFF_DATA_KEY` takes it.
pub fn generate() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system's random source works");
    STANDARD.encode(bytes)
}

fn decode(source: &str, text: &str) -> anyhow::Result<[u8; 32]> {
    let bytes = STANDARD
        .decode(text.trim())
        .or_else(|_| URL_SAFE_NO_PAD.decode(text.trim()))
        .map_err(|_| anyhow::anyhow!("{source} is not base64 (generate a key with `handoff data-key generate`)"))?;
    bytes.try_into().map_err(|_| anyhow::anyhow!("{source} must be 32 bytes (44 characters of base64)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> [u8; 32] {
        [byte; 32]
    }

    #[test]
    fn a_sealed_value_opens_only_with_its_key_and_purpose() {
        let data_key = DataKey::new(&key(1), None);
        let sealed = data_key.seal(Purpose::WebhookSecret, "whsec_abc");
        assert!(!sealed.contains("whsec_abc"));
        assert_ne!(sealed, data_key.seal(Purpose::WebhookSecret, "whsec_abc"), "each seal has its own nonce");
        assert_eq!(data_key.open(Purpose::WebhookSecret, &sealed).unwrap(), "whsec_abc");
        assert!(data_key.open(Purpose::TotpSecret, &sealed).is_err(), "bound to its purpose");
        assert!(DataKey::new(&key(2), None).open(Purpose::WebhookSecret, &sealed).is_err());
        let mut altered = sealed.clone();
        altered.replace_range(sealed.len() - 2.., if sealed.ends_with("AA") { "AB" } else { "AA" });
        assert!(data_key.open(Purpose::WebhookSecret, &altered).is_err());
    }

    #[test]
    fn the_previous_key_opens_what_it_sealed_and_resealing_moves_it_to_the_current_one() {
        let old = DataKey::new(&key(1), None);
        let sealed = old.seal(Purpose::TotpSecret, "JBSWY3DP");
        let rotating = DataKey::new(&key(2), Some(&key(1)));
        assert!(!rotating.is_current(&sealed));
        let resealed = rotating.reseal(Purpose::TotpSecret, &sealed).unwrap();
        assert!(rotating.is_current(&resealed));
        assert_eq!(DataKey::new(&key(2), None).open(Purpose::TotpSecret, &resealed).unwrap(), "JBSWY3DP");
        let upgraded = rotating.reseal(Purpose::TotpSecret, "plain-from-before").unwrap();
        assert_eq!(rotating.open(Purpose::TotpSecret, &upgraded).unwrap(), "plain-from-before");
    }

    #[test]
    fn keys_are_checked_when_read() {
        assert!(decode("x", &generate()).is_ok());
        assert!(decode("x", "c2hvcnQ=").unwrap_err().to_string().contains("32 bytes"));
        assert!(decode("x", "not base64!").is_err());
    }
}
