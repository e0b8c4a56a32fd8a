DROP INDEX webhook_deliveries_by_escalation;
ALTER TABLE webhook_deliveries DROP COLUMN escalation_id;
DROP INDEX escalations_by_customer;
ALTER TABLE escalations DROP COLUMN erased_at;
ALTER TABLE escalations DROP COLUMN customer_ref_hash;
ALTER TABLE escalations DROP COLUMN redactions;
