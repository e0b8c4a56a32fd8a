//! Unit and property tests of the engine.

use proptest::prelude::*;

use super::*;
use crate::ids::AgentId;
use std::sync::Arc;

fn agent(id: i64) -> Candidate {
    Candidate {
        agent_id: AgentId(id),
        available: true,
        languages: vec![("sv".into(), Level::Native), ("en".into(), Level::Fluent)].into(),
        skills: vec![("payments".into(), 3), ("fraud".into(), 3)].into(),
        certifications: vec![].into(),
        region: Some("nordics".into()),
        location: Point { lat: 59.33, lon: 18.07 },
        max_concurrent: 2,
        active_conversations: 0,
        pending_offers: 0,
        rating_sum: 0.0,
        rating_count: 0,
        idle_seconds: 60,
        engaged_minutes: 0.0,
        hourly_rate_minor: 20000,
        currency: "SEK".into(),
        passed_on_this: false,
        learned: Arc::from([]),
        sensitive_priority: false,
    }
}

fn needs() -> Needs {
    Needs { language: "sv".into(), required_skills: vec!["payments".into()], sensitive: false, location: None }
}

#[test]
fn the_more_skilled_agent_wins_when_all_else_is_equal() {
    let mut strong = agent(2);
    strong.skills = vec![("payments".into(), 5), ("fraud".into(), 3)].into();
    let best = best(&needs(), &[agent(1), strong], &Rules::default(), &Weights::default()).unwrap();
    assert_eq!(best.agent_id, AgentId(2));
}

#[test]
fn a_tier_with_sensitive_priority_goes_first_only_for_sensitive_work() {
    let mut strong = agent(2);
    strong.skills = vec![("payments".into(), 5), ("fraud".into(), 3)].into();
    let mut gold = agent(1);
    gold.sensitive_priority = true;
    gold.rating_sum = 4.5 * 20.0;
    gold.rating_count = 20;
    let sensitive = Needs { sensitive: true, ..needs() };
    let pool = [gold.clone(), strong.clone()];
    assert_eq!(best(&sensitive, &pool, &Rules::default(), &Weights::default()).unwrap().agent_id, AgentId(1));
    assert_eq!(rank(&sensitive, &pool, &Rules::default(), &Weights::default())[0].agent_id, AgentId(1));
    assert_eq!(best(&needs(), &pool, &Rules::default(), &Weights::default()).unwrap().agent_id, AgentId(2));
}

#[test]
fn learned_quality_and_speed_rank_among_equals() {
    let learned = |handle_s: f64, quality: f64| -> std::sync::Arc<[Learned]> {
        vec![Learned { skill: "payments".into(), handle_s, quality }].into()
    };
    let (mut slow, mut fast) = (agent(1), agent(2));
    slow.learned = learned(600.0, 0.7);
    fast.learned = learned(300.0, 0.9);
    let weights = Weights { speed: 1.0, ..Weights::default() };
    let ranked = rank(&needs(), &[slow, fast], &Rules::default(), &weights);
    assert_eq!(ranked[0].agent_id, AgentId(2));
    let contribution =
        |r: &Ranked, f: Factor| r.factors.iter().find(|(g, _)| *g == f).map(|(_, c)| *c).unwrap_or_default();
    assert!(contribution(&ranked[0], Factor::Speed) > 0.0 && contribution(&ranked[1], Factor::Speed) == 0.0);
    assert!(contribution(&ranked[0], Factor::Quality) > contribution(&ranked[1], Factor::Quality));
}

#[test]
fn each_hard_constraint_refuses() {
    let rules = Rules {
        certified_skills: vec!["fraud".into()],
        allowed_regions: Some(vec!["nordics".into()]),
        ..Rules::default()
    };
    let check = |c: &Candidate, n: &Needs| eligibility::check(n, c, &rules);
    assert_eq!(check(&agent(1), &needs()), Ok(()));

    let mut offline = agent(1);
    offline.available = false;
    assert_eq!(check(&offline, &needs()), Err(Rejection::Unavailable));

    let mut busy = agent(1);
    busy.active_conversations = 1;
    busy.pending_offers = 1;
    assert_eq!(check(&busy, &needs()), Err(Rejection::NoCapacity), "a pending offer counts against capacity");

    let mut passed = agent(1);
    passed.passed_on_this = true;
    assert_eq!(check(&passed, &needs()), Err(Rejection::PassedAlready));

    let german = Needs { language: "de".into(), ..needs() };
    assert_eq!(check(&agent(1), &german), Err(Rejection::Language));

    let fraud = Needs { required_skills: vec!["fraud".into()], ..needs() };
    assert_eq!(check(&agent(1), &fraud), Err(Rejection::NotCertified("fraud".into())));
    let mut certified = agent(1);
    certified.certifications = vec!["fraud".into()].into();
    assert_eq!(check(&certified, &fraud), Ok(()));

    let refunds = Needs { required_skills: vec!["refunds".into()], ..needs() };
    assert_eq!(check(&agent(1), &refunds), Err(Rejection::MissingSkill("refunds".into())));

    let mut abroad = agent(1);
    abroad.region = Some("oceania".into());
    assert_eq!(check(&abroad, &needs()), Err(Rejection::Region));

    let sensitive = Needs { sensitive: true, ..needs() };
    let mut poorly_rated = agent(1);
    poorly_rated.rating_sum = 20.0;
    poorly_rated.rating_count = 10; // average 2.0, smoothed (4*5+20)/15 = 2.67
    assert_eq!(check(&poorly_rated, &sensitive), Err(Rejection::RatingBelowFloor));
    assert_eq!(check(&agent(1), &sensitive), Ok(()), "a new agent sits at the prior (4.0)");
}

#[test]
fn the_ladder_relaxes_language_level_proficiency_and_distance() {
    let mut learner = agent(1);
    learner.languages = vec![("sv".into(), Level::Conversational)].into();
    learner.skills = vec![("payments".into(), 1)].into();
    learner.location = Point { lat: -33.87, lon: 151.21 };
    let far = Needs { location: Some(Point { lat: 59.33, lon: 18.07 }), ..needs() };
    let mut rules = Rules { max_distance_km: Some(500.0), ..Rules::default() };
    assert_eq!(eligibility::check(&far, &learner, &rules), Err(Rejection::Language));
    rules.relaxed.push(Relaxable::LanguageLevel);
    assert_eq!(eligibility::check(&far, &learner, &rules), Err(Rejection::MissingSkill("payments".into())));
    rules.relaxed.push(Relaxable::ProficiencyFloor);
    assert_eq!(eligibility::check(&far, &learner, &rules), Err(Rejection::TooFar));
    rules.relaxed.push(Relaxable::Proximity);
    assert_eq!(eligibility::check(&far, &learner, &rules), Ok(()));
}

#[test]
fn fairness_and_cost_favour_the_less_busy_and_the_cheaper_among_equals() {
    let mut busy = agent(1);
    busy.engaged_minutes = 120.0;
    let rested = agent(2);
    assert_eq!(
        best(&needs(), &[busy.clone(), rested], &Rules::default(), &Weights::default()).unwrap().agent_id,
        AgentId(2)
    );
    let mut pricey = agent(3);
    pricey.hourly_rate_minor = 30000;
    let cheap = agent(4);
    assert_eq!(best(&needs(), &[pricey, cheap], &Rules::default(), &Weights::default()).unwrap().agent_id, AgentId(4));
}

#[test]
fn ties_go_to_the_longest_idle_then_the_lowest_id() {
    let mut idle = agent(7);
    idle.idle_seconds = 5000; // capped at 900 s for the score, but breaks the tie
    let mut also_idle = agent(3);
    also_idle.idle_seconds = 1000;
    let ranked = rank(&needs(), &[also_idle, idle, agent(9)], &Rules::default(), &Weights::default());
    let order: Vec<i64> = ranked.iter().map(|r| r.agent_id.0).collect();
    assert_eq!(order, [7, 3, 9]);
}

fn level() -> impl Strategy<Value = Level> {
    prop_oneof![Just(Level::Conversational), Just(Level::Fluent), Just(Level::Native)]
}

fn candidate() -> impl Strategy<Value = Candidate> {
    (
        (Just(0i64), any::<bool>(), prop::option::of(level()), prop::option::of(level())),
        (
            prop::option::of(1u8..=5),
            prop::option::of(1u8..=5),
            any::<bool>(),
            prop::option::of(prop_oneof![Just("nordics"), Just("oceania")]),
        ),
        (-60.0f64..70.0, -170.0f64..170.0, 0u32..4, 0u32..3, 0u32..2),
        (0u32..50, 0u64..5000, 0.0f64..600.0, 10_000i64..40_000, any::<bool>(), prop_oneof![Just("SEK"), Just("EUR")]),
    )
        .prop_map(
            |(
                (id, available, sv, en),
                (payments, fraud, certified, region),
                (lat, lon, max, active, pending),
                (count, idle, engaged, rate, passed, currency),
            )| {
                let mut languages = vec![];
                if let Some(l) = sv {
                    languages.push(("sv".to_string(), l));
                }
                if let Some(l) = en {
                    languages.push(("en".to_string(), l));
                }
                let mut skills = vec![];
                if let Some(p) = payments {
                    skills.push(("payments".to_string(), p));
                }
                if let Some(p) = fraud {
                    skills.push(("fraud".to_string(), p));
                }
                Candidate {
                    agent_id: AgentId(id),
                    available,
                    languages: languages.into(),
                    skills: skills.into(),
                    certifications: if certified { vec!["fraud".into()].into() } else { vec![].into() },
                    region: region.map(str::to_string),
                    location: Point { lat, lon },
                    max_concurrent: max,
                    active_conversations: active,
                    pending_offers: pending,
                    rating_sum: count as f64 * 3.5,
                    rating_count: count,
                    idle_seconds: idle,
                    engaged_minutes: engaged,
                    hourly_rate_minor: rate,
                    currency: currency.into(),
                    passed_on_this: passed,
                    learned: Arc::from([]),
                    sensitive_priority: false,
                }
            },
        )
}

/// Candidates with distinct ids.
fn candidates(size: std::ops::Range<usize>) -> impl Strategy<Value = Vec<Candidate>> {
    prop::collection::vec(candidate(), size).prop_map(|mut all| {
        for (i, c) in all.iter_mut().enumerate() {
            c.agent_id = AgentId(i as i64 + 1);
        }
        all
    })
}

fn needs_strategy() -> impl Strategy<Value = Needs> {
    (
        prop_oneof![Just("sv"), Just("en")],
        prop::sample::subsequence(vec!["payments", "fraud"], 0..=2),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(language, skills, sensitive, located)| Needs {
            language: language.into(),
            required_skills: skills.into_iter().map(str::to_string).collect(),
            sensitive,
            location: located.then_some(Point { lat: 59.33, lon: 18.07 }),
        })
}

fn rules_strategy() -> impl Strategy<Value = Rules> {
    (
        any::<bool>(),
        any::<bool>(),
        prop::option::of(100.0f64..5000.0),
        prop::sample::subsequence(
            vec![Relaxable::LanguageLevel, Relaxable::ProficiencyFloor, Relaxable::Proximity],
            0..=3,
        ),
    )
        .prop_map(|(certify, regional, max_distance_km, relaxed)| Rules {
            certified_skills: if certify { vec!["fraud".into()] } else { vec![] },
            allowed_regions: regional.then(|| vec!["nordics".to_string()]),
            max_distance_km,
            relaxed,
            ..Rules::default()
        })
}

proptest! {
    #[test]
    fn no_ranked_candidate_breaks_a_hard_constraint_and_no_eligible_one_is_left_out(
        needs in needs_strategy(), rules in rules_strategy(), candidates in candidates(0..40)
    ) {
        let ranked = rank(&needs, &candidates, &rules, &Weights::default());
        for r in &ranked {
            let c = candidates.iter().find(|c| c.agent_id == r.agent_id).unwrap();
            prop_assert!(eligibility::check(&needs, c, &rules).is_ok());
        }
        let eligible = candidates.iter().filter(|c| eligibility::check(&needs, c, &rules).is_ok()).count();
        prop_assert_eq!(ranked.len(), eligible);
        prop_assert_eq!(best(&needs, &candidates, &rules, &Weights::default()).map(|b| b.agent_id), ranked.first().map(|r| r.agent_id));
        // The pre-filter never changes the answer: it only skips who cannot be eligible.
        let index = crate::matching::CandidateIndex::build(&candidates);
        let indexed = crate::matching::best_indexed(&needs, &candidates, &index, &rules, &Weights::default());
        prop_assert_eq!(indexed.map(|b| b.agent_id), ranked.first().map(|r| r.agent_id));
    }

    #[test]
    fn the_explanation_adds_up_to_the_score(
        needs in needs_strategy(), candidates in candidates(1..30)
    ) {
        for r in rank(&needs, &candidates, &Rules::default(), &Weights::default()) {
            let sum: f64 = r.factors.iter().map(|(_, c)| c).sum();
            prop_assert!((sum - r.score).abs() < 1e-9);
            prop_assert!((0.0..=1.0 + 1e-9).contains(&r.score));
            prop_assert_eq!(r.factors.len(), Factor::ALL.len());
        }
    }

    #[test]
    fn raising_one_factor_never_lowers_the_score(
        needs in needs_strategy(), mut candidates in candidates(1..20), which in 0usize..3, by in 1u64..900
    ) {
        let rules = Rules { relaxed: vec![Relaxable::LanguageLevel, Relaxable::ProficiencyFloor], ..Rules::default() };
        let before = rank(&needs, &candidates, &rules, &Weights::default());
        let Some(first) = before.first() else { return Ok(()) };
        let target = first.agent_id;
        let c = candidates.iter_mut().find(|c| c.agent_id == target).unwrap();
        match which {
            // More idle time.
            0 => c.idle_seconds += by,
            // A five-star rating (the smoothed rating can only go up).
            1 => { c.rating_sum += 5.0; c.rating_count += 1; }
            // More proficiency in every required skill.
            _ => c.skills = c.skills.iter().map(|(skill, p)| (skill.clone(), (p + 1).min(5))).collect(),
        }
        let after = rank(&needs, &candidates, &rules, &Weights::default());
        let new_score = after.iter().find(|r| r.agent_id == target).map(|r| r.score).unwrap_or(-1.0);
        prop_assert!(new_score + 1e-12 >= first.score, "{} → {}", first.score, new_score);
    }
}
