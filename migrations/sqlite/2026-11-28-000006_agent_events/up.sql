-- What each agent's event stream carries, numbered so a reconnecting client can ask for what
-- it missed (Last-Event-ID). Written in the same transaction as the change it reports, and
-- read by whichever instance holds the agent's stream.
CREATE TABLE agent_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    agent_id BIGINT NOT NULL REFERENCES agents (user_id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    data TEXT NOT NULL,
    at TIMESTAMP NOT NULL
);
CREATE INDEX agent_events_agent ON agent_events (agent_id, id);
