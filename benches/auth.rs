//! Costs on every login and every authenticated request: the argon2id hash (paid per login,
//! deliberately slow) and the JWT check (paid per request, must be cheap).
//! Run with `cargo bench --bench auth`; results are recorded in BENCHMARKS.md.

use std::hint::black_box;

use chrono::Utc;
use criterion::{Criterion, criterion_group, criterion_main};
use handoff::auth::{Role, password, tokens};

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

criterion_group!(benches, password_hashing, access_tokens);
criterion_main!(benches);
