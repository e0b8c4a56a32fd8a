//! The wait contract's pages in a real headless Chromium (TEST_BROWSER=1): the chatbot's
//! handoff packet on the agent's offer and conversation, handing a conversation back to the bot
//! from the dashboard, and the staff's reasons and promised-versus-actual charts.

use fantoccini::Locator;
use serde_json::{Value, json};

use crate::browser::{browser, enabled, fill, screenshot, staff_login, start_driver, submit_login, wait_for_text};
use crate::helpers::spawn_app;

#[tokio::test]
async fn the_agent_reads_the_bots_packet_and_hands_the_conversation_back_from_the_dashboard() {
    if !enabled() {
        return;
    }
    let app = spawn_app().await;
    app.active_agent_token("dash@example.com").await;
    let driver = start_driver();
    let client = browser(&driver, 1280, 1000).await;
    submit_login(&app, &client, "dash@example.com", "applicant-password-1").await;
    wait_for_text(&client, "Your work").await;
    client.find(Locator::Id("go-online")).await.unwrap().click().await.unwrap();
    wait_for_text(&client, "No offers right now; they appear here").await;

    let service = app.service_token("bot").await;
    let escalation = json!({"external_id": "packet", "language": "sv", "market": "SE", "required_skills": ["payments"],
        "priority": "normal", "sensitive": false, "reason": "payment_issue", "summary": "Card declined abroad",
        "intent": "card_declined", "sentiment": "very_negative",
        "bot_attempts": ["checked the card is active", "suggested another card"],
        "collected": {"merchant": "Café Nord", "country": "Portugal"}});
    let created: Value = app.post_json("/api/v1/escalations", &escalation, Some(&service)).await.json().await.unwrap();
    // The offer card, arrived live, shows what the bot handed over.
    wait_for_text(&client, "Card declined abroad").await;
    wait_for_text(&client, "customer seems very negative").await;
    wait_for_text(&client, "suggested another card").await;
    wait_for_text(&client, "Café Nord").await;
    screenshot(&client, "20-agent-offer-packet").await;
    client.find(Locator::Css("button[id^=accept-]")).await.unwrap().click().await.unwrap();
    wait_for_text(&client, "Accepted: the conversation is yours.").await;
    let id = created["id"].as_i64().unwrap();
    let conversation = client.find(Locator::Id(&format!("conversation-{id}"))).await.unwrap();
    assert!(
        conversation.text().await.unwrap().contains("intent: card declined"),
        "the packet stays with the conversation"
    );

    fill(&client, &format!("hand-back-{id}"), "Unblocked the card for Portugal; the bot confirms with the customer")
        .await;
    client.find(Locator::Id(&format!("hand-back-button-{id}"))).await.unwrap().click().await.unwrap();
    wait_for_text(&client, "Handed back to the chatbot with your summary.").await;
    let shown: Value = app.get_json(&format!("/api/v1/escalations/{id}"), &service).await.json().await.unwrap();
    assert_eq!(shown["state"], "resolved");
    screenshot(&client, "21-agent-handed-back").await;
    client.close().await.unwrap();

    // Staff see why customers were handed over, and how honest the promised waits were.
    app.admin_token().await;
    let staff = browser(&driver, 1280, 1400).await;
    staff_login(&app, &staff, &app.admin_email, &app.admin_password, None).await;
    wait_for_text(&staff, "Waits inside the range").await;
    wait_for_text(&staff, "Why customers were handed over").await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let legend = staff
            .execute(
                "var c = window.Chart && Chart.getChart('chart-reasons'); return c ? c.data.datasets.map(function (d) { return d.label; }) : null;",
                vec![],
            )
            .await
            .unwrap();
        if legend == json!(["payment issue"]) {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the reasons chart shows payment issue: {legend}");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    screenshot(&staff, "22-staff-reasons").await;
    staff.close().await.unwrap();
}
