-- Customer data: how many card numbers, IBANs and staff patterns were hidden at intake and in
-- messages; the platform's customer reference, kept only as a keyed hash (HMAC), for erasure
-- and access requests; when the conversation content was erased.
ALTER TABLE escalations ADD COLUMN redactions INTEGER NOT NULL DEFAULT 0;
ALTER TABLE escalations ADD COLUMN customer_ref_hash TEXT;
ALTER TABLE escalations ADD COLUMN erased_at TIMESTAMP;
CREATE INDEX escalations_by_customer ON escalations (service_account_id, customer_ref_hash);
-- Which escalation a queued webhook is about, so an erasure can drop those not yet delivered.
ALTER TABLE webhook_deliveries ADD COLUMN escalation_id BIGINT;
CREATE INDEX webhook_deliveries_by_escalation ON webhook_deliveries (escalation_id);
