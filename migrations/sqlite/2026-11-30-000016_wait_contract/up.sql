-- The customer's wait contract (issue 18), one row beside each escalation (the escalations
-- table stays as narrow as the dispatcher's queue reads it): the 80 % range beside the ETA and
-- the one quoted at intake, the bot's handoff packet, callbacks and the longest live wait, and
-- the agent a returning customer is offered first.
CREATE TABLE escalation_contracts (
    escalation_id BIGINT PRIMARY KEY NOT NULL REFERENCES escalations(id) ON DELETE CASCADE,
    eta_low_s INTEGER NOT NULL DEFAULT 0,
    eta_high_s INTEGER NOT NULL DEFAULT 0,
    eta_at_intake_low_s INTEGER NOT NULL DEFAULT 0,
    eta_at_intake_high_s INTEGER NOT NULL DEFAULT 0,
    intent TEXT,
    sentiment TEXT,
    -- JSON: what the bot tried (a list of strings) and the fields it collected (an object).
    bot_attempts TEXT NOT NULL DEFAULT '[]',
    collected TEXT NOT NULL DEFAULT '{}',
    callback BOOLEAN NOT NULL DEFAULT 0,
    max_live_wait_s INTEGER,
    -- When the customer was let go from the live wait (callback or past the longest live wait).
    customer_released_at TIMESTAMP,
    -- The agent who helped this customer last, offered it first for a short window.
    preferred_agent_id BIGINT,
    -- The ETA and place the platform was last told (escalation.eta), so it hears of changes
    -- that matter, not of every second's drift.
    told_eta_s INTEGER NOT NULL DEFAULT 0,
    told_position INTEGER NOT NULL DEFAULT 0
);
INSERT INTO escalation_contracts (escalation_id) SELECT id FROM escalations;
CREATE INDEX escalation_contracts_held ON escalation_contracts (max_live_wait_s) WHERE customer_released_at IS NULL;
