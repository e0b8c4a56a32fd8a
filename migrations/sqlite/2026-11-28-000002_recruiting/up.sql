-- The skill catalogue. Some skills may only be offered to agents staff have certified.
CREATE TABLE skills (
    name TEXT PRIMARY KEY,
    requires_certification BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL
);

-- An agent's profile; the login, name and status live in users.
CREATE TABLE agents (
    user_id BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    timezone TEXT NOT NULL,
    latitude DOUBLE PRECISION NOT NULL,
    longitude DOUBLE PRECISION NOT NULL,
    -- ISO 3166-1 alpha-2 of the country the location falls in; NULL at sea or unknown.
    country TEXT,
    -- The staff-defined region the location falls in, if any.
    region TEXT,
    recruit_source TEXT NOT NULL,
    motivation TEXT NOT NULL,
    max_concurrent INTEGER NOT NULL,
    rating_sum BIGINT NOT NULL,
    rating_count BIGINT NOT NULL,
    applied_at TIMESTAMP NOT NULL,
    verified_at TIMESTAMP,
    reviewed_at TIMESTAMP
);
CREATE INDEX agents_region ON agents (region);

CREATE TABLE agent_languages (
    agent_id BIGINT NOT NULL REFERENCES agents (user_id) ON DELETE CASCADE,
    code TEXT NOT NULL,
    level TEXT NOT NULL,
    PRIMARY KEY (agent_id, code)
);

CREATE TABLE agent_skills (
    agent_id BIGINT NOT NULL REFERENCES agents (user_id) ON DELETE CASCADE,
    skill TEXT NOT NULL REFERENCES skills (name),
    proficiency INTEGER NOT NULL,
    PRIMARY KEY (agent_id, skill)
);

CREATE TABLE certifications (
    agent_id BIGINT NOT NULL REFERENCES agents (user_id) ON DELETE CASCADE,
    skill TEXT NOT NULL REFERENCES skills (name),
    granted_by BIGINT REFERENCES users (id),
    granted_at TIMESTAMP NOT NULL,
    PRIMARY KEY (agent_id, skill)
);

-- Pay asked by an agent, effective-dated: past work is paid at the rate in force then.
CREATE TABLE agent_rates (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    agent_id BIGINT NOT NULL REFERENCES agents (user_id) ON DELETE CASCADE,
    hourly_rate_minor BIGINT NOT NULL,
    per_conversation_minor BIGINT NOT NULL,
    currency TEXT NOT NULL,
    effective_from TIMESTAMP NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX agent_rates_agent_from ON agent_rates (agent_id, effective_from);

-- Single-use email confirmation links; only the token's hash is kept.
CREATE TABLE email_verifications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP
);

-- Outgoing mail, written in the same transaction as the event that causes it and delivered
-- by a background worker with retries, so no acknowledged email is lost.
CREATE TABLE outbox_emails (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    text_body TEXT NOT NULL,
    html_body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    attempts INTEGER NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    -- A worker that picked the mail up holds it until then (several instances may run).
    claimed_until TIMESTAMP,
    sent_at TIMESTAMP,
    last_error TEXT
);
CREATE INDEX outbox_emails_due ON outbox_emails (sent_at, next_attempt_at);

-- Who did what to whom, when and why: staff decisions and settings changes.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    actor_id BIGINT REFERENCES users (id),
    subject_kind TEXT NOT NULL,
    subject_id BIGINT,
    action TEXT NOT NULL,
    detail TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX audit_log_subject ON audit_log (subject_kind, subject_id);

-- Regions agents can be placed in: either a list of countries (ISO alpha-2, comma-separated)
-- or a GeoJSON geometry drawn by staff (NULL for country lists: their outline is derived).
CREATE TABLE regions (
    name TEXT PRIMARY KEY,
    countries TEXT,
    geometry TEXT,
    updated_at TIMESTAMP NOT NULL
);

-- Which regions' agents may serve a market; a market with no rule is served from anywhere.
CREATE TABLE market_rules (
    market TEXT NOT NULL,
    region TEXT NOT NULL REFERENCES regions (name) ON DELETE CASCADE,
    PRIMARY KEY (market, region)
);

-- Small named facts about the installation (for example whether default data was seeded).
CREATE TABLE app_settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

INSERT INTO skills (name, requires_certification, created_at) VALUES
    ('general_support', FALSE, CURRENT_TIMESTAMP),
    ('payments', FALSE, CURRENT_TIMESTAMP),
    ('refunds', FALSE, CURRENT_TIMESTAMP),
    ('disputes', FALSE, CURRENT_TIMESTAMP),
    ('merchant_support', FALSE, CURRENT_TIMESTAMP),
    ('technical_support', FALSE, CURRENT_TIMESTAMP),
    ('fraud', TRUE, CURRENT_TIMESTAMP),
    ('credit_and_collections', TRUE, CURRENT_TIMESTAMP),
    ('account_security', TRUE, CURRENT_TIMESTAMP),
    ('vulnerable_customers', TRUE, CURRENT_TIMESTAMP);
