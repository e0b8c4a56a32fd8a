DROP TABLE pay_bands;
DROP TABLE presence_events;
DROP TABLE availability_exceptions;
DROP TABLE availability_slots;
ALTER TABLE agents DROP COLUMN last_heartbeat_at;
ALTER TABLE agents DROP COLUMN presence_reason;
ALTER TABLE agents DROP COLUMN presence;
