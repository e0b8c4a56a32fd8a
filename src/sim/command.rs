//! The command line of the simulator: read and check a scenario, run it with a progress bar
//! (none with `--json`), print a table or JSON.

use std::path::Path;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};

use super::{Policy, Report, Scenario, simulate};

pub fn load(path: &Path) -> anyhow::Result<Scenario> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let scenario: Scenario =
        serde_json::from_str(&text).with_context(|| format!("{} is not a valid scenario", path.display()))?;
    scenario.check().map_err(|problems| anyhow::anyhow!("{}: {}", path.display(), problems.join("; ")))?;
    Ok(scenario)
}

pub fn run(path: &Path, policy: Policy, seed: Option<u64>, json: bool) -> anyhow::Result<()> {
    let scenario = load(path)?;
    let seed = seed.unwrap_or(scenario.seed);
    let started = std::time::Instant::now();
    let report = if json {
        simulate(&scenario, policy, seed, &mut |_| {})
    } else {
        let bar = ProgressBar::new(1000).with_style(
            ProgressStyle::with_template("{spinner} simulating {bar:40} {percent}% of simulated time ({elapsed})")
                .context("progress bar template")?,
        );
        let report = simulate(&scenario, policy, seed, &mut |f| bar.set_position((f * 1000.0) as u64));
        bar.finish_and_clear();
        report
    };
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", table(&report));
        println!("(simulated in {:.2} s)", started.elapsed().as_secs_f64());
    }
    Ok(())
}

/// The report for people.
pub fn table(r: &Report) -> String {
    let mut out = format!("policy {}  seed {}\n", r.policy, r.seed);
    let rows = [
        ("escalations", r.escalations.to_string()),
        ("handled", r.handled.to_string()),
        ("abandoned", r.abandoned.to_string()),
        ("waited at all", format!("{:.1} %", r.p_wait * 100.0)),
        (
            "wait s mean / p50 / p90 / p95 / p99",
            format!(
                "{:.1} / {:.1} / {:.1} / {:.1} / {:.1}",
                r.wait_s.mean, r.wait_s.p50, r.wait_s.p90, r.wait_s.p95, r.wait_s.p99
            ),
        ),
        ("utilisation", format!("{:.1} %", r.utilization * 100.0)),
        ("ETA abs error s mean / p90", format!("{:.1} / {:.1}", r.eta_abs_error_s.mean, r.eta_abs_error_s.p90)),
        ("ETA relative error mean (per customer)", format!("{:.1} %", r.eta_rel_error_mean * 100.0)),
        (
            "ETA abs error / mean wait (floor)",
            format!("{:.1} % ({:.1} %)", r.eta_error_share_of_wait * 100.0, r.eta_floor_share_of_wait * 100.0),
        ),
        (
            "80 % range coverage (customers quoted a wait)",
            format!("{:.1} % of {}", r.eta_range_coverage * 100.0, r.quoted_a_wait),
        ),
        ("language match", format!("{:.1} %", r.language_match_rate * 100.0)),
        ("offers per handled", format!("{:.2}", r.offers_per_handled)),
        ("engaged-time Gini (within groups)", format!("{:.3}", r.fairness.engaged_time_gini)),
    ];
    for (label, value) in rows {
        out.push_str(&format!("  {label:<38} {value}\n"));
    }
    if let Some(t) = &r.target {
        out.push_str(&format!(
            "  {:<38} {} ({:.1} % within {:.0} s against {:.0} %, {:.1} % left against {:.1} %)\n",
            "service target",
            if t.met { "met" } else { "MISSED" },
            t.reached * 100.0,
            t.within_s,
            t.share * 100.0,
            t.abandoned * 100.0,
            t.max_abandon * 100.0
        ));
        let short: Vec<String> =
            t.hours_short.iter().map(|h| format!("{h:02}h ({})", t.required_by_hour[*h])).collect();
        out.push_str(&format!(
            "  {:<38} {} hold {} conversations; Erlang A asks for more at {}\n",
            "roster against Erlang A",
            "agents online all run",
            t.online_capacity,
            if short.is_empty() { "no hour".to_string() } else { short.join(", ") }
        ));
    }
    for g in &r.utilization_by_group {
        out.push_str(&format!(
            "  {:<38} {:.1} % utilisation, Gini {:.3}, {} agents\n",
            g.group,
            g.utilization * 100.0,
            g.engaged_time_gini,
            g.agents
        ));
    }
    out
}
