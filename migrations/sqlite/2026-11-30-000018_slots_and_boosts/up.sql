-- Bookable coverage (issue 19). A boost is a pay multiplier on one queue for a span of time:
-- 'scheduled' ones apply to agents who booked slots inside them, 'live' ones to every
-- conversation of that queue while they last. budget_minor is what it may cost, reserved
-- against the staff's daily budget for its currency on the UTC day it starts.
CREATE TABLE boosts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    language TEXT NOT NULL,
    market TEXT NOT NULL,
    required_skills TEXT NOT NULL,
    multiplier_pct INTEGER NOT NULL,
    starts_at TIMESTAMP NOT NULL,
    ends_at TIMESTAMP NOT NULL,
    currency TEXT NOT NULL,
    budget_minor BIGINT NOT NULL,
    reason TEXT NOT NULL,
    created_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX boosts_by_time ON boosts (starts_at, ends_at);

-- A 30-minute slot of one queue that agents may book, capped at the places the gap between
-- the requirement and the scheduled supply supports. booked is changed only by conditional
-- updates (booked < places), so concurrent bookings of the last place never overbook.
CREATE TABLE coverage_slots (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    language TEXT NOT NULL,
    market TEXT NOT NULL,
    required_skills TEXT NOT NULL,
    starts_at TIMESTAMP NOT NULL,
    places INTEGER NOT NULL,
    booked INTEGER NOT NULL DEFAULT 0,
    published_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX coverage_slots_one_per_queue_and_start ON coverage_slots (language, market, required_skills, starts_at);
CREATE INDEX coverage_slots_by_start ON coverage_slots (starts_at);

-- An agent's booking. state: booked, kept (online within five minutes of the start),
-- no_show, released, released_late (inside the late-release window but before the lock-down).
-- One live booking per agent and start: slots are aligned, so this is the no-overlap rule.
CREATE TABLE slot_bookings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    slot_id BIGINT NOT NULL REFERENCES coverage_slots (id) ON DELETE CASCADE,
    agent_id BIGINT NOT NULL REFERENCES agents (user_id) ON DELETE CASCADE,
    starts_at TIMESTAMP NOT NULL,
    state TEXT NOT NULL,
    booked_at TIMESTAMP NOT NULL,
    settled_at TIMESTAMP
);
CREATE UNIQUE INDEX slot_bookings_one_live_per_agent_and_start ON slot_bookings (agent_id, starts_at) WHERE state IN ('booked', 'kept');
CREATE INDEX slot_bookings_to_settle ON slot_bookings (starts_at) WHERE state = 'booked';
CREATE INDEX slot_bookings_by_slot ON slot_bookings (slot_id);

-- Who hears of live boosts while away or offline: on the dashboard, by email (rate-limited
-- through last_emailed_at). An agent without a row hears of none.
CREATE TABLE boost_alerts (
    agent_id BIGINT PRIMARY KEY NOT NULL REFERENCES agents (user_id) ON DELETE CASCADE,
    dashboard BOOLEAN NOT NULL,
    email BOOLEAN NOT NULL,
    last_emailed_at TIMESTAMP,
    updated_at TIMESTAMP NOT NULL
);
