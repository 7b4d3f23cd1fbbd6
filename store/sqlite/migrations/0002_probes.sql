CREATE TABLE probes (
    id         TEXT PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    question   TEXT NOT NULL,
    target     TEXT NOT NULL,
    kind       TEXT NOT NULL,
    reason     TEXT NOT NULL,
    text       TEXT NOT NULL,
    asked_ms   INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE INDEX probes_session ON probes (session_id, asked_ms);
