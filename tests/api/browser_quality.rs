//! The quality pages in a real headless Chromium (TEST_BROWSER=1): an agent finishes wrap-up
//! on the dashboard; staff score the conversation beside its transcript; the agent reads the
//! review, their tier and the decisions about them, disputes the review and asks for a human
//! review of a decision; staff answer it on /staff/quality. And a supervisor sees a raised hand
//! live on /staff, whispers, takes over and ends the conversation.

use fantoccini::Locator;
use serde_json::json;

use crate::browser::{
    browser, choose, enabled, fill, screenshot, staff_login, start_driver, submit_login, wait_for_text,
};
use crate::conversation::accept_first;
use crate::dispatch::{escalate, escalation, online_agent};
use crate::helpers::spawn_app;

#[tokio::test]
async fn an_agent_wraps_up_reads_a_review_and_contests_a_decision_that_staff_answer() {
    if !enabled() {
        return;
    }
    let app = spawn_app().await;
    let (_, agent_token) = online_agent(&app, "quality@example.com", 4, "native").await;
    let service = app.service_token("bot").await;
    let mut body = escalation("qa-1");
    body["sensitive"] = json!(true);
    let id = escalate(&app, &service, &body).await["id"].as_i64().unwrap();
    accept_first(&app, &agent_token).await;
    let path = format!("/api/v1/escalations/{id}/resolve");
    assert_eq!(app.post_json(&path, &json!({"disposition": "solved"}), Some(&agent_token)).await.status(), 200);
    let admin = app.admin_token().await;
    let card = json!({"name": "Chat", "criteria": [
        {"name": "greeting", "weight": 1, "scale": "yes_no"}, {"name": "accuracy", "weight": 3, "scale": "one_to_five"}]});
    assert_eq!(app.post_json("/api/v1/staff/scorecards", &card, Some(&admin)).await.status(), 201);
    let driver = start_driver();

    let agent = browser(&driver, 1280, 1400).await;
    submit_login(&app, &agent, "quality@example.com", "applicant-password-1").await;
    wait_for_text(&agent, "Finish wrap-up").await;
    choose(&agent, &format!("wrap-disposition-{id}"), "refund_issued").await;
    fill(&agent, &format!("wrap-notes-{id}"), "Refunded the fee").await;
    screenshot(&agent, "40-agent-wrap-up").await;
    agent.find(Locator::Id(&format!("finish-wrap-up-{id}"))).await.unwrap().click().await.unwrap();
    wait_for_text(&agent, "Wrap-up done").await;

    let staff = browser(&driver, 1400, 1400).await;
    staff_login(&app, &staff, &app.admin_email, &app.admin_password, None).await;
    wait_for_text(&staff, "Waits inside the range").await;
    staff.goto(&app.url("/staff/quality")).await.unwrap();
    wait_for_text(&staff, "Conversations to review").await;
    staff
        .find(Locator::Css(&format!("#sampled a[href='/staff/conversations/{id}']")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_text(&staff, "Score on “Chat”").await;
    choose(&staff, "score-1-2", "4").await;
    fill(&staff, "comment-1", "Clear, kind and correct.").await;
    screenshot(&staff, "41-staff-review-beside-transcript").await;
    staff.find(Locator::Id("save-review-1")).await.unwrap().click().await.unwrap();
    wait_for_text(&staff, "Reviewed:").await;
    let score = staff.find(Locator::Id("review-score")).await.unwrap().text().await.unwrap();
    assert_eq!(score, "81", "(1 × yes + 3 × (4 − 1) / 4) / 4");

    agent.goto(&app.url("/agent/quality")).await.unwrap();
    wait_for_text(&agent, "Your tier:").await;
    assert_eq!(agent.find(Locator::Id("tier-name")).await.unwrap().text().await.unwrap(), "standard");
    wait_for_text(&agent, "Clear, kind and correct.").await;
    wait_for_text(&agent, "quality sample").await;
    screenshot(&agent, "42-agent-quality").await;
    let review_id = app.get_json("/api/v1/me/reviews", &agent_token).await.json::<serde_json::Value>().await.unwrap()
        [0]["id"]
        .clone();
    fill(&agent, &format!("dispute-{review_id}"), "The customer asked for something else.").await;
    agent.find(Locator::Css(&format!("#review-{review_id} button"))).await.unwrap().click().await.unwrap();
    wait_for_text(&agent, "Your dispute is with staff").await;
    let decision = agent.find(Locator::Css("#decisions li details summary")).await.unwrap();
    decision.click().await.unwrap();
    let form_id =
        agent.find(Locator::Css("#decisions li details textarea")).await.unwrap().attr("id").await.unwrap().unwrap();
    fill(&agent, &form_id, "I did not miss anything here.").await;
    agent.find(Locator::Css("#decisions li details button")).await.unwrap().click().await.unwrap();
    wait_for_text(&agent, "A person will review the decision").await;

    staff.goto(&app.url("/staff/quality")).await.unwrap();
    wait_for_text(&staff, "I did not miss anything here.").await;
    let answer = staff.find(Locator::Css(".review-request textarea")).await.unwrap().attr("id").await.unwrap().unwrap();
    fill(&staff, &answer, "Checked: the offer was fair.").await;
    screenshot(&staff, "43-staff-answers-a-decision-review").await;
    staff.find(Locator::Css(".review-request button")).await.unwrap().click().await.unwrap();
    wait_for_text(&staff, "Answered: the agent sees the outcome").await;
    staff.close().await.unwrap();

    agent.goto(&app.url("/agent/quality")).await.unwrap();
    wait_for_text(&agent, "Checked: the offer was fair.").await;
    agent.close().await.unwrap();
}

#[tokio::test]
async fn a_supervisor_sees_a_raised_hand_live_whispers_and_takes_over() {
    if !enabled() {
        return;
    }
    let app = spawn_app().await;
    let (_, agent_token) = online_agent(&app, "helpme@example.com", 4, "native").await;
    let service = app.service_token("bot").await;
    let id = escalate(&app, &service, &escalation("sup-1")).await["id"].as_i64().unwrap();
    accept_first(&app, &agent_token).await;
    let driver = start_driver();

    let staff = browser(&driver, 1400, 1400).await;
    staff_login(&app, &staff, &app.admin_email, &app.admin_password, None).await;
    wait_for_text(&staff, "Waits inside the range").await;
    let raised = json!({"escalation_id": id, "note": "Customer threatens to close the account"});
    assert_eq!(app.post_json("/api/v1/me/help", &raised, Some(&agent_token)).await.status(), 201);
    wait_for_text(&staff, "Customer threatens to close the account").await;
    screenshot(&staff, "44-staff-raised-hand-live").await;
    staff
        .find(Locator::Css(&format!("#raised-hands a[href='/staff/conversations/{id}']")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_text(&staff, "Whisper to the agent").await;
    fill(&staff, "whisper-text", "Offer the fee waiver").await;
    staff.find(Locator::Id("send-whisper")).await.unwrap().click().await.unwrap();
    wait_for_text(&staff, "whisper (agent and staff only)").await;

    let agent = browser(&driver, 1280, 1200).await;
    submit_login(&app, &agent, "helpme@example.com", "applicant-password-1").await;
    wait_for_text(&agent, "supervisor, to you only").await;
    wait_for_text(&agent, "Offer the fee waiver").await;
    agent.close().await.unwrap();

    staff.find(Locator::Id("take-over")).await.unwrap().click().await.unwrap();
    wait_for_text(&staff, "Reply as a supervisor").await;
    fill(&staff, "supervisor-reply", "I have waived the fee for you.").await;
    staff.find(Locator::Id("send-reply")).await.unwrap().click().await.unwrap();
    wait_for_text(&staff, "I have waived the fee for you.").await;
    screenshot(&staff, "45-staff-took-over").await;
    staff.find(Locator::Id("end-conversation")).await.unwrap().click().await.unwrap();
    wait_for_text(&staff, "resolved").await;
    let state = staff.find(Locator::Id("conversation-state")).await.unwrap().text().await.unwrap();
    assert_eq!(state, "resolved");
    staff.close().await.unwrap();
}
