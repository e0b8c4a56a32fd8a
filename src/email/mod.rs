//! Email: messages rendered from askama templates, written to the outbox table in the same
//! transaction as the event that causes them, and delivered by a background worker with
//! retries. Transports: SMTP when `HANDOFF_SMTP_URL` is set, otherwise `.eml` files in
//! `<data dir>/mail` so a fresh machine works without a mail server.
//!
//! Settings owned here: `HANDOFF_SMTP_URL`, `HANDOFF_MAIL_FROM`, `HANDOFF_OUTBOX_POLL_S`.

pub mod messages;
pub mod outbox;
pub mod transport;

/// A rendered email, ready for the outbox.
#[derive(Debug, Clone)]
pub struct EmailContent {
    pub subject: String,
    pub text: String,
    pub html: String,
}
