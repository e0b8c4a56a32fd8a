-- Rate limits every instance shares (used on PostgreSQL; SQLite is one process and keeps its
-- limits in memory). One row per budget key ("login-email:a@b.c"), holding the GCRA's
-- theoretical arrival time in microseconds since 1970: an attempt is allowed while the time it
-- pushes that to stays within the budget's window ahead of now.
CREATE TABLE rate_limits (
    key TEXT PRIMARY KEY NOT NULL,
    tat_us BIGINT NOT NULL
);
