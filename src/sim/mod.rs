//! `handoff simulate`: a discrete-event simulation in virtual time of a scenario (agents,
//! arrivals, handle times, patience) under a dispatch policy, using the same src/matching code
//! as the server. Deterministic for a seed; a simulated day of 50,000 escalations takes seconds.

pub mod command;
pub mod policy;
pub mod random;
pub mod report;
pub mod scenario;
pub mod target;
pub mod world;

#[cfg(test)]
mod boost_tests;
#[cfg(test)]
mod erlang_tests;
#[cfg(test)]
mod quality_tests;

pub use policy::Policy;
pub use report::Report;
pub use scenario::Scenario;

/// Runs `scenario` under `policy`; `progress(fraction of simulated time)` as it goes.
pub fn simulate(scenario: &Scenario, policy: Policy, seed: u64, progress: &mut dyn FnMut(f64)) -> Report {
    let mut world = world::World::new(scenario, policy, seed);
    world.run(progress);
    let names: Vec<String> = scenario
        .agents
        .iter()
        .enumerate()
        .map(|(i, g)| g.name.clone().unwrap_or_else(|| format!("group {}", i + 1)))
        .collect();
    let boosts = report::BoostTally {
        posted: world.boosts_posted,
        multiplier: scenario.boosts.as_ref().map_or(1.0, |b| b.multiplier),
    };
    let tally = world.tally();
    let mut report = report::report(&tally, &world.agents, &names, policy.as_str(), seed, &boosts);
    report.target = target::check(scenario, &tally);
    report
}
