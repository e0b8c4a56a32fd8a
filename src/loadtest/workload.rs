//! What the load test sends: by default a realistic escalation (a 20-line transcript, spread
//! over several queues of language and skill, as a chatbot platform would send), or with
//! `--minimal` the one-queue, no-transcript body of earlier runs (for comparison).

use chrono::Utc;
use serde_json::{Value, json};

/// The queues escalations go to, round robin: (language, required skill). Seeded agents cover
/// all of them (see `seed`), with overlap, as real rosters do.
pub const QUEUES: [(&str, &str); 4] = [("sv", "payments"), ("en", "refunds"), ("de", "disputes"), ("fi", "payments")];
/// Lines in a realistic transcript.
const TRANSCRIPT_LINES: usize = 20;

/// The body of escalation `n`, labelled `label` (its summary: the offer carries it back).
pub fn escalation(n: u64, label: &str, realistic: bool) -> Value {
    if !realistic {
        return json!({
            "external_id": label, "language": "sv", "market": "SE", "required_skills": ["payments"],
            "priority": "normal", "sensitive": false, "reason": "customer_request", "summary": label,
        });
    }
    let (language, skill) = QUEUES[(n % QUEUES.len() as u64) as usize];
    let now = Utc::now();
    let transcript: Vec<Value> = (0..TRANSCRIPT_LINES)
        .map(|line| {
            let (from, text) = if line % 2 == 0 {
                (
                    "customer",
                    format!("My card payment for order {n}-{line} was declined twice and I was still charged."),
                )
            } else {
                ("bot", "I'm sorry to hear that. Could you tell me the date and the amount of the payment?".to_string())
            };
            json!({"from": from, "text": text, "at": now})
        })
        .collect();
    json!({
        "external_id": label, "language": language, "market": "SE", "required_skills": [skill],
        "priority": if n % 10 == 0 { "high" } else { "normal" }, "sensitive": false,
        "reason": "customer_request", "summary": label, "transcript": transcript,
    })
}
