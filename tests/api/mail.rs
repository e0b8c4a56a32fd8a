//! Reading the mail the server sent: .eml files in the data folder, or an SMTP sink's maildir.

use std::path::Path;
use std::time::{Duration, Instant};

/// One received email, decoded.
#[derive(Debug, Clone)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

fn parse(raw: &[u8]) -> Mail {
    let parsed = mailparse::parse_mail(raw).expect("a well-formed email");
    let header = |name: &str| {
        parsed
            .headers
            .iter()
            .find(|h| h.get_key().eq_ignore_ascii_case(name))
            .map(|h| h.get_value())
            .unwrap_or_default()
    };
    let part = |mime: &str| {
        parsed.subparts.iter().find(|p| p.ctype.mimetype == mime).map(|p| p.get_body().unwrap()).unwrap_or_default()
    };
    Mail { to: header("To"), subject: header("Subject"), text: part("text/plain"), html: part("text/html") }
}

/// Every mail in `folder` (recursively: a maildir keeps new mail in `new/`).
pub fn read_all(folder: &Path) -> Vec<Mail> {
    let mut mails = Vec::new();
    let Ok(entries) = std::fs::read_dir(folder) else { return mails };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            mails.extend(read_all(&path));
        } else if let Ok(raw) = std::fs::read(&path) {
            if raw.starts_with(b"{") {
                continue; // lettre's file transport keeps a JSON envelope beside each .eml
            }
            mails.push(parse(&raw));
        }
    }
    mails
}

/// Waits (polling, up to 10 s) for `count` mails to `recipient` whose subject contains `subject`.
pub async fn wait_for(folder: &Path, recipient: &str, subject: &str, count: usize) -> Vec<Mail> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let found: Vec<Mail> =
            read_all(folder).into_iter().filter(|m| m.to.contains(recipient) && m.subject.contains(subject)).collect();
        if found.len() >= count {
            return found;
        }
        assert!(Instant::now() < deadline, "no mail \"{subject}\" to {recipient} in {}", folder.display());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The token of the confirmation link in a mail's text part.
pub fn verification_token(mail: &Mail) -> String {
    let start = mail.text.find("/verify?token=").expect("the mail has a confirmation link") + "/verify?token=".len();
    mail.text[start..].split_whitespace().next().unwrap().to_string()
}

/// The token of the reset link in a "Reset your Handoff password" mail.
pub fn reset_token(mail: &Mail) -> String {
    let marker = "/reset-password?token=";
    let start = mail.text.find(marker).expect("the mail has a reset link") + marker.len();
    mail.text[start..].split_whitespace().next().unwrap().to_string()
}
