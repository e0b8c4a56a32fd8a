//! The discrete-event simulation: virtual time, a heap of events, agents and escalations, and
//! dispatch by a chosen policy over the same eligibility rules (and, for `engine`, the same
//! ranking) as the server.

use std::collections::BinaryHeap;
use std::sync::Arc;

use super::policy::{Policy, Selector};
use super::random::Rng;
use super::scenario::Scenario;
use crate::dispatch::eta;
use crate::dispatch::eta_pools::PoolBoard;

mod boosting;
mod events;
mod proficiency;
mod quoting;
mod tally;
use crate::dispatch::settings::MatchingSettings;
use crate::ids::AgentId;
use crate::matching::{Candidate, Needs, Point, Rules};
use events::{Event, Scheduled};

#[derive(Debug, Clone, Copy, PartialEq)]
enum State {
    Waiting,
    Offered,
    Assigned,
    Left,
    Done,
}

pub struct Escalation {
    pub stream: usize,
    pub arrived: f64,
    pub needs: Needs,
    pub priority: u8,
    handle_s: f64,
    state: State,
    passed: Vec<usize>,
    widened: usize,
    /// The estimate quoted at arrival (seconds, 80 % range) and whether it said the customer
    /// must wait for a conversation to end (no room among the eligible agents for them).
    pub eta: eta::Estimate,
    pub quoted_a_wait: bool,
    /// Customers who took one of its eligible agents while it waited (whoever was ahead, or
    /// jumped ahead): its exact place, known only in hindsight (the floor of the ETA error).
    served_first: u32,
    /// The estimate's inputs at arrival.
    inputs: Option<eta::PoolInputs>,
    pub offers: u32,
    pub assigned_at: Option<f64>,
    pub agent: Option<usize>,
    /// Assigned while a boost was in force on its stream.
    boosted: bool,
    /// A customer coming back after a conversation that did not resolve their need.
    pub repeat: bool,
    /// Whether the customer stayed away afterwards (`proficiency`); known once judged.
    pub first_contact: Option<bool>,
}

impl Escalation {
    fn is_waiting(&self) -> bool {
        self.state == State::Waiting
    }
}

pub struct Agent {
    pub group: usize,
    pub candidate: Candidate,
    speed: f64,
    accept_probability: f64,
    accept_delay_s: f64,
    last_free_at: f64,
    /// Start of the current stretch with at least one conversation.
    engaged_since: Option<f64>,
    pub engaged_s: f64,
    pub conversation_s: f64,
    /// Offline until a boost calls them, with this probability (`None`: online all run).
    pub boost_response: Option<f64>,
    boost_response_delay_s: f64,
    coming_online: bool,
    /// Conversation seconds (measured window) that started under a boost.
    pub boosted_conversation_s: f64,
}

pub struct World<'a> {
    scenario: &'a Scenario,
    settings: MatchingSettings,
    /// Separate streams, so every policy sees the same customers (common random numbers):
    /// arrivals, handle times and patience; agents' answers; the `random` policy's picks.
    arrivals_rng: Rng,
    answers_rng: Rng,
    policy_rng: Rng,
    heap: BinaryHeap<Scheduled>,
    seq: u64,
    now: f64,
    pub agents: Vec<Agent>,
    pub escalations: Vec<Escalation>,
    /// Escalations waiting or offered, in arrival order (the only ones dispatch looks at).
    queue: Vec<usize>,
    selector: Selector,
    /// Running means behind the ETA, as the server keeps them (accept and handle times).
    accept_sum: f64,
    accept_n: f64,
    handle_sum: f64,
    handle_n: f64,
    /// Customers told to wait for an agent to free up who were served, and who left first.
    waited_served: f64,
    waited_left: f64,
    /// Agents eligible for each stream at each ladder step (profiles never change in a run),
    /// as the server keeps them for its ETAs.
    pools: PoolBoard<(usize, usize)>,
    /// Until when each stream is boosted (0: never yet), and how many boosts were posted.
    boost_until: Vec<f64>,
    pub boosts_posted: usize,
    /// What the engine learns of each agent's speed and quality from the work it sees, and
    /// whether the figures are in use yet (from the end of the warm-up).
    learner: crate::matching::learning::Learner,
    learning_applied: bool,
    /// Whether customers come back (`proficiency`): its own stream, so every policy sees the
    /// same draws for the same agents.
    outcomes_rng: Rng,
}

/// Seconds of the measured window that lie in `[from, to)`.
fn overlap(from: f64, to: f64, window: (f64, f64)) -> f64 {
    (to.min(window.1) - from.max(window.0)).max(0.0)
}

impl<'a> World<'a> {
    pub fn new(scenario: &'a Scenario, policy: Policy, seed: u64) -> World<'a> {
        let mut agents = Vec::new();
        for (group, g) in scenario.agents.iter().enumerate() {
            for _ in 0..g.count {
                let id = AgentId(agents.len() as i64 + 1);
                agents.push(Agent {
                    group,
                    candidate: Candidate {
                        agent_id: id,
                        available: g.boost_response.is_none(),
                        languages: g.languages.iter().map(|(code, level)| (code.clone(), *level)).collect(),
                        skills: g.skills.iter().map(|(skill, p)| (skill.clone(), *p)).collect(),
                        certifications: Arc::from([]),
                        region: None,
                        location: g.location.unwrap_or(Point { lat: 59.33, lon: 18.07 }),
                        max_concurrent: g.capacity,
                        active_conversations: 0,
                        pending_offers: 0,
                        rating_sum: g.rating * 20.0,
                        rating_count: 20,
                        idle_seconds: 0,
                        engaged_minutes: 0.0,
                        hourly_rate_minor: g.hourly_rate_minor,
                        currency: "EUR".into(),
                        passed_on_this: false,
                        learned: Arc::from([]),
                        sensitive_priority: false,
                    },
                    speed: g.service_rate_factor,
                    accept_probability: g.accept_probability,
                    accept_delay_s: g.accept_delay_s,
                    last_free_at: 0.0,
                    engaged_since: None,
                    engaged_s: 0.0,
                    conversation_s: 0.0,
                    boost_response: g.boost_response,
                    boost_response_delay_s: g.boost_response_delay_s,
                    coming_online: false,
                    boosted_conversation_s: 0.0,
                });
            }
        }
        let mut world = World {
            scenario,
            settings: MatchingSettings::default(),
            arrivals_rng: Rng::new(seed),
            answers_rng: Rng::new(seed ^ 0x5DEE_CE66_D1CE_B00C),
            policy_rng: Rng::new(seed ^ 0xA076_1D64_78BD_642F),
            heap: BinaryHeap::new(),
            seq: 0,
            now: 0.0,
            selector: Selector::new(policy),
            agents,
            escalations: Vec::new(),
            queue: Vec::new(),
            accept_sum: 0.0,
            accept_n: 0.0,
            handle_sum: 0.0,
            handle_n: 0.0,
            waited_served: 0.0,
            waited_left: 0.0,
            pools: PoolBoard::default(),
            boost_until: vec![0.0; scenario.arrivals.len()],
            boosts_posted: 0,
            learner: crate::matching::learning::Learner::new(
                scenario.proficiency.as_ref().map_or(5.0, |c| c.prior_weight),
            ),
            learning_applied: false,
            outcomes_rng: Rng::new(seed ^ 0x9E37_79B9_7F4A_7C15),
        };
        if let Some(weights) = &scenario.weights {
            world.settings.weights = weights.clone();
        }
        if scenario.boosts.is_some() {
            world.schedule(boosting::CHECK_EVERY_S, Event::BoostCheck);
        }
        for stream in 0..scenario.arrivals.len() {
            world.next_arrival(stream, 0.0);
        }
        world
    }

    fn schedule(&mut self, at: f64, event: Event) {
        self.seq += 1;
        self.heap.push(Scheduled { at, seq: self.seq, event });
    }

    /// The next arrival of a stream after `from` (thinning for hourly profiles).
    fn next_arrival(&mut self, stream: usize, from: f64) {
        let s = &self.scenario.arrivals[stream];
        let peak = s.peak_rate();
        let mut t = from;
        loop {
            t += self.arrivals_rng.exponential(1.0 / peak);
            if t >= self.scenario.duration_s {
                return;
            }
            if self.arrivals_rng.unit() * peak <= s.rate_at(t) {
                break;
            }
        }
        self.schedule(t, Event::Arrival { stream });
    }

    /// Runs to the end: arrivals stop at `duration_s`, then the system drains.
    /// `progress(fraction)` is called as simulated time passes.
    pub fn run(&mut self, progress: &mut dyn FnMut(f64)) {
        let mut reported = 0.0;
        while let Some(Scheduled { at, event, .. }) = self.heap.pop() {
            self.now = at;
            match event {
                Event::Arrival { stream } => self.arrive(stream),
                Event::Answer { escalation, agent, accept } => self.answer(escalation, agent, accept),
                Event::Done { escalation, agent } => self.finish(escalation, agent),
                Event::Leave { escalation } => self.leave(escalation),
                Event::Widen { escalation } => self.widen(escalation),
                Event::BoostCheck => self.check_boosts(),
                Event::ComeOnline { agent, until } => self.come_online(agent, until),
                Event::GoOffline { agent } => self.go_offline(agent),
                Event::Repeat { stream } => self.admit(stream, true),
                Event::Judge { escalation, agent, first_contact } => self.judge(escalation, agent, first_contact),
            }
            let fraction = (self.now / self.scenario.duration_s).min(1.0);
            if fraction - reported >= 0.01 {
                reported = fraction;
                progress(fraction);
            }
        }
        progress(1.0);
    }

    fn arrive(&mut self, stream: usize) {
        self.next_arrival(stream, self.now);
        self.admit(stream, false);
    }

    /// A customer of `stream` reaches the queue: new, or coming back (`repeat`).
    fn admit(&mut self, stream: usize, repeat: bool) {
        let s = &self.scenario.arrivals[stream];
        let handle_s = s.handle_time.sample(&mut self.arrivals_rng);
        let patience = s.patience.as_ref().map(|p| p.sample(&mut self.arrivals_rng));
        let index = self.escalations.len();
        self.escalations.push(Escalation {
            stream,
            arrived: self.now,
            needs: Needs {
                language: s.language.clone(),
                required_skills: s.required_skills.clone(),
                sensitive: s.sensitive,
                location: None,
            },
            priority: s.priority_rank(),
            handle_s,
            state: State::Waiting,
            passed: vec![],
            widened: 0,
            eta: eta::Estimate { seconds: 0, low: 0, high: 0 },
            quoted_a_wait: false,
            served_first: 0,
            inputs: None,
            offers: 0,
            assigned_at: None,
            agent: None,
            boosted: false,
            repeat,
            first_contact: None,
        });
        self.queue.push(index);
        if let Some(patience) = patience {
            self.schedule(self.now + patience, Event::Leave { escalation: index });
        }
        let steps: Vec<f64> = self.settings.ladder.iter().map(|s| s.after_s as f64).collect();
        for after in steps {
            self.schedule(self.now + after, Event::Widen { escalation: index });
        }
        self.quote(index);
        self.dispatch();
    }

    fn rules_for(&self, index: usize) -> Rules {
        self.rules_at(self.escalations[index].widened)
    }

    /// The rules after `widened` ladder steps.
    fn rules_at(&self, widened: usize) -> Rules {
        let s = &self.settings;
        Rules {
            certified_skills: vec![],
            allowed_regions: None,
            language_floor: s.language_floor,
            proficiency_floor: s.proficiency_floor,
            max_distance_km: s.max_distance_km,
            sensitive_rating_floor: s.sensitive_rating_floor,
            rating_prior_mean: s.rating_prior_mean,
            rating_prior_weight: s.rating_prior_weight,
            relaxed: s.ladder.iter().take(widened).map(|l| l.relax).collect(),
        }
    }

    /// Waiting escalations in the order the policy serves them.
    fn waiting_order(&self) -> Vec<usize> {
        let mut waiting: Vec<usize> =
            self.queue.iter().copied().filter(|&i| self.escalations[i].state == State::Waiting).collect();
        if self.selector.policy == Policy::Engine {
            waiting.sort_by(|&a, &b| {
                let (x, y) = (&self.escalations[a], &self.escalations[b]);
                x.priority.cmp(&y.priority).then(x.arrived.total_cmp(&y.arrived))
            });
        }
        waiting
    }

    /// Offers every waiting escalation it can, in the policy's order, to agents with room.
    fn dispatch(&mut self) {
        self.apply_learning_after_warmup();
        let mut free: Vec<usize> = (0..self.agents.len())
            .filter(|&a| self.agents[a].candidate.available && self.agents[a].candidate.free_capacity() > 0)
            .collect();
        if free.is_empty() {
            return;
        }
        for &a in &free {
            let agent = &mut self.agents[a];
            agent.candidate.idle_seconds = (self.now - agent.last_free_at).max(0.0) as u64;
            agent.candidate.engaged_minutes = agent.engaged_s / 60.0;
        }
        for index in self.waiting_order() {
            let passed = self.escalations[index].passed.clone();
            for &p in &passed {
                self.agents[p].candidate.passed_on_this = true;
            }
            let rules = self.rules_for(index);
            let chosen = self.selector.choose(
                &self.escalations[index].needs,
                &self.agents,
                &free,
                &rules,
                &self.settings.weights,
                &mut self.policy_rng,
            );
            for &p in &passed {
                self.agents[p].candidate.passed_on_this = false;
            }
            if let Some(agent) = chosen {
                self.offer(index, agent);
                if self.agents[agent].candidate.free_capacity() == 0 {
                    free.retain(|&a| a != agent);
                    if free.is_empty() {
                        return;
                    }
                }
            }
        }
    }

    fn offer(&mut self, escalation: usize, agent: usize) {
        let a = &mut self.agents[agent];
        a.candidate.pending_offers += 1;
        let e = &mut self.escalations[escalation];
        e.state = State::Offered;
        e.offers += 1;
        let timeout = self.settings.offer_timeout_s as f64;
        let accept = a.accept_delay_s <= timeout && self.answers_rng.chance(a.accept_probability);
        let delay = a.accept_delay_s.min(timeout);
        self.schedule(self.now + delay, Event::Answer { escalation, agent, accept });
    }

    fn answer(&mut self, escalation: usize, agent: usize, accept: bool) {
        self.agents[agent].candidate.pending_offers -= 1;
        if self.escalations[escalation].state != State::Offered {
            // The customer left while the offer was out.
            self.dispatch();
            return;
        }
        if !accept {
            let e = &mut self.escalations[escalation];
            e.state = State::Waiting;
            e.passed.push(agent);
            self.dispatch();
            return;
        }
        let now = self.now;
        self.queue.retain(|&i| i != escalation);
        for waiting in self.queue.clone() {
            let pool = self.pool_of(waiting);
            if self.pools.members(pool).binary_search(&agent).is_ok() {
                self.escalations[waiting].served_first += 1;
            }
        }
        if self.escalations[escalation].quoted_a_wait {
            self.waited_served += 1.0;
        }
        let boosted = self.boost_until[self.escalations[escalation].stream] > now;
        let e = &mut self.escalations[escalation];
        e.state = State::Assigned;
        e.assigned_at = Some(now);
        e.agent = Some(agent);
        e.boosted = boosted;
        let duration = self.duration_of(escalation, agent);
        self.accept_sum += self.agents[agent].accept_delay_s;
        self.accept_n += 1.0;
        let a = &mut self.agents[agent];
        a.candidate.active_conversations += 1;
        a.engaged_since.get_or_insert(now);
        self.schedule(now + duration, Event::Done { escalation, agent });
    }

    fn finish(&mut self, escalation: usize, agent: usize) {
        let now = self.now;
        let window = (self.scenario.warmup_s, self.scenario.duration_s);
        let started = self.escalations[escalation].assigned_at.unwrap_or(now);
        self.after_conversation(escalation, agent, now - started);
        let e = &mut self.escalations[escalation];
        e.state = State::Done;
        let boosted = e.boosted;
        self.handle_sum += now - started;
        self.handle_n += 1.0;
        let a = &mut self.agents[agent];
        a.conversation_s += overlap(started, now, window);
        if boosted {
            a.boosted_conversation_s += overlap(started, now, window);
        }
        a.candidate.active_conversations -= 1;
        a.last_free_at = now;
        if a.candidate.active_conversations == 0
            && let Some(since) = a.engaged_since.take()
        {
            a.engaged_s += overlap(since, now, window);
        }
        self.dispatch();
    }

    fn leave(&mut self, escalation: usize) {
        let e = &mut self.escalations[escalation];
        if matches!(e.state, State::Waiting | State::Offered) {
            e.state = State::Left;
            self.waited_left += 1.0;
            self.queue.retain(|&i| i != escalation);
        }
    }

    fn widen(&mut self, escalation: usize) {
        let e = &mut self.escalations[escalation];
        if e.state == State::Waiting || e.state == State::Offered {
            e.widened = (e.widened + 1).min(self.settings.ladder.len());
            if e.state == State::Waiting {
                self.dispatch();
            }
        }
    }
}
