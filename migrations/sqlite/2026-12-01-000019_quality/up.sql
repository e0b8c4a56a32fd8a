-- The quality loop (issue 20).

-- Wrap-up: a resolved stretch stays open (capacity held, time paid as engaged time) until the
-- agent finishes wrap-up or the staff's maximum passes; resolved_at is when the conversation
-- itself ended, ended_at when wrap-up did.
ALTER TABLE assignments ADD COLUMN resolved_at TIMESTAMP;
ALTER TABLE assignments ADD COLUMN wrap_up_notes TEXT;
-- The clock ends wrap-ups past the maximum every second.
CREATE INDEX assignments_in_wrap_up ON assignments (ended_at, resolved_at);

-- First-contact resolution: a resolved escalation whose customer came back within the staff's
-- window (repeat_escalation_id is the one that came back). Side tables, not escalation
-- columns: the escalations table is at diesel's 32-column limit.
CREATE TABLE repeat_contacts (
    escalation_id BIGINT PRIMARY KEY REFERENCES escalations (id) ON DELETE CASCADE,
    repeat_escalation_id BIGINT NOT NULL REFERENCES escalations (id) ON DELETE CASCADE,
    marked_at TIMESTAMP NOT NULL
);

-- A supervisor who took a conversation over from its agent (one take-over per conversation).
CREATE TABLE take_overs (
    escalation_id BIGINT PRIMARY KEY REFERENCES escalations (id) ON DELETE CASCADE,
    supervisor_id BIGINT NOT NULL REFERENCES users (id),
    agent_id BIGINT NOT NULL REFERENCES agents (user_id) ON DELETE CASCADE,
    taken_at TIMESTAMP NOT NULL
);

-- Whispers and a supervisor's replies are written by staff.
ALTER TABLE messages ADD COLUMN staff_id BIGINT REFERENCES users (id) ON DELETE SET NULL;

-- A quality scorecard: criteria (JSON: name, weight, scale yes_no or one_to_five).
CREATE TABLE scorecards (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    criteria TEXT NOT NULL,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL
);

-- Conversations the sampling rule picked for review, and why.
CREATE TABLE review_samples (
    escalation_id BIGINT PRIMARY KEY REFERENCES escalations (id) ON DELETE CASCADE,
    agent_id BIGINT NOT NULL REFERENCES agents (user_id) ON DELETE CASCADE,
    reason TEXT NOT NULL,
    sampled_at TIMESTAMP NOT NULL
);
CREATE INDEX review_samples_by_time ON review_samples (sampled_at);

-- One review per conversation; the agent may dispute it once and staff answer.
CREATE TABLE quality_reviews (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    escalation_id BIGINT NOT NULL UNIQUE REFERENCES escalations (id) ON DELETE CASCADE,
    agent_id BIGINT NOT NULL REFERENCES agents (user_id) ON DELETE CASCADE,
    scorecard_id BIGINT NOT NULL REFERENCES scorecards (id),
    reviewer_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    scores TEXT NOT NULL,
    score DOUBLE PRECISION NOT NULL,
    comment TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    disputed_at TIMESTAMP,
    dispute_reason TEXT,
    dispute_outcome TEXT,
    dispute_answer TEXT,
    dispute_answered_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    dispute_answered_at TIMESTAMP
);
CREATE INDEX quality_reviews_by_agent ON quality_reviews (agent_id, created_at);

-- Automated decisions about an agent, with their inputs and plain words (offers are read
-- from the offers table, which already keeps their explanation).
CREATE TABLE agent_decisions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    agent_id BIGINT NOT NULL REFERENCES agents (user_id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    escalation_id BIGINT REFERENCES escalations (id) ON DELETE SET NULL,
    inputs TEXT NOT NULL,
    explanation TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX agent_decisions_by_agent ON agent_decisions (agent_id, created_at);

-- An agent's request for a human review of one automated decision, and the answer.
CREATE TABLE decision_reviews (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    agent_id BIGINT NOT NULL REFERENCES agents (user_id) ON DELETE CASCADE,
    decision_ref TEXT NOT NULL UNIQUE,
    reason TEXT NOT NULL,
    requested_at TIMESTAMP NOT NULL,
    due_at TIMESTAMP NOT NULL,
    answered_at TIMESTAMP,
    answered_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    outcome TEXT,
    answer TEXT
);
CREATE INDEX decision_reviews_open ON decision_reviews (answered_at, due_at);

-- An agent's raised hand.
CREATE TABLE help_requests (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    agent_id BIGINT NOT NULL REFERENCES agents (user_id) ON DELETE CASCADE,
    escalation_id BIGINT REFERENCES escalations (id) ON DELETE SET NULL,
    note TEXT NOT NULL,
    raised_at TIMESTAMP NOT NULL,
    answered_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    answered_at TIMESTAMP
);
CREATE INDEX help_requests_open ON help_requests (answered_at);

-- Each agent's tier as last computed, with the figures behind it (JSON).
CREATE TABLE agent_tiers (
    agent_id BIGINT PRIMARY KEY REFERENCES agents (user_id) ON DELETE CASCADE,
    tier TEXT NOT NULL,
    score DOUBLE PRECISION NOT NULL,
    figures TEXT NOT NULL,
    since TIMESTAMP NOT NULL,
    computed_at TIMESTAMP NOT NULL
);

-- What each agent's history says per skill (recomputed hourly): expected handle time and a
-- quality figure, both shrunk toward the pool; the matching engine ranks with them.
CREATE TABLE agent_skill_stats (
    agent_id BIGINT NOT NULL REFERENCES agents (user_id) ON DELETE CASCADE,
    skill TEXT NOT NULL,
    conversations INTEGER NOT NULL,
    handle_s DOUBLE PRECISION NOT NULL,
    quality DOUBLE PRECISION NOT NULL,
    computed_at TIMESTAMP NOT NULL,
    PRIMARY KEY (agent_id, skill)
);
