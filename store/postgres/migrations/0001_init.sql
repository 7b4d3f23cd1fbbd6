CREATE TABLE accounts (
    id         uuid PRIMARY KEY,
    name       text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO accounts (id, name, created_at) VALUES ('00000000-0000-4000-8000-000000000001', 'local', 'epoch');

CREATE TABLE sessions (
    id         uuid PRIMARY KEY,
    owner_id   uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    track      text NOT NULL,
    mode       text NOT NULL,
    questions  jsonb NOT NULL DEFAULT '[]',
    minutes    integer NOT NULL,
    state      text NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    started_at timestamptz,
    ended_at   timestamptz
);
CREATE INDEX sessions_owner_created ON sessions (owner_id, created_at DESC, id);

CREATE TABLE utterances (
    id         uuid PRIMARY KEY,
    session_id uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    speaker    text NOT NULL,
    text       text NOT NULL,
    start_ms   bigint NOT NULL,
    end_ms     bigint NOT NULL,
    words      jsonb NOT NULL DEFAULT '[]',
    engine     text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL
);
CREATE INDEX utterances_session_start ON utterances (session_id, start_ms, id);

CREATE TABLE recordings (
    session_id  uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    direction   text NOT NULL,
    path        text NOT NULL,
    codec       text NOT NULL,
    duration_ms bigint NOT NULL DEFAULT 0,
    updated_at  timestamptz NOT NULL,
    PRIMARY KEY (session_id, direction)
);

CREATE TABLE reports (
    session_id uuid PRIMARY KEY REFERENCES sessions (id) ON DELETE CASCADE,
    version    integer NOT NULL,
    body       jsonb NOT NULL,
    created_at timestamptz NOT NULL
);
