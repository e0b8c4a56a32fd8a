ALTER TABLE escalations DROP COLUMN first_reply_at;
ALTER TABLE escalations DROP COLUMN disposition;
DROP TABLE ratings;
DROP TABLE webhook_deliveries;
DROP TABLE messages;
