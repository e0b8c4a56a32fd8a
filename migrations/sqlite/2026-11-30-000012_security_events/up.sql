-- What happened to accounts, for admins to review (kept 365 days): sign-ins and failures,
-- logouts, a spent refresh token presented again, password resets and changes, status and
-- role changes. The email is kept as typed for failures on unknown accounts (credential
-- stuffing shows there); the client address is the peer's.
CREATE TABLE security_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    user_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    email TEXT,
    client_ip TEXT,
    detail TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX security_events_by_time ON security_events (created_at);
CREATE INDEX security_events_by_kind ON security_events (kind, id);
CREATE INDEX security_events_by_user ON security_events (user_id, id);
