-- Recording core: the event journal, rooms, sessions, recorder attempts, files and hand-overs.
-- Times are milliseconds since the epoch (UTC).

CREATE TABLE events (
    id            TEXT    PRIMARY KEY,          -- the module's event id: repeats are ignored
    room_jid      TEXT    NOT NULL,
    room_instance TEXT    NOT NULL,
    seq           INTEGER NOT NULL,
    type          TEXT    NOT NULL,
    ts_ms         INTEGER NOT NULL,             -- when Prosody saw it
    received_ms   INTEGER NOT NULL,             -- when we journaled it
    body          TEXT    NOT NULL              -- the event as received
);
CREATE INDEX events_by_room ON events (room_instance, seq);

CREATE TABLE sessions (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    room_jid         TEXT    NOT NULL,
    room_name        TEXT    NOT NULL,
    origin           TEXT    NOT NULL DEFAULT 'auto' CHECK (origin IN ('auto', 'orphan')),
    operator_jid     TEXT,
    operator_user_id TEXT,                      -- JWT context.user.id when present
    operator_name    TEXT,
    client_jid       TEXT,
    client_user_id   TEXT,
    client_name      TEXT,
    started_ms       INTEGER NOT NULL,
    ended_ms         INTEGER,
    status           TEXT    NOT NULL CHECK (status IN
                        ('starting', 'recording', 'stopping', 'ok', 'technical_error', 'deleted')),
    reason           TEXT,                      -- why the status is what it is (errors, stop reason)
    conversation_ms  INTEGER,                   -- time a client was present
    recorded_ms      INTEGER,                   -- of that, time a recorder was recording
    updated_ms       INTEGER NOT NULL
);
CREATE INDEX sessions_newest ON sessions (started_ms DESC, id DESC);
CREATE INDEX sessions_by_room ON sessions (room_jid, started_ms DESC);
CREATE INDEX sessions_by_status ON sessions (status, started_ms DESC);

CREATE TABLE session_history (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id INTEGER NOT NULL REFERENCES sessions (id),
    status     TEXT    NOT NULL,
    reason     TEXT,
    at_ms      INTEGER NOT NULL
);
CREATE INDEX session_history_by_session ON session_history (session_id, id);

-- When a client was in the room during a session (for coverage).
CREATE TABLE client_presence (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id INTEGER NOT NULL REFERENCES sessions (id),
    from_ms    INTEGER NOT NULL,
    to_ms      INTEGER
);
CREATE INDEX client_presence_by_session ON client_presence (session_id);

-- One row per attempt to record a session on a Jibri.
CREATE TABLE recordings (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id       INTEGER NOT NULL REFERENCES sessions (id),
    jibri_session_id TEXT    NOT NULL UNIQUE,   -- the sessionId we gave Jibri = its folder name
    jibri_url        TEXT,
    requested_ms     INTEGER NOT NULL,
    started_ms       INTEGER,                   -- Jibri accepted / reported ON
    stopped_ms       INTEGER,
    status           TEXT    NOT NULL CHECK (status IN
                        ('requested', 'recording', 'stopping', 'stopped', 'failed', 'ingested')),
    failure          TEXT
);
CREATE INDEX recordings_by_session ON recordings (session_id);

CREATE TABLE files (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id    INTEGER NOT NULL REFERENCES sessions (id),
    recording_id  INTEGER REFERENCES recordings (id),
    kind          TEXT    NOT NULL CHECK (kind IN ('media', 'metadata', 'other')),
    path          TEXT    NOT NULL UNIQUE,      -- relative to the archive folder
    original_name TEXT    NOT NULL,
    size_bytes    INTEGER NOT NULL,
    sha256        TEXT    NOT NULL,
    duration_ms   INTEGER,
    media_error   TEXT,                         -- ffprobe's complaint when the media is unreadable
    ingested_ms   INTEGER NOT NULL
);
CREATE INDEX files_by_session ON files (session_id);

-- Every finalize hand-over, journaled before it is acknowledged.
CREATE TABLE handovers (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    dir_name    TEXT    NOT NULL UNIQUE,
    source_path TEXT    NOT NULL,
    mode        TEXT    NOT NULL CHECK (mode IN ('local', 'upload')),
    received_ms INTEGER NOT NULL,
    state       TEXT    NOT NULL CHECK (state IN ('pending', 'done', 'failed')),
    session_id  INTEGER REFERENCES sessions (id),
    error       TEXT,
    done_ms     INTEGER
);
