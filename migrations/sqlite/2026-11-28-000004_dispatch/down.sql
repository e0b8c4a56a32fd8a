ALTER TABLE agents DROP COLUMN last_work_at;
ALTER TABLE agents DROP COLUMN missed_offers_in_row;
ALTER TABLE agents DROP COLUMN pending_offers;
ALTER TABLE agents DROP COLUMN active_conversations;
DROP TABLE escalation_events;
DROP TABLE offers;
DROP TABLE escalations;
