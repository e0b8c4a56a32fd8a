-- What customers and agents write once a human has the conversation.
CREATE TABLE messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    escalation_id BIGINT NOT NULL REFERENCES escalations (id) ON DELETE CASCADE,
    -- customer or agent
    sender TEXT NOT NULL,
    agent_id BIGINT REFERENCES agents (user_id),
    text TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX messages_escalation ON messages (escalation_id, id);

-- Webhooks to the chatbot platform, written in the event's transaction and delivered by a
-- background worker with retries: none is lost across a restart.
CREATE TABLE webhook_deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    service_account_id BIGINT NOT NULL REFERENCES service_accounts (id),
    event TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    attempts INTEGER NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    claimed_until TIMESTAMP,
    delivered_at TIMESTAMP,
    last_status INTEGER,
    last_error TEXT
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (delivered_at, next_attempt_at);

-- One rating per escalation, from the platform after the conversation.
CREATE TABLE ratings (
    escalation_id BIGINT PRIMARY KEY REFERENCES escalations (id) ON DELETE CASCADE,
    agent_id BIGINT NOT NULL REFERENCES agents (user_id),
    score INTEGER NOT NULL,
    comment TEXT,
    created_at TIMESTAMP NOT NULL
);

ALTER TABLE escalations ADD COLUMN disposition TEXT;
ALTER TABLE escalations ADD COLUMN first_reply_at TIMESTAMP;
