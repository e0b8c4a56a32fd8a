//! Ranking cost at 1k, 10k and 100k online agents: the engine's two-pass `best` against a naive
//! baseline that scores everyone, sorts, and takes the first eligible; and `best_indexed`, the
//! same ranking behind the language/skill pre-filter. Also prints the p99 of both over 2,000
//! runs at each size (the target is p99 ≤ 1 ms at 100k). The agent generator is unchanged from
//! before the pre-filter, so the pre-filter cannot be flattered by the data.
//! Run with `cargo bench --bench matching`; results are recorded in BENCHMARKS.md.

use std::hint::black_box;
use std::sync::Arc;
use std::time::Instant;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use handoff::ids::AgentId;
use handoff::matching::{Candidate, CandidateIndex, Level, Needs, Point, Rules, Weights, best, best_indexed, check};

/// A small deterministic generator, so every run ranks the same agents.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.0 >> 33
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const LANGUAGES: [&str; 6] = ["sv", "en", "de", "fi", "no", "da"];
const SKILLS: [&str; 6] = ["payments", "refunds", "disputes", "fraud", "merchant_support", "technical_support"];
const REGIONS: [&str; 3] = ["nordics", "western_europe", "british_isles"];

fn agents(count: usize) -> Vec<Candidate> {
    let mut rng = Lcg(42);
    (0..count)
        .map(|i| {
            let levels = [Level::Conversational, Level::Fluent, Level::Native];
            let languages =
                (0..2).map(|_| (LANGUAGES[rng.below(6) as usize].to_string(), levels[rng.below(3) as usize])).collect();
            let skills = (0..3).map(|_| (SKILLS[rng.below(6) as usize].to_string(), 1 + rng.below(5) as u8)).collect();
            Candidate {
                agent_id: AgentId(i as i64 + 1),
                available: rng.below(10) > 0,
                languages,
                skills,
                certifications: if rng.below(4) == 0 { vec!["fraud".into()].into() } else { vec![].into() },
                region: Some(REGIONS[rng.below(3) as usize].to_string()),
                location: Point { lat: 50.0 + rng.below(1500) as f64 / 100.0, lon: rng.below(2500) as f64 / 100.0 },
                max_concurrent: 1 + rng.below(3) as u32,
                active_conversations: rng.below(2) as u32,
                pending_offers: 0,
                rating_sum: rng.below(200) as f64,
                rating_count: rng.below(50) as u32,
                idle_seconds: rng.below(3000),
                engaged_minutes: rng.below(600) as f64,
                hourly_rate_minor: 15000 + rng.below(15000) as i64,
                currency: "SEK".into(),
                passed_on_this: false,
                learned: Arc::from([]),
                sensitive_priority: false,
            }
        })
        .collect()
}

fn needs() -> Needs {
    Needs {
        language: "sv".into(),
        required_skills: vec!["payments".into()],
        sensitive: false,
        location: Some(Point { lat: 59.33, lon: 18.07 }),
    }
}

fn rules() -> Rules {
    Rules {
        certified_skills: vec!["fraud".into()],
        allowed_regions: Some(vec!["nordics".into(), "western_europe".into()]),
        ..Rules::default()
    }
}

/// The naive way: rank everyone (full sort of all candidates), then take the first eligible.
fn naive_best(needs: &Needs, candidates: &[Candidate], rules: &Rules, weights: &Weights) -> Option<AgentId> {
    let everyone_eligible = Rules { allowed_regions: None, ..rules.clone() };
    let mut all: Vec<Candidate> = candidates.to_vec();
    for c in &mut all {
        c.available = true;
        c.max_concurrent = c.max_concurrent.max(c.active_conversations + 1);
    }
    let mut scored = handoff::matching::rank(
        &Needs { language: needs.language.clone(), ..needs.clone() },
        &all,
        &Rules { language_floor: Level::Conversational, proficiency_floor: 0, ..everyone_eligible },
        weights,
    );
    scored.sort_by(|a, b| b.score.total_cmp(&a.score));
    scored.into_iter().map(|r| r.agent_id).find(|id| check(needs, &candidates[(id.0 - 1) as usize], rules).is_ok())
}

/// p99 of one ranking over 2,000 runs: `best` over everyone, or `best_indexed` over the
/// pre-filter's shortlist (the index is built once per pool, as the dispatcher does per pass).
fn p99_of_best(candidates: &[Candidate], index: Option<&CandidateIndex>) -> f64 {
    let (needs, rules, weights) = (needs(), rules(), Weights::default());
    let mut samples: Vec<f64> = (0..2000)
        .map(|_| {
            let started = Instant::now();
            match index {
                Some(index) => black_box(best_indexed(&needs, candidates, index, &rules, &weights)),
                None => black_box(best(&needs, candidates, &rules, &weights)),
            };
            started.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    samples.sort_by(f64::total_cmp);
    samples[(samples.len() * 99) / 100]
}

fn ranking(c: &mut Criterion) {
    let mut group = c.benchmark_group("rank");
    group.sample_size(20);
    let (needs, rules, weights) = (needs(), rules(), Weights::default());
    for size in [1_000usize, 10_000, 100_000] {
        let candidates = agents(size);
        group.bench_with_input(BenchmarkId::new("engine best", size), &candidates, |b, cs| {
            b.iter(|| best(&needs, cs, &rules, &weights))
        });
        let index = CandidateIndex::build(&candidates);
        group.bench_with_input(BenchmarkId::new("engine best, pre-filtered", size), &candidates, |b, cs| {
            b.iter(|| best_indexed(&needs, cs, &index, &rules, &weights))
        });
        group.bench_with_input(BenchmarkId::new("naive full sort", size), &candidates, |b, cs| {
            b.iter(|| naive_best(&needs, cs, &rules, &weights))
        });
        let built = Instant::now();
        black_box(CandidateIndex::build(&candidates));
        let build_ms = built.elapsed().as_secs_f64() * 1000.0;
        eprintln!(
            "at {size} agents: p99 of engine best {:.3} ms, pre-filtered {:.3} ms (index built in {build_ms:.1} ms)",
            p99_of_best(&candidates, None),
            p99_of_best(&candidates, Some(&index)),
        );
    }
    group.finish();
}

criterion_group!(benches, ranking);
criterion_main!(benches);
