-- Conversations the chatbot platform hands to humans.
CREATE TABLE escalations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    service_account_id BIGINT NOT NULL REFERENCES service_accounts (id),
    external_id TEXT NOT NULL,
    idempotency_key TEXT,
    language TEXT NOT NULL,
    market TEXT NOT NULL,
    -- Comma-separated skill names.
    required_skills TEXT NOT NULL,
    priority TEXT NOT NULL,
    -- 0 urgent, 1 high, 2 normal, 3 low: the queue's first sort key.
    priority_rank INTEGER NOT NULL,
    sensitive BOOLEAN NOT NULL,
    reason TEXT NOT NULL,
    summary TEXT NOT NULL,
    -- The conversation so far, as JSON.
    transcript TEXT NOT NULL,
    customer_lat DOUBLE PRECISION,
    customer_lon DOUBLE PRECISION,
    state TEXT NOT NULL,
    assigned_agent_id BIGINT REFERENCES agents (user_id),
    -- How many steps of the widening ladder apply.
    widened_steps INTEGER NOT NULL,
    -- The estimate given at intake (to measure its error) and the latest one.
    eta_at_intake_s INTEGER NOT NULL,
    eta_seconds INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    assigned_at TIMESTAMP,
    closed_at TIMESTAMP,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX escalations_external ON escalations (service_account_id, external_id);
CREATE UNIQUE INDEX escalations_idempotency ON escalations (service_account_id, idempotency_key);
CREATE INDEX escalations_queue ON escalations (state, priority_rank, created_at);

-- Offers of an escalation to one agent at a time.
CREATE TABLE offers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    escalation_id BIGINT NOT NULL REFERENCES escalations (id) ON DELETE CASCADE,
    agent_id BIGINT NOT NULL REFERENCES agents (user_id),
    state TEXT NOT NULL,
    score DOUBLE PRECISION NOT NULL,
    -- The per-factor explanation ("why me"), as JSON.
    explanation TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    answered_at TIMESTAMP,
    decline_reason TEXT
);
-- At most one pending offer per escalation, enforced by the database.
CREATE UNIQUE INDEX offers_one_pending ON offers (escalation_id) WHERE state = 'pending';
CREATE INDEX offers_agent_state ON offers (agent_id, state);
CREATE INDEX offers_pending_expiry ON offers (state, expires_at);

-- What happened to an escalation, for its timeline.
CREATE TABLE escalation_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    escalation_id BIGINT NOT NULL REFERENCES escalations (id) ON DELETE CASCADE,
    event TEXT NOT NULL,
    detail TEXT,
    at TIMESTAMP NOT NULL
);
CREATE INDEX escalation_events_escalation ON escalation_events (escalation_id, id);

-- Load, kept on the agent so a claim is one conditional UPDATE.
ALTER TABLE agents ADD COLUMN active_conversations INTEGER NOT NULL DEFAULT 0;
ALTER TABLE agents ADD COLUMN pending_offers INTEGER NOT NULL DEFAULT 0;
ALTER TABLE agents ADD COLUMN missed_offers_in_row INTEGER NOT NULL DEFAULT 0;
ALTER TABLE agents ADD COLUMN last_work_at TIMESTAMP;
