CREATE TABLE probes (
    id         uuid PRIMARY KEY,
    session_id uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    question   text NOT NULL,
    target     text NOT NULL,
    kind       text NOT NULL,
    reason     text NOT NULL,
    text       text NOT NULL,
    asked_ms   bigint NOT NULL,
    created_at timestamptz NOT NULL
);

CREATE INDEX probes_session ON probes (session_id, asked_ms);
