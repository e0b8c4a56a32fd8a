-- Who had which conversation, when: one row per stretch of one agent on one escalation. A
-- transfer ends the first agent's stretch and the next agent starts a new one, so payroll keeps
-- both (the escalation row only remembers its latest agent).
CREATE TABLE assignments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    escalation_id BIGINT NOT NULL REFERENCES escalations (id) ON DELETE CASCADE,
    agent_id BIGINT NOT NULL REFERENCES agents (user_id) ON DELETE CASCADE,
    started_at TIMESTAMP NOT NULL,
    ended_at TIMESTAMP,
    -- 'resolved' or 'transferred'; NULL while the agent still has the conversation.
    outcome TEXT
);
CREATE INDEX assignments_agent_time ON assignments (agent_id, started_at);
CREATE INDEX assignments_escalation ON assignments (escalation_id);
-- Work done before this table existed: one assignment per escalation that had an agent.
INSERT INTO assignments (escalation_id, agent_id, started_at, ended_at, outcome)
SELECT id, assigned_agent_id, assigned_at,
       CASE WHEN state = 'resolved' THEN closed_at END,
       CASE WHEN state = 'resolved' THEN 'resolved' END
FROM escalations
WHERE assigned_agent_id IS NOT NULL AND assigned_at IS NOT NULL;
