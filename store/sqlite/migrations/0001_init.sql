CREATE TABLE accounts (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
INSERT INTO accounts (id, name, created_at) VALUES ('00000000-0000-4000-8000-000000000001', 'local', 0);

CREATE TABLE sessions (
    id         TEXT PRIMARY KEY,
    owner_id   TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    track      TEXT NOT NULL,
    mode       TEXT NOT NULL,
    questions  TEXT NOT NULL DEFAULT '[]',
    minutes    INTEGER NOT NULL,
    state      TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    started_at INTEGER,
    ended_at   INTEGER
);
CREATE INDEX sessions_owner_created ON sessions (owner_id, created_at DESC, id);

CREATE TABLE utterances (
    id         TEXT PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    speaker    TEXT NOT NULL,
    text       TEXT NOT NULL,
    start_ms   INTEGER NOT NULL,
    end_ms     INTEGER NOT NULL,
    words      TEXT NOT NULL DEFAULT '[]',
    engine     TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL
);
CREATE INDEX utterances_session_start ON utterances (session_id, start_ms, id);

CREATE TABLE recordings (
    session_id  TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    direction   TEXT NOT NULL,
    path        TEXT NOT NULL,
    codec       TEXT NOT NULL,
    duration_ms INTEGER NOT NULL DEFAULT 0,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (session_id, direction)
);

CREATE TABLE reports (
    session_id TEXT PRIMARY KEY REFERENCES sessions (id) ON DELETE CASCADE,
    version    INTEGER NOT NULL,
    body       TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
