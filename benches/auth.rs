//! Costs on every login and every authenticated request: the argon2id hash (paid per login,
//! deliberately slow), the JWT check and the revocation check (paid per request, must be cheap).
//! Run with `cargo bench --bench auth`; results are recorded in BENCHMARKS.md.

use std::hint::black_box;

use chrono::Utc;
use criterion::{Criterion, criterion_group, criterion_main};
use handoff::auth::{Role, password, revocation, tokens};
use handoff::ids::UserId;

fn password_hashing(c: &mut Criterion) {
    let hash = password::hash_password("correct horse battery staple").unwrap();
    let mut group = c.benchmark_group("argon2id");
    group.sample_size(20);
    group.bench_function("verify (one login)", |b| {
        b.iter(|| password::verify_password(black_box("correct horse battery staple"), black_box(&hash)))
    });
    group.finish();
}

fn access_tokens(c: &mut Criterion) {
    let keys = tokens::JwtKeys::new(b"0123456789abcdef0123456789abcdef0123456789");
    let token = keys.issue(handoff::ids::UserId(42), Role::Agent, "session", Utc::now(), 900).unwrap();
    c.bench_function("jwt verify (one request)", |b| b.iter(|| keys.verify(black_box(&token))));
    c.bench_function("jwt issue", |b| {
        b.iter(|| keys.issue(handoff::ids::UserId(42), Role::Agent, "session", Utc::now(), 900))
    });
}

/// What revocation adds to every request: the login looked up in memory (10,000 logins known).
fn revocation_check(c: &mut Criterion) {
    let known = revocation::KnownSessions::default();
    let revocations = known.revocations();
    let sessions: Vec<String> = (0..10_000).map(|_| tokens::random_token()).collect();
    for (user, session) in sessions.iter().enumerate() {
        known.remember(UserId(user as i64), session, true, revocations);
    }
    let (user, session) = (UserId(4_242), sessions[4_242].clone());
    c.bench_function("revocation check from memory (one request)", |b| {
        b.iter(|| known.get(black_box(user), black_box(&session)))
    });
}

criterion_group!(benches, password_hashing, access_tokens, revocation_check);
criterion_main!(benches);
