-- Who leads dispatch. One row per lease name; the holder renews `expires_at` with every batch it
-- commits (and at least every second), and a batch commits only while the row still names its
-- holder and epoch, so a dispatcher that lost its lease can never write a decision.
CREATE TABLE leases (
    name TEXT PRIMARY KEY NOT NULL,
    holder TEXT NOT NULL,
    epoch BIGINT NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
-- /readyz proves the database takes writes by bumping this row.
CREATE TABLE health_probes (
    id INTEGER PRIMARY KEY NOT NULL,
    beats BIGINT NOT NULL,
    probed_at TIMESTAMP NOT NULL
);
INSERT INTO health_probes (id, beats, probed_at) VALUES (1, 0, '1970-01-01 00:00:00');
