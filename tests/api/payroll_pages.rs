//! /staff/payroll and /agent/earnings over plain HTTP, on a short scripted morning.

use chrono::Duration;
use handoff::availability::presence::Presence;

use crate::availability_pages::agent_in_browser_session;
use crate::helpers::{TestApp, spawn_app, spawn_app_with};
use crate::payroll::{Day, agent, rates_since_october};

/// Åsa is online 10:00-11:00 UTC on 25 October 2026 and resolves one 30-minute conversation:
/// 110.00 SEK for the time, 15.00 for the conversation.
pub async fn morning(app: &TestApp) -> handoff::ids::AgentId {
    let (asa, _) = agent(app, "asa@example.com", "Åsa Öberg").await;
    let day = Day::new(app).await;
    rates_since_october(&day.db).await;
    day.presence(asa, Presence::Online, "2026-10-25T10:00:00Z").await;
    let id = day.escalate_and_accept("m1", asa, "2026-10-25T10:10:00Z", Duration::zero()).await;
    day.resolve(id, asa, "2026-10-25T10:40:00Z").await;
    day.presence(asa, Presence::Offline, "2026-10-25T11:00:00Z").await;
    asa
}

pub async fn staff_in_browser_session(app: &TestApp) {
    let response = app.browser_login(&app.admin_email, &app.admin_password).await;
    assert!(response.status().is_success() || response.status() == 303, "{}", response.status());
}

async fn page(app: &TestApp, path: &str) -> (u16, String) {
    let response = app.client.get(app.url(path)).send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

#[tokio::test]
async fn staff_see_a_periods_pay_and_download_it_from_the_payroll_page() {
    let app = spawn_app_with(|s| s.clock_tickers = false).await;
    let asa = morning(&app).await;
    staff_in_browser_session(&app).await;

    let (status, html) = page(&app, "/staff/payroll?from=2026-10-25&to=2026-10-25").await;
    assert_eq!(status, 200);
    for expected in
        ["Åsa Öberg", &format!("#{asa}"), "1 h 00 min", "0 h 30 min", "110.00 SEK", "15.00 SEK", "125.00 SEK"]
    {
        assert!(html.contains(expected), "{expected} on the payroll page");
    }
    assert!(html.contains(r#"for="from""#) && html.contains(r#"for="to""#), "the date inputs are labelled");
    let link = r#"href="/api/v1/staff/payroll.csv?from=2026-10-25&amp;to=2026-10-25""#;
    assert!(html.contains(link), "the download link carries the period");

    // The link works with the page's session cookie.
    let csv = page(&app, "/api/v1/staff/payroll.csv?from=2026-10-25&to=2026-10-25").await.1;
    assert!(csv.ends_with(",SEK,3600,1800,1,11000,1500,12500,125.00,0,0\n"), "{csv}");

    let (status, html) = page(&app, "/staff/payroll?from=2026-10-26&to=2026-10-25").await;
    assert_eq!(status, 200);
    assert!(html.contains("must not be before") && html.contains(r#"aria-invalid="true""#));

    let (status, html) = page(&app, "/staff/payroll?from=2026-11-01&to=2026-11-02").await;
    assert_eq!(status, 200);
    assert!(html.contains("Nobody was online or worked in this period."));
}

#[tokio::test]
async fn agents_see_their_own_period_and_statement_but_not_the_payroll_page() {
    let app = spawn_app().await;
    agent_in_browser_session(&app, "someone@example.com").await;
    let (status, _) = page(&app, "/staff/payroll").await;
    assert_eq!(status, 403);
    let (status, html) = page(&app, "/agent/earnings?from=2026-10-01&to=2026-10-31").await;
    assert_eq!(status, 200);
    assert!(html.contains("2026-10-01 to 2026-10-31 (UTC)"));
    assert!(html.contains(r#"href="/api/v1/me/statement.csv?from=2026-10-01&amp;to=2026-10-31""#));
    let statement = page(&app, "/api/v1/me/statement.csv?from=2026-10-01&to=2026-10-31").await;
    assert_eq!(statement.0, 200);
    assert!(statement.1.starts_with("period_start,period_end,agent_id,"));
}
