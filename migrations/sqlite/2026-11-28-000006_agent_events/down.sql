DROP TABLE agent_events;
