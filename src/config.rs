//! Typed settings: defaults in code, `HANDOFF_*` environment overrides, checked by
//! [`Settings::validate`] before anything starts. Settings are passed in; there is no global.

use std::{net::SocketAddr, path::PathBuf};

use figment::{
    Figment,
    providers::{Env, Serialized},
};
use serde::{Deserialize, Serialize};
use url::Url;

/// Every setting of a Handoff process. Each field can be overridden by the environment variable
/// `HANDOFF_<FIELD NAME IN CAPITALS>` (for example `HANDOFF_BIND=0.0.0.0:8080`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Where the service keeps its own files: the SQLite database, the generated JWT secret,
    /// outgoing mail when no SMTP server is configured.
    pub data_dir: PathBuf,
    /// `sqlite://<path>` or `postgres://user@host/db`. Empty means
    /// `sqlite://<data_dir>/handoff.db`.
    pub database_url: String,
    /// Address and port the HTTP server listens on.
    pub bind: String,
    /// The address users reach the service at; used in email links and to decide whether
    /// cookies are marked `Secure` (an `https` URL). Empty means `http://<bind>`.
    pub public_url: String,
    /// `smtp://host:port` or `smtps://user@host` (a password in the URL works too, but then it
    /// sits in the environment with the URL); empty writes mail as .eml files under the data
    /// folder.
    pub smtp_url: String,
    /// A file holding the SMTP password for the URL's user (a mounted secret), read at start.
    /// Keeps the password out of the URL and the environment.
    pub smtp_password_file: String,
    /// The sender of every email, for example `Handoff <no-reply@example.com>`.
    pub mail_from: String,
    /// How often the email outbox is checked for due mail, in seconds (new mail is sent at once).
    pub outbox_poll_s: u64,
    /// How long an email confirmation link stays valid, in hours.
    pub verification_ttl_h: u64,
    /// A tracing filter, for example `info` or `handoff=debug,actix_web=info`.
    pub log: String,
    /// Secret for signing access tokens. Empty means: read `<data_dir>/jwt_secret`, creating it
    /// with 64 random bytes (mode 0600) on first run. At least 32 characters when given.
    pub jwt_secret: String,
    /// Lifetime of an access token in seconds (60 to 900).
    pub access_token_ttl_s: u64,
    /// Lifetime of a refresh token in seconds; each use rotates it.
    pub refresh_token_ttl_s: u64,
    /// Login attempts allowed per minute for one client address and, separately, for one email.
    pub login_attempts_per_minute: u32,
    /// Seconds without a heartbeat (event stream or POST /api/v1/me/heartbeat) after which an
    /// online agent is set away.
    pub heartbeat_timeout_s: u64,
    /// The most conversations an agent may take at once (agents choose from 1 to this).
    pub max_concurrent_limit: u32,
    /// Applications (POST /api/v1/agents, /register) allowed per hour from one client address.
    pub registrations_per_hour: u32,
    /// Largest accepted request body in bytes; larger bodies get 413.
    pub max_body_bytes: usize,
    /// Database connections kept by the pool (the SQLite writer is always a single connection).
    pub db_pool_size: u32,
    /// SQLite `synchronous` pragma: `NORMAL` survives a process crash (kill -9) with WAL;
    /// `FULL` also survives power loss, at about a tenth of the write rate.
    pub sqlite_synchronous: String,
    /// HTTP worker threads; 0 means one per core.
    pub workers: usize,
    /// Most database writes waiting for or holding the write connection before new escalations
    /// are refused with 503 and Retry-After (before authentication or any database work), so
    /// past its ceiling the service keeps its pace instead of queueing every client into a
    /// timeout. Answers, resolutions and other work that drains the queue are never refused.
    pub max_pending_writes: usize,
    /// Run the clock-driven work when this instance leads dispatch: offer expiry, widening,
    /// setting silent agents away, ETA refresh (changes are dispatched either way). Turn it off
    /// only where a test drives the clock itself; with several instances, the leader does it.
    pub clock_tickers: bool,
    /// The IANA time zone payroll dates are read in: `from=2026-12-01` starts at local midnight.
    pub payroll_timezone: String,
    /// Let webhooks go to loopback and private addresses (a platform on the same network).
    /// Off by default: see `webhooks::destination` (server-side request forgery).
    pub webhook_private_addresses: bool,
    /// When set, GET /metrics answers only `Authorization: Bearer <this token>` (401 otherwise).
    /// Empty (the default, for local use) leaves it open; set it in production.
    pub metrics_token: String,
    /// The key (32 bytes, base64) sealing the secrets the service reads back: webhook and TOTP
    /// secrets. Required on PostgreSQL, the same on every instance; on SQLite, when empty,
    /// `<data_dir>/data_key` is generated on first run. `handoff data-key generate` makes one.
    pub data_key: String,
    /// During a rotation, the key being replaced: it still opens what it sealed until
    /// `handoff data-key rotate` has sealed everything again under `data_key`.
    pub data_key_previous: String,
    /// Days the text of a closed conversation (summary, messages, notes) is kept.
    pub retain_conversations_days: u32,
    /// Days the chatbot's transcript of a closed conversation is kept.
    pub retain_transcripts_days: u32,
    /// Days the comment of a customer's rating is kept (the score stays).
    pub retain_rating_comments_days: u32,
    /// Days audit entries are kept.
    pub retain_audit_days: u32,
    /// Days presence history is kept. It is pay evidence (online time is paid), so it is never
    /// shorter than the payroll retention.
    pub retain_presence_days: u32,
    /// Years payroll data (who worked when, at which rate) is kept: the legal minimum for pay
    /// records in most of the EU is 5 to 10 years.
    pub retain_payroll_years: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            data_dir: PathBuf::from("./data"),
            database_url: String::new(),
            bind: "127.0.0.1:8080".into(),
            public_url: String::new(),
            smtp_url: String::new(),
            smtp_password_file: String::new(),
            mail_from: "Handoff <no-reply@handoff.local>".into(),
            outbox_poll_s: 5,
            verification_ttl_h: 48,
            log: "info".into(),
            jwt_secret: String::new(),
            access_token_ttl_s: 900,
            refresh_token_ttl_s: 30 * 24 * 3600,
            login_attempts_per_minute: 10,
            heartbeat_timeout_s: 45,
            max_concurrent_limit: 3,
            registrations_per_hour: 20,
            max_body_bytes: 256 * 1024,
            db_pool_size: 8,
            sqlite_synchronous: "NORMAL".into(),
            workers: 0,
            max_pending_writes: 256,
            clock_tickers: true,
            payroll_timezone: "UTC".into(),
            webhook_private_addresses: false,
            metrics_token: String::new(),
            data_key: String::new(),
            data_key_previous: String::new(),
            retain_conversations_days: 90,
            retain_transcripts_days: 30,
            retain_rating_comments_days: 365,
            retain_audit_days: 730,
            retain_presence_days: 7 * 366,
            retain_payroll_years: 7,
        }
    }
}

/// A setting that cannot be used, with the environment variable that sets it.
#[derive(Debug, thiserror::Error)]
#[error("setting HANDOFF_{name} is invalid: {problem}")]
pub struct SettingError {
    pub name: &'static str,
    pub problem: String,
}

fn invalid(name: &'static str, problem: impl Into<String>) -> SettingError {
    SettingError { name, problem: problem.into() }
}

impl Settings {
    /// The SMTP password from `smtp_password_file`, if one is set (its last newline dropped).
    pub fn smtp_password(&self) -> anyhow::Result<Option<String>> {
        if self.smtp_password_file.is_empty() {
            return Ok(None);
        }
        let text = std::fs::read_to_string(&self.smtp_password_file)
            .map_err(|e| anyhow::anyhow!("reading HANDOFF_SMTP_PASSWORD_FILE: {e}"))?;
        Ok(Some(text.trim_end_matches(['\n', '\r']).to_string()))
    }

    /// The payroll time zone (checked by [`Settings::validate`]).
    pub fn payroll_tz(&self) -> chrono_tz::Tz {
        self.payroll_timezone.parse().unwrap_or(chrono_tz::UTC)
    }

    /// Defaults overridden by `HANDOFF_*` environment variables, then validated.
    pub fn from_env() -> anyhow::Result<Settings> {
        let settings: Settings = Figment::from(Serialized::defaults(Settings::default()))
            .merge(Env::prefixed("HANDOFF_").ignore(&["PASSWORD"]))
            .extract()
            .map_err(|e| anyhow::anyhow!("reading HANDOFF_* settings: {e}"))?;
        settings.validate()?;
        Ok(settings)
    }

    /// Checks every setting and fills in the derived defaults; a clear message names the bad one.
    pub fn validate(&self) -> Result<(), SettingError> {
        self.bind
            .parse::<SocketAddr>()
            .map_err(|_| invalid("BIND", format!("`{}` is not an address like 127.0.0.1:8080", self.bind)))?;
        let public = Url::parse(&self.public_url())
            .map_err(|e| invalid("PUBLIC_URL", format!("`{}` is not a URL: {e}", self.public_url())))?;
        if !matches!(public.scheme(), "http" | "https") {
            return Err(invalid("PUBLIC_URL", "must start with http:// or https://"));
        }
        crate::db::DatabaseUrl::parse(&self.database_url()).map_err(|e| invalid("DATABASE_URL", e.to_string()))?;
        if !self.smtp_url.is_empty() {
            let smtp = Url::parse(&self.smtp_url).map_err(|e| invalid("SMTP_URL", e.to_string()))?;
            if !matches!(smtp.scheme(), "smtp" | "smtps") {
                return Err(invalid("SMTP_URL", "must start with smtp:// or smtps://"));
            }
            if !self.smtp_password_file.is_empty() && (smtp.username().is_empty() || smtp.password().is_some()) {
                return Err(invalid(
                    "SMTP_PASSWORD_FILE",
                    "needs a user and no password in HANDOFF_SMTP_URL (smtps://user@host)",
                ));
            }
        }
        if self.mail_from.parse::<lettre::message::Mailbox>().is_err() {
            return Err(invalid("MAIL_FROM", format!("`{}` is not a mailbox like `Name <a@b.c>`", self.mail_from)));
        }
        if self.payroll_timezone.parse::<chrono_tz::Tz>().is_err() {
            return Err(invalid("PAYROLL_TIMEZONE", format!("`{}` is not an IANA time zone", self.payroll_timezone)));
        }
        if self.retain_presence_days < self.retain_payroll_years.saturating_mul(366) {
            return Err(invalid(
                "RETAIN_PRESENCE_DAYS",
                "must cover HANDOFF_RETAIN_PAYROLL_YEARS: presence history is pay evidence",
            ));
        }
        if self.retain_conversations_days == 0 || self.retain_transcripts_days == 0 {
            return Err(invalid("RETAIN_CONVERSATIONS_DAYS", "retention periods are at least one day"));
        }
        if self.outbox_poll_s == 0 || self.outbox_poll_s > 3600 {
            return Err(invalid("OUTBOX_POLL_S", "must be between 1 and 3600 seconds"));
        }
        if self.verification_ttl_h == 0 || self.verification_ttl_h > 24 * 30 {
            return Err(invalid("VERIFICATION_TTL_H", "must be between 1 and 720 hours"));
        }
        if !self.jwt_secret.is_empty() && self.jwt_secret.len() < 32 {
            return Err(invalid("JWT_SECRET", "must be at least 32 characters"));
        }
        if !(60..=900).contains(&self.access_token_ttl_s) {
            return Err(invalid("ACCESS_TOKEN_TTL_S", "must be between 60 and 900 seconds"));
        }
        if self.refresh_token_ttl_s < self.access_token_ttl_s {
            return Err(invalid("REFRESH_TOKEN_TTL_S", "must be at least the access token lifetime"));
        }
        if self.login_attempts_per_minute == 0 {
            return Err(invalid("LOGIN_ATTEMPTS_PER_MINUTE", "must be at least 1"));
        }
        if !(5..=3600).contains(&self.heartbeat_timeout_s) {
            return Err(invalid("HEARTBEAT_TIMEOUT_S", "must be between 5 and 3600 seconds"));
        }
        if !(1..=50).contains(&self.max_concurrent_limit) {
            return Err(invalid("MAX_CONCURRENT_LIMIT", "must be between 1 and 50"));
        }
        if self.registrations_per_hour == 0 {
            return Err(invalid("REGISTRATIONS_PER_HOUR", "must be at least 1"));
        }
        if !self.metrics_token.is_empty() && self.metrics_token.len() < 16 {
            return Err(invalid("METRICS_TOKEN", "must be at least 16 characters (or empty for an open /metrics)"));
        }
        if self.max_body_bytes < 1024 {
            return Err(invalid("MAX_BODY_BYTES", "must be at least 1024"));
        }
        if self.max_pending_writes == 0 {
            return Err(invalid("MAX_PENDING_WRITES", "must be at least 1"));
        }
        if self.db_pool_size == 0 {
            return Err(invalid("DB_POOL_SIZE", "must be at least 1"));
        }
        if !matches!(self.sqlite_synchronous.to_ascii_uppercase().as_str(), "NORMAL" | "FULL" | "EXTRA") {
            return Err(invalid("SQLITE_SYNCHRONOUS", "must be NORMAL, FULL or EXTRA"));
        }
        if tracing_subscriber::EnvFilter::try_new(&self.log).is_err() {
            return Err(invalid("LOG", format!("`{}` is not a tracing filter", self.log)));
        }
        Ok(())
    }

    /// The database URL in force: the setting, or the SQLite file in the data folder.
    pub fn database_url(&self) -> String {
        if self.database_url.is_empty() {
            format!("sqlite://{}", self.data_dir.join("handoff.db").display())
        } else {
            self.database_url.clone()
        }
    }

    /// The public URL in force, without a trailing slash.
    pub fn public_url(&self) -> String {
        let url = if self.public_url.is_empty() { format!("http://{}", self.bind) } else { self.public_url.clone() };
        url.trim_end_matches('/').to_string()
    }

    /// Whether cookies must carry the `Secure` flag (the service is reached over HTTPS).
    pub fn secure_cookies(&self) -> bool {
        self.public_url().starts_with("https://")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_point_at_the_data_folder() {
        let settings = Settings::default();
        settings.validate().unwrap();
        assert_eq!(settings.database_url(), "sqlite://./data/handoff.db");
        assert_eq!(settings.public_url(), "http://127.0.0.1:8080");
        assert!(!settings.secure_cookies());
    }

    #[test]
    fn a_bad_setting_is_named_in_the_error() {
        let settings = Settings { bind: "nowhere".into(), ..Settings::default() };
        assert!(settings.validate().unwrap_err().to_string().contains("HANDOFF_BIND"));
        let settings = Settings { database_url: "mysql://x".into(), ..Settings::default() };
        assert!(settings.validate().unwrap_err().to_string().contains("HANDOFF_DATABASE_URL"));
        let settings = Settings { access_token_ttl_s: 3600, ..Settings::default() };
        assert!(settings.validate().unwrap_err().to_string().contains("ACCESS_TOKEN_TTL_S"));
    }
}
