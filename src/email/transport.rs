//! Where mail goes: an SMTP server or a folder of .eml files.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

/// How long one SMTP conversation may take before the attempt counts as failed.
const SMTP_TIMEOUT: Duration = Duration::from_secs(20);

/// A configured mail transport.
#[derive(Clone)]
pub enum Mailer {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Folder(AsyncFileTransport<Tokio1Executor>, PathBuf),
}

impl Mailer {
    /// SMTP when `smtp_url` is set (`smtp://host:port`, `smtps://user:pass@host`), else the
    /// `mail` folder under the data folder.
    /// `password` (from `HANDOFF_SMTP_PASSWORD_FILE`) signs in as the URL's user.
    pub fn from_settings(
        smtp_url: &str,
        password: Option<String>,
        data_dir: &std::path::Path,
    ) -> anyhow::Result<Mailer> {
        if smtp_url.is_empty() {
            let folder = data_dir.join("mail");
            std::fs::create_dir_all(&folder).with_context(|| format!("creating {}", folder.display()))?;
            return Ok(Mailer::Folder(AsyncFileTransport::new(&folder), folder));
        }
        let mut builder =
            AsyncSmtpTransport::<Tokio1Executor>::from_url(smtp_url).context("reading HANDOFF_SMTP_URL")?;
        if let Some(password) = password {
            let user = url::Url::parse(smtp_url).context("reading HANDOFF_SMTP_URL")?.username().to_string();
            let user = percent_encoding::percent_decode_str(&user).decode_utf8_lossy().into_owned();
            builder = builder.credentials(Credentials::new(user, password));
        }
        let transport = builder.timeout(Some(SMTP_TIMEOUT)).build();
        Ok(Mailer::Smtp(transport))
    }

    /// Hands one message over; an error means it was not accepted and must be retried.
    pub async fn send(&self, message: Message) -> anyhow::Result<()> {
        match self {
            Mailer::Smtp(smtp) => {
                smtp.send(message).await.context("SMTP delivery")?;
            }
            Mailer::Folder(folder, _) => {
                folder.send(message).await.context("writing the .eml file")?;
            }
        }
        Ok(())
    }

    /// For logs: where mail goes, without credentials.
    pub fn describe(&self) -> String {
        match self {
            Mailer::Smtp(_) => "SMTP".into(),
            Mailer::Folder(_, path) => format!(".eml files in {}", path.display()),
        }
    }
}
