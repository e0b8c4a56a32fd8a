-- Presence: online / away / offline, live only while heartbeats arrive.
ALTER TABLE agents ADD COLUMN presence TEXT NOT NULL DEFAULT 'offline';
ALTER TABLE agents ADD COLUMN presence_reason TEXT;
ALTER TABLE agents ADD COLUMN last_heartbeat_at TIMESTAMP;

-- Weekly availability in the agent's own time zone. Minutes after local midnight; an end at or
-- before the start runs past midnight into the next day; 1440 is the end of the day.
CREATE TABLE availability_slots (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    agent_id BIGINT NOT NULL REFERENCES agents (user_id) ON DELETE CASCADE,
    weekday INTEGER NOT NULL,
    start_minute INTEGER NOT NULL,
    end_minute INTEGER NOT NULL
);
CREATE INDEX availability_slots_agent ON availability_slots (agent_id);

-- Dated exceptions in the agent's time zone: a day off (available = false, no times) or extra
-- hours (available = true, with times).
CREATE TABLE availability_exceptions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    agent_id BIGINT NOT NULL REFERENCES agents (user_id) ON DELETE CASCADE,
    day DATE NOT NULL,
    available BOOLEAN NOT NULL,
    start_minute INTEGER,
    end_minute INTEGER
);
CREATE INDEX availability_exceptions_agent ON availability_exceptions (agent_id, day);

-- Every presence change, with whether the agent was scheduled then: payroll pays online time,
-- staff see schedule adherence.
CREATE TABLE presence_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    agent_id BIGINT NOT NULL REFERENCES agents (user_id) ON DELETE CASCADE,
    presence TEXT NOT NULL,
    reason TEXT NOT NULL,
    scheduled BOOLEAN NOT NULL,
    at TIMESTAMP NOT NULL
);
CREATE INDEX presence_events_agent_at ON presence_events (agent_id, at);

-- What staff allow agents to charge, per skill and currency, in minor units.
CREATE TABLE pay_bands (
    skill TEXT NOT NULL REFERENCES skills (name) ON DELETE CASCADE,
    currency TEXT NOT NULL,
    min_hourly_minor BIGINT NOT NULL,
    max_hourly_minor BIGINT NOT NULL,
    min_per_conversation_minor BIGINT NOT NULL,
    max_per_conversation_minor BIGINT NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (skill, currency)
);
