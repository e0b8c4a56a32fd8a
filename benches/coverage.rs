//! Coverage's numbers: the Erlang A requirement for 14 days × 48 intervals × 50 queues (target
//! ≤ 1 s), beside the same grid searched from one agent up (the baseline: no lower bound from
//! the served work); and one queue's MSTL forecast from eight weeks of history.
//! Run with `cargo bench --bench coverage`; results are recorded in BENCHMARKS.md.

use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use handoff::coverage::erlang_a::{Target, performance};
use handoff::coverage::forecast::{self, DAY, WEEK};
use handoff::coverage::requirement::{QueueModel, required_grid};

const QUEUES: usize = 50;
const INTERVALS: usize = 14 * DAY;

/// 50 queues from 1 to ~240 customers per busy half hour (sizes spread exponentially), on a
/// daily curve with a weekend dip.
fn queues() -> Vec<QueueModel> {
    (0..QUEUES)
        .map(|q| {
            let size = 1.0 + 7.0 * (q as f64 * 0.37).exp() / (QUEUES as f64 * 0.37).exp() * 50.0;
            let arrivals = (0..INTERVALS)
                .map(|i| {
                    let hour = (i % DAY) as f64 / 2.0;
                    let weekend = if (i / DAY) % 7 >= 5 { 0.5 } else { 1.0 };
                    size * weekend * (0.1 + (-((hour - 13.0) / 4.0_f64).powi(2)).exp())
                })
                .collect();
            QueueModel {
                arrivals_per_interval: arrivals,
                service_s: 308.0 + q as f64,
                patience_s: 600.0,
                accept_s: 8.0,
            }
        })
        .collect()
}

/// The same requirement found by trying 1, 2, 3, … agents with the closed forms.
fn naive_grid(queues: &[QueueModel], target: &Target) -> Vec<Vec<u32>> {
    queues
        .iter()
        .map(|q| {
            (0..q.arrivals_per_interval.len())
                .map(|i| {
                    let queue = q.queue(i);
                    (0..100_000)
                        .find(|n| {
                            let p = performance(&queue, *n, target.within_s);
                            p.within_target >= target.share && p.abandons <= target.max_abandon
                        })
                        .unwrap_or(100_000)
                })
                .collect()
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let queues = queues();
    let target = Target { share: 0.8, within_s: 60.0, max_abandon: 0.03 };
    let peak: u32 =
        required_grid(&queues, &target).iter().map(|q| q.iter().copied().max().unwrap_or(0)).max().unwrap_or(0);
    let started = Instant::now();
    let grid = required_grid(&queues, &target);
    let once = started.elapsed();
    let started = Instant::now();
    let naive = naive_grid(&queues, &target);
    let naive_once = started.elapsed();
    assert_eq!(grid, naive, "both searches find the same requirement");
    println!(
        "requirement for {} intervals × {QUEUES} queues (busiest needs {peak} agents): {:.1} ms; searched from one agent: {:.1} ms",
        INTERVALS,
        once.as_secs_f64() * 1e3,
        naive_once.as_secs_f64() * 1e3
    );
    let mut group = c.benchmark_group("coverage");
    group.sample_size(10);
    group.bench_function("required_grid_14d_x48_x50", |b| b.iter(|| required_grid(&queues, &target)));
    group.bench_function("baseline_search_from_one_agent", |b| b.iter(|| naive_grid(&queues, &target)));
    let history: Vec<f64> = (0..8 * WEEK).map(|i| queues[30].arrivals_per_interval[i % INTERVALS].round()).collect();
    group
        .bench_function("mstl_forecast_8_weeks_one_queue", |b| b.iter(|| forecast::arrivals(&history, INTERVALS, 0.0)));
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
