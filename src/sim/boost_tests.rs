//! Live boosts in the simulator: a day whose peak outgrows the regular agents, with and without
//! boosts that call offline agents who answer half the time.

use super::scenario::Scenario;
use super::{Policy, simulate};

fn scenario(boosts: bool) -> Scenario {
    let text = include_str!("../../scenarios/boost_week.json");
    let mut s: Scenario = serde_json::from_str(text).expect("the boost scenario parses");
    s.duration_s = 86_400.0;
    if !boosts {
        s.boosts = None;
    }
    s
}

#[test]
fn boosts_call_responders_and_lift_the_peak_hours() {
    let with = simulate(&scenario(true), Policy::Engine, 1, &mut |_| {});
    let without = simulate(&scenario(false), Policy::Engine, 1, &mut |_| {});
    let peak = |by_hour: &[f64]| by_hour[9..17].iter().sum::<f64>() / 8.0;
    let (lifted, base) = (peak(&with.reached_within_60s_by_hour), peak(&without.reached_within_60s_by_hour));
    assert!(with.boosts_posted > 0 && with.boost_cost_minor > 0.0);
    assert_eq!((without.boosts_posted, without.boost_cost_minor), (0, 0.0));
    assert!(lifted - base >= 0.10, "peak hours within 60 s: {base:.3} without boosts, {lifted:.3} with");
}
