-- Which data key sealed the secrets stored here (webhook secrets, TOTP secrets): an instance
-- whose key does not match refuses to start rather than fail on every secret it reads.
CREATE TABLE keyring (
    name TEXT PRIMARY KEY,
    key_id TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- A user's second factor (TOTP, RFC 6238). The secret is sealed with the data key. Until
-- confirmed with a first code it does not count. last_step is the replay guard: a code is
-- accepted only for a time step later than the last one used, in one conditional update.
CREATE TABLE mfa_factors (
    user_id BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret_sealed TEXT NOT NULL,
    confirmed_at TIMESTAMP,
    last_step BIGINT,
    created_at TIMESTAMP NOT NULL
);

-- Ten single-use recovery codes per enrolment, stored as hashes.
CREATE TABLE mfa_recovery_codes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL UNIQUE,
    used_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX mfa_recovery_codes_by_user ON mfa_recovery_codes (user_id);

-- A password that was right, waiting for its second factor: single use, short-lived, with a
-- count of wrong codes (the challenge is burnt after a few). Stored as a hash.
CREATE TABLE login_challenges (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash TEXT NOT NULL UNIQUE,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    enrolment BOOLEAN NOT NULL,
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP
);
CREATE INDEX login_challenges_by_expiry ON login_challenges (expires_at);
