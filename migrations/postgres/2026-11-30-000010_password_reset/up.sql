-- One table of single-use email links: confirming an address (as before) or resetting a
-- password. A reset link sets a password only: it never signs in and never removes MFA.
ALTER TABLE email_verifications
    ADD COLUMN purpose TEXT NOT NULL DEFAULT 'confirm_email' CHECK (purpose IN ('confirm_email', 'reset_password'));
