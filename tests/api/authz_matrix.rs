//! The authorisation matrix: every endpoint × every kind of caller. A row lists who may pass
//! (their answer is anything but 401/403, and never a 5xx: a dummy body may still be refused
//! with 400/404/409/422); everyone else must get 401 (no credentials) or 403 (wrong role or not
//! theirs). The table must name every path of the OpenAPI document, so a new endpoint without
//! a row fails here.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use reqwest::Method;
use serde_json::{Value, json};

use crate::dispatch::{escalate, escalation, offers_of, online_agent};
use crate::helpers::{TestApp, spawn_app};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Caller {
    Nobody,
    /// The agent the test's escalation and offer belong to.
    Agent,
    /// An approved agent with no part in them.
    OtherAgent,
    Staff,
    Admin,
    /// The chatbot platform that raised the escalation.
    Service,
}

use Caller::*;

const EVERYONE: &[Caller] = &[Nobody, Agent, OtherAgent, Staff, Admin, Service];
const PEOPLE: &[Caller] = &[Agent, OtherAgent, Staff, Admin];
const AGENTS: &[Caller] = &[Agent, OtherAgent];
const STAFF: &[Caller] = &[Staff, Admin];
const ADMIN: &[Caller] = &[Admin];
const SERVICE: &[Caller] = &[Service];
/// Only the agent the resource belongs to (the other agent is refused).
const OWNER_AGENT: &[Caller] = &[Agent];
/// The assigned agent and the platform that raised it, and staff.
const PARTIES_AND_STAFF: &[Caller] = &[Agent, Service, Staff, Admin];
/// The platform and staff (not agents).
const SERVICE_AND_STAFF: &[Caller] = &[Service, Staff, Admin];

/// One endpoint: method, path (`{esc}`, `{offer}`, `{agent}` are filled in), body, who passes.
struct Row {
    method: Method,
    path: &'static str,
    body: Option<Value>,
    allowed: &'static [Caller],
    /// A public endpoint that judges only the credentials in its body: 401 for bad ones,
    /// whoever calls, and never a 403.
    credentials_only: bool,
}

fn row(method: Method, path: &'static str, body: Option<Value>, allowed: &'static [Caller]) -> Row {
    Row { method, path, body, allowed, credentials_only: false }
}

/// In order: callers who must be refused go first, so an allowed caller's change (a resolve,
/// a cancel) never turns a later refusal into a 409.
fn rows() -> Vec<Row> {
    let get = Method::GET;
    let post = Method::POST;
    let put = Method::PUT;
    let patch = Method::PATCH;
    let empty = || Some(json!({}));
    vec![
        // These two check the credentials in their body: the real admin's login succeeds for any
        // caller, a made-up refresh token is a 401 for anyone (`CREDENTIALS`), never a 403.
        row(
            post.clone(),
            "/api/v1/auth/login",
            Some(json!({"email": "{admin_email}", "password": "{admin_password}"})),
            EVERYONE,
        ),
        Row {
            credentials_only: true,
            ..row(post.clone(), "/api/v1/auth/refresh", Some(json!({"refresh_token": "x"})), &[])
        },
        // A second-factor code completes a challenge, which is the credential.
        Row {
            credentials_only: true,
            ..row(post.clone(), "/api/v1/auth/mfa", Some(json!({"challenge": "x", "code": "123456"})), &[])
        },
        Row {
            credentials_only: true,
            ..row(post.clone(), "/api/v1/auth/mfa/enrolment", Some(json!({"challenge": "x"})), &[])
        },
        // Before the agent starts an enrolment below: a reset would end the agent's logins.
        row(Method::DELETE, "/api/v1/admin/users/{agent}/mfa", None, ADMIN),
        row(get.clone(), "/api/v1/me/mfa", None, PEOPLE),
        row(post.clone(), "/api/v1/me/mfa", None, PEOPLE),
        row(post.clone(), "/api/v1/me/mfa/confirm", Some(json!({"code": "000000"})), PEOPLE),
        row(post.clone(), "/api/v1/me/mfa/recovery-codes", Some(json!({"code": "000000"})), PEOPLE),
        // Staff must keep their second factor; agents may remove theirs.
        row(post.clone(), "/api/v1/me/mfa/remove", Some(json!({"code": "000000"})), AGENTS),
        // Probes and metrics are public (unless HANDOFF_METRICS_TOKEN is set; SECURITY.md).
        row(get.clone(), "/healthz", None, EVERYONE),
        row(get.clone(), "/readyz", None, EVERYONE),
        row(get.clone(), "/metrics", None, EVERYONE),
        // Anyone may ask for a reset link or spend one (the link is the credential).
        row(post.clone(), "/api/v1/auth/password-reset", Some(json!({"email": "x@example.com"})), EVERYONE),
        row(
            post.clone(),
            "/api/v1/auth/password-reset/complete",
            Some(json!({"token": "not-a-token", "new_password": "long enough password"})),
            EVERYONE,
        ),
        row(post.clone(), "/api/v1/me/password", empty(), PEOPLE),
        row(post.clone(), "/api/v1/agents", empty(), EVERYONE),
        row(post.clone(), "/api/v1/agents/verify", Some(json!({"token": "not-a-token"})), EVERYONE),
        row(post.clone(), "/api/v1/agents/verify/resend", Some(json!({"email": "x@example.com"})), EVERYONE),
        row(post.clone(), "/api/v1/admin/staff", empty(), ADMIN),
        row(post.clone(), "/api/v1/admin/service-accounts", empty(), ADMIN),
        row(get.clone(), "/api/v1/admin/security-events", None, ADMIN),
        row(get.clone(), "/api/v1/me", None, AGENTS),
        row(patch.clone(), "/api/v1/me", empty(), AGENTS),
        row(get.clone(), "/api/v1/me/availability", None, AGENTS),
        row(put.clone(), "/api/v1/me/availability", empty(), AGENTS),
        row(post.clone(), "/api/v1/me/heartbeat", empty(), AGENTS),
        row(put.clone(), "/api/v1/me/capacity", empty(), AGENTS),
        row(get.clone(), "/api/v1/me/rates", None, AGENTS),
        row(put.clone(), "/api/v1/me/rates", empty(), AGENTS),
        row(get.clone(), "/api/v1/me/offers", None, AGENTS),
        row(get.clone(), "/api/v1/me/export", None, AGENTS),
        row(get.clone(), "/api/v1/me/escalations", None, AGENTS),
        row(get.clone(), "/api/v1/me/events", None, AGENTS),
        row(get.clone(), "/api/v1/me/statement.csv?from=2026-11-01&to=2026-11-30", None, AGENTS),
        // Naming another agent's statement is refused, naming your own is fine.
        row(get.clone(), "/api/v1/me/statement.csv?from=2026-11-01&to=2026-11-30&agent_id={agent}", None, OWNER_AGENT),
        row(get.clone(), "/api/v1/staff/recruits", None, STAFF),
        row(get.clone(), "/api/v1/staff/recruits/{agent}", None, STAFF),
        row(post.clone(), "/api/v1/staff/recruits/{agent}/approve", empty(), STAFF),
        row(post.clone(), "/api/v1/staff/recruits/{agent}/reject", empty(), STAFF),
        row(post.clone(), "/api/v1/staff/agents/{agent}/certifications", empty(), STAFF),
        row(get.clone(), "/api/v1/staff/skills", None, STAFF),
        row(post.clone(), "/api/v1/staff/skills", empty(), ADMIN),
        row(get.clone(), "/api/v1/staff/regions", None, ADMIN),
        row(put.clone(), "/api/v1/staff/regions", empty(), ADMIN),
        row(get.clone(), "/api/v1/staff/pay-bands", None, ADMIN),
        row(put.clone(), "/api/v1/staff/pay-bands", empty(), ADMIN),
        row(get.clone(), "/api/v1/staff/agents", None, STAFF),
        row(get.clone(), "/api/v1/staff/matching", None, ADMIN),
        row(put.clone(), "/api/v1/staff/matching", empty(), ADMIN),
        row(get.clone(), "/api/v1/staff/redaction-patterns", None, ADMIN),
        row(put.clone(), "/api/v1/staff/redaction-patterns", Some(json!({"patterns": []})), ADMIN),
        // A platform's erasure and access requests reach only its own customers.
        row(get.clone(), "/api/v1/customers/someone/export", None, SERVICE),
        row(Method::DELETE, "/api/v1/customers/someone", None, SERVICE),
        row(get.clone(), "/api/v1/staff/webhooks", None, STAFF),
        row(get.clone(), "/api/v1/staff/escalations/first-reply-overdue", None, STAFF),
        row(get.clone(), "/api/v1/staff/payroll.csv?from=2026-11-01&to=2026-11-30", None, STAFF),
        row(get.clone(), "/api/v1/staff/queue", None, STAFF),
        row(get.clone(), "/api/v1/staff/metrics", None, STAFF),
        row(post.clone(), "/api/v1/escalations", empty(), SERVICE),
        row(get.clone(), "/api/v1/escalations/{esc}", None, PARTIES_AND_STAFF),
        row(get.clone(), "/api/v1/escalations/{esc}/messages", None, PARTIES_AND_STAFF),
        // Staff write to the customer only in a conversation they took over (409 here, not 403).
        row(post.clone(), "/api/v1/escalations/{esc}/messages", Some(json!({"text": "Hello"})), PARTIES_AND_STAFF),
        row(post.clone(), "/api/v1/escalations/{esc}/rating", empty(), SERVICE),
        row(post.clone(), "/api/v1/offers/{offer}/decline", empty(), OWNER_AGENT),
        row(post.clone(), "/api/v1/offers/{offer}/accept", empty(), OWNER_AGENT),
        row(post.clone(), "/api/v1/escalations/{esc}/resolve", Some(json!({"disposition": "solved"})), OWNER_AGENT),
        row(
            post.clone(),
            "/api/v1/escalations/{esc}/transfer",
            Some(json!({"required_skills": [], "note": "n"})),
            OWNER_AGENT,
        ),
        row(get.clone(), "/api/v1/quote?language=sv&market=SE", None, SERVICE),
        row(get.clone(), "/api/v1/eta/accuracy", None, SERVICE_AND_STAFF),
        row(post.clone(), "/api/v1/escalations/{esc}/callback", None, SERVICE),
        row(post.clone(), "/api/v1/escalations/{esc}/cancel", None, SERVICE),
        row(put.clone(), "/api/v1/me/presence", Some(json!({"status": "away"})), AGENTS),
        row(get.clone(), "/api/v1/staff/coverage", None, STAFF),
        row(post.clone(), "/api/v1/staff/coverage/forecast", None, STAFF),
        row(get.clone(), "/api/v1/staff/service-target", None, STAFF),
        row(put.clone(), "/api/v1/staff/service-target", empty(), ADMIN),
        row(post.clone(), "/api/v1/staff/slots/publish", None, STAFF),
        row(get.clone(), "/api/v1/staff/boosts", None, STAFF),
        row(post.clone(), "/api/v1/staff/boosts", empty(), STAFF),
        row(get.clone(), "/api/v1/me/slots", None, AGENTS),
        row(get.clone(), "/api/v1/me/outlook", None, AGENTS),
        row(get.clone(), "/api/v1/me/boost-alerts", None, AGENTS),
        row(put.clone(), "/api/v1/me/boost-alerts", Some(json!({"dashboard": false, "email": false})), AGENTS),
        row(post.clone(), "/api/v1/me/slots/{slot}/book", None, AGENTS),
        row(post.clone(), "/api/v1/me/slots/{slot}/release", None, AGENTS),
        row(post.clone(), "/api/v1/escalations/{esc}/wrap-up", Some(json!({"disposition": "solved"})), OWNER_AGENT),
        row(get.clone(), "/api/v1/staff/quality-settings", None, STAFF),
        row(put.clone(), "/api/v1/staff/quality-settings", empty(), ADMIN),
        row(get.clone(), "/api/v1/staff/scorecards", None, STAFF),
        row(post.clone(), "/api/v1/staff/scorecards", empty(), STAFF),
        row(post.clone(), "/api/v1/staff/reviews", empty(), STAFF),
        row(get.clone(), "/api/v1/staff/reviews/queue", None, STAFF),
        row(
            post.clone(),
            "/api/v1/staff/reviews/{missing}/dispute",
            Some(json!({"outcome": "upheld", "answer": "a"})),
            STAFF,
        ),
        row(get.clone(), "/api/v1/me/reviews", None, AGENTS),
        row(post.clone(), "/api/v1/me/reviews/{missing}/dispute", Some(json!({"reason": "r"})), AGENTS),
        row(get.clone(), "/api/v1/me/tier", None, AGENTS),
        row(post.clone(), "/api/v1/staff/tiers/recompute", None, STAFF),
        row(get.clone(), "/api/v1/me/decisions", None, AGENTS),
        row(post.clone(), "/api/v1/me/decisions/{decision}/review", Some(json!({"reason": "r"})), AGENTS),
        row(get.clone(), "/api/v1/staff/reviews-requested", None, STAFF),
        row(
            post.clone(),
            "/api/v1/staff/reviews-requested/{missing}/answer",
            Some(json!({"outcome": "upheld", "answer": "a"})),
            STAFF,
        ),
        row(post.clone(), "/api/v1/staff/escalations/{esc}/whisper", Some(json!({"text": "psst"})), STAFF),
        // Take-over, end and transfer are checked on an escalation that does not exist (404 for
        // staff): taking the world's over would change the rows after this one.
        row(post.clone(), "/api/v1/staff/escalations/{missing}/take-over", None, STAFF),
        row(post.clone(), "/api/v1/staff/escalations/{missing}/end", Some(json!({"disposition": "solved"})), STAFF),
        row(
            post.clone(),
            "/api/v1/staff/escalations/{missing}/transfer",
            Some(json!({"required_skills": [], "note": "n"})),
            STAFF,
        ),
        row(post.clone(), "/api/v1/me/help", Some(json!({"note": "help"})), AGENTS),
        row(get.clone(), "/api/v1/staff/help", None, STAFF),
        row(post.clone(), "/api/v1/staff/help/{missing}/answer", None, STAFF),
        row(post.clone(), "/api/v1/staff/agents/{agent}/reinstate", empty(), STAFF),
        row(post.clone(), "/api/v1/staff/agents/{agent}/suspend", empty(), STAFF),
        // Deleting an account is checked on an agent that does not exist (404 for staff): the
        // world's agent must keep working for the rows after this one.
        row(post.clone(), "/api/v1/staff/agents/{missing}/anonymise", None, STAFF),
        // Logging out comes last: each person's token stops working at once.
        row(post.clone(), "/api/v1/auth/logout", empty(), PEOPLE),
    ]
}

/// The test's world: an escalation assigned to `Agent`, a pending offer to them, and the
/// tokens of every caller.
struct World {
    tokens: Vec<(Caller, Option<String>)>,
    agent_id: i64,
    escalation_id: i64,
    offer_id: i64,
}

async fn world(app: &TestApp) -> World {
    let (agent_id, agent) = online_agent(app, "owner@example.com", 5, "native").await;
    let capacity =
        app.client.put(app.url("/api/v1/me/capacity")).bearer_auth(&agent).json(&json!({"max_concurrent": 2}));
    assert_eq!(capacity.send().await.unwrap().status(), 200);
    let service = app.service_token("bot").await;
    let assigned = escalate(app, &service, &escalation("assigned-one")).await;
    let first_offer = offers_of(app, &agent).await[0]["id"].clone();
    let accepted = app.post_json(&format!("/api/v1/offers/{first_offer}/accept"), &json!({}), Some(&agent)).await;
    assert_eq!(accepted.status(), 200);
    escalate(app, &service, &escalation("offered-one")).await;
    let pending = offers_of(app, &agent).await;
    assert_eq!(pending.len(), 1, "the agent has room for a second conversation");
    // The other agent arrives after both were placed, so neither is theirs.
    let (_, other) = online_agent(app, "other@example.com", 5, "native").await;
    let staff = app.staff_token("staff@example.com", "staff").await;
    let admin = app.admin_token().await;
    World {
        tokens: vec![
            (Nobody, None),
            (OtherAgent, Some(other)),
            (Service, Some(service)),
            (Staff, Some(staff)),
            (Admin, Some(admin)),
            (Agent, Some(agent)),
        ],
        agent_id,
        escalation_id: assigned["id"].as_i64().unwrap(),
        offer_id: pending[0]["id"].as_i64().unwrap(),
    }
}

fn fill(path: &str, w: &World) -> String {
    path.replace("{esc}", &w.escalation_id.to_string())
        .replace("{offer}", &w.offer_id.to_string())
        .replace("{agent}", &w.agent_id.to_string())
        .replace("{missing}", "999999")
        // No slot exists in the matrix's world: allowed callers get a 404.
        .replace("{slot}", "999999")
        .replace("{decision}", "decision-999999")
}

#[tokio::test]
async fn every_endpoint_answers_each_kind_of_caller_as_the_matrix_says() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let table = rows();
    let mut wrong = String::new();
    for r in &table {
        let url = app.url(&fill(r.path, &w));
        // Refused callers first (see `rows`), allowed ones after.
        let mut order: Vec<&(Caller, Option<String>)> = w.tokens.iter().collect();
        order.sort_by_key(|(caller, _)| r.allowed.contains(caller));
        for (caller, token) in order {
            let mut request = app.client.request(r.method.clone(), &url);
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            if let Some(body) = &r.body {
                let filled = body.to_string().replace("{admin_email}", &app.admin_email);
                let filled = filled.replace("{admin_password}", &app.admin_password);
                request = request.header("Content-Type", "application/json").body(filled);
            }
            let status = request.send().await.unwrap().status().as_u16();
            let expected = if r.allowed.contains(caller) {
                "allowed"
            } else if *caller == Nobody {
                "401"
            } else {
                "403"
            };
            let fine = match expected {
                _ if r.credentials_only => status == 401,
                "allowed" => status != 401 && status != 403 && status < 500,
                "401" => status == 401,
                // Another agent's offer is "not found" for them (see SECURITY.md).
                _ => status == 403 || (status == 404 && r.path.contains("{offer}")),
            };
            if !fine {
                let _ = writeln!(wrong, "{} {} as {caller:?}: {status}, expected {expected}", r.method, r.path);
            }
        }
    }
    assert!(wrong.is_empty(), "answers that break the matrix:\n{wrong}");

    // Every documented endpoint has a row.
    let spec: Value = app.client.get(app.url("/api/openapi.json")).send().await.unwrap().json().await.unwrap();
    let documented: BTreeSet<String> = spec["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| item.as_object().unwrap().keys().map(move |m| format!("{} {path}", m.to_uppercase())))
        .collect();
    let covered: BTreeSet<String> = table
        .iter()
        .map(|r| {
            let path = r
                .path
                .split('?')
                .next()
                .unwrap()
                .replace("{esc}", "{id}")
                .replace("{offer}", "{id}")
                .replace("/customers/someone", "/customers/{customer_ref}");
            format!(
                "{} {}",
                r.method,
                path.replace("{agent}", "{id}")
                    .replace("{missing}", "{id}")
                    .replace("{slot}", "{id}")
                    .replace("{decision}", "{id}")
            )
        })
        .collect();
    let missing: Vec<&String> = documented.difference(&covered).collect();
    assert!(missing.is_empty(), "endpoints without a row in the matrix: {missing:?}");
}
