-- Coverage forecasts (issue 19): one row per queue (language × required skills × market) per
-- run, holding its arrivals per 30-minute interval from starts_at and the pace Erlang A needs.
-- inputs_version names the history it was computed from, so a run can be traced and a rerun on
-- unchanged history recognised.
CREATE TABLE coverage_forecasts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    computed_at TIMESTAMP NOT NULL,
    inputs_version TEXT NOT NULL,
    starts_at TIMESTAMP NOT NULL,
    language TEXT NOT NULL,
    market TEXT NOT NULL,
    required_skills TEXT NOT NULL,
    method TEXT NOT NULL,
    history_intervals INTEGER NOT NULL,
    handle_s DOUBLE NOT NULL,
    patience_s DOUBLE NOT NULL,
    accept_s DOUBLE NOT NULL,
    -- JSON array of arrivals per interval.
    arrivals TEXT NOT NULL
);
CREATE INDEX coverage_forecasts_by_run ON coverage_forecasts (computed_at);
