//! The emails Handoff sends, each rendered from a plain-text and an HTML askama template.

use askama::Template;

use super::EmailContent;

#[derive(Template)]
#[template(path = "email/verify.txt")]
struct VerifyText<'a> {
    name: &'a str,
    link: &'a str,
    hours: u64,
}

#[derive(Template)]
#[template(path = "email/verify.html")]
struct VerifyHtml<'a> {
    name: &'a str,
    link: &'a str,
    hours: u64,
}

/// "Confirm your email": the single-use link to /verify.
pub fn verification(name: &str, link: &str, hours: u64) -> anyhow::Result<EmailContent> {
    Ok(EmailContent {
        subject: "Confirm your email address for Handoff".into(),
        text: VerifyText { name, link, hours }.render()?,
        html: VerifyHtml { name, link, hours }.render()?,
    })
}

#[derive(Template)]
#[template(path = "email/approved.txt")]
struct ApprovedText<'a> {
    name: &'a str,
    login_link: &'a str,
    note: Option<&'a str>,
}

#[derive(Template)]
#[template(path = "email/approved.html")]
struct ApprovedHtml<'a> {
    name: &'a str,
    login_link: &'a str,
    note: Option<&'a str>,
}

/// "You're in": the application was approved.
pub fn approved(name: &str, login_link: &str, note: Option<&str>) -> anyhow::Result<EmailContent> {
    Ok(EmailContent {
        subject: "Welcome to Handoff: your application is approved".into(),
        text: ApprovedText { name, login_link, note }.render()?,
        html: ApprovedHtml { name, login_link, note }.render()?,
    })
}

#[derive(Template)]
#[template(path = "email/rejected.txt")]
struct RejectedText<'a> {
    name: &'a str,
    reason: &'a str,
}

#[derive(Template)]
#[template(path = "email/rejected.html")]
struct RejectedHtml<'a> {
    name: &'a str,
    reason: &'a str,
}

/// The application was not accepted, and why.
pub fn rejected(name: &str, reason: &str) -> anyhow::Result<EmailContent> {
    Ok(EmailContent {
        subject: "Your Handoff application".into(),
        text: RejectedText { name, reason }.render()?,
        html: RejectedHtml { name, reason }.render()?,
    })
}

#[derive(Template)]
#[template(path = "email/reset.txt")]
struct ResetText<'a> {
    name: &'a str,
    link: &'a str,
    minutes: i64,
}

#[derive(Template)]
#[template(path = "email/reset.html")]
struct ResetHtml<'a> {
    name: &'a str,
    link: &'a str,
    minutes: i64,
}

/// "Reset your password": the single-use link to /reset-password.
pub fn password_reset(name: &str, link: &str, minutes: i64) -> anyhow::Result<EmailContent> {
    Ok(EmailContent {
        subject: "Reset your Handoff password".into(),
        text: ResetText { name, link, minutes }.render()?,
        html: ResetHtml { name, link, minutes }.render()?,
    })
}

#[derive(Template)]
#[template(path = "email/boost.txt")]
struct BoostText<'a> {
    name: &'a str,
    queue: &'a str,
    waiting: i64,
    until: &'a str,
    multiplier: &'a str,
    reason: &'a str,
    link: &'a str,
}

#[derive(Template)]
#[template(path = "email/boost.html")]
struct BoostHtml<'a> {
    name: &'a str,
    queue: &'a str,
    waiting: i64,
    until: &'a str,
    multiplier: &'a str,
    reason: &'a str,
    link: &'a str,
}

/// What a live boost tells an agent who opted in: who waits, the multiplier and until when.
pub struct BoostNews<'a> {
    pub queue: &'a str,
    pub waiting: i64,
    pub until: &'a str,
    pub multiplier: &'a str,
    pub reason: &'a str,
}

/// "Customers are waiting": a live boost on work the agent can take.
pub fn live_boost(name: &str, news: &BoostNews, link: &str) -> anyhow::Result<EmailContent> {
    let BoostNews { queue, waiting, until, multiplier, reason } = *news;
    Ok(EmailContent {
        subject: format!("Customers are waiting: ×{multiplier} until {until} UTC"),
        text: BoostText { name, queue, waiting, until, multiplier, reason, link }.render()?,
        html: BoostHtml { name, queue, waiting, until, multiplier, reason, link }.render()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_html_part_escapes_what_the_applicant_typed() {
        let mail = rejected("<script>x</script>", "a & b").unwrap();
        assert!(!mail.html.contains("<script>x"));
        assert!(mail.html.contains("a &#38; b") || mail.html.contains("a &amp; b"));
        assert!(mail.text.contains("<script>x</script>"), "plain text is not escaped");
    }

    #[test]
    fn the_verification_mail_carries_the_link_in_both_parts() {
        let mail = verification("Ada", "http://x/verify?token=abc", 48).unwrap();
        assert!(mail.text.contains("http://x/verify?token=abc") && mail.html.contains("http://x/verify?token=abc"));
        assert!(mail.text.contains("48 hours"));
    }
}
