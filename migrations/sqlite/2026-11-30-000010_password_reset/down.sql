ALTER TABLE email_verifications DROP COLUMN purpose;
