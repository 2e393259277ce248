-- The archive: accounts and their login sessions, notes pinned to moments, flags with who and when,
-- the audit trail, and full-text search over names and notes.

CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    username      TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    display_name  TEXT,
    role          TEXT    NOT NULL CHECK (role IN ('admin', 'supervisor', 'operator')),
    password_hash TEXT,                         -- bcrypt; NULL = no local password (Jitsi or JWT login)
    xmpp_jid      TEXT    UNIQUE COLLATE NOCASE, -- the bare JID Prosody reports for this person
    jwt_user_id   TEXT    UNIQUE,                -- Jitsi JWT context.user.id
    disabled      INTEGER NOT NULL DEFAULT 0,
    created_ms    INTEGER NOT NULL
);

CREATE TABLE login_sessions (
    token_hash  TEXT    PRIMARY KEY,            -- SHA-256 of the cookie value; the value itself is never stored
    user_id     INTEGER NOT NULL REFERENCES users (id),
    csrf_token  TEXT    NOT NULL,
    method      TEXT    NOT NULL,
    ip          TEXT,
    created_ms  INTEGER NOT NULL,
    expires_ms  INTEGER NOT NULL
);
CREATE INDEX login_sessions_by_user ON login_sessions (user_id);

ALTER TABLE sessions ADD COLUMN sensitive INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN sensitive_by INTEGER REFERENCES users (id);
ALTER TABLE sessions ADD COLUMN sensitive_ms INTEGER;
ALTER TABLE sessions ADD COLUMN needs_review INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN needs_review_by INTEGER REFERENCES users (id);
ALTER TABLE sessions ADD COLUMN needs_review_ms INTEGER;
ALTER TABLE sessions ADD COLUMN reviewed_by INTEGER REFERENCES users (id);
ALTER TABLE sessions ADD COLUMN reviewed_ms INTEGER;
ALTER TABLE sessions ADD COLUMN note_count INTEGER NOT NULL DEFAULT 0;

CREATE INDEX sessions_by_operator_jid ON sessions (operator_jid, started_ms DESC, id DESC);
CREATE INDEX sessions_by_operator_uid ON sessions (operator_user_id, started_ms DESC, id DESC);
CREATE INDEX sessions_by_room_name ON sessions (room_name, started_ms DESC, id DESC);
CREATE INDEX sessions_needing_review ON sessions (started_ms DESC, id DESC) WHERE needs_review = 1;
CREATE INDEX sessions_sensitive ON sessions (started_ms DESC, id DESC) WHERE sensitive = 1;

CREATE TABLE notes (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id INTEGER NOT NULL REFERENCES sessions (id),
    author_id  INTEGER NOT NULL REFERENCES users (id),
    body       TEXT    NOT NULL,
    at_ms      INTEGER,                         -- the moment in the recording it is pinned to
    created_ms INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL
);
CREATE INDEX notes_by_session ON notes (session_id, id);

CREATE TABLE flag_history (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id INTEGER NOT NULL REFERENCES sessions (id),
    flag       TEXT    NOT NULL CHECK (flag IN ('sensitive', 'needs_review', 'reviewed')),
    value      INTEGER NOT NULL,
    user_id    INTEGER REFERENCES users (id),
    at_ms      INTEGER NOT NULL
);
CREATE INDEX flag_history_by_session ON flag_history (session_id, id);

CREATE TABLE audit (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    at_ms      INTEGER NOT NULL,
    user_id    INTEGER,
    username   TEXT,
    action     TEXT    NOT NULL,
    session_id INTEGER,
    detail     TEXT,
    ip         TEXT
);
CREATE INDEX audit_by_session ON audit (session_id, id);
CREATE INDEX audit_by_time ON audit (at_ms);

-- Full-text search over room, operator and client names and the notes of a session (rowid = session id).
CREATE VIRTUAL TABLE session_text USING fts5 (body, tokenize = 'unicode61 remove_diacritics 2');

CREATE TRIGGER session_text_insert AFTER INSERT ON sessions BEGIN
    INSERT INTO session_text (rowid, body) VALUES (NEW.id,
        coalesce(NEW.room_name, '') || ' ' || coalesce(NEW.operator_name, '') || ' ' || coalesce(NEW.operator_jid, '')
        || ' ' || coalesce(NEW.client_name, ''));
END;

CREATE TRIGGER session_text_names AFTER UPDATE OF room_name, operator_name, operator_jid, client_name ON sessions BEGIN
    DELETE FROM session_text WHERE rowid = NEW.id;
    INSERT INTO session_text (rowid, body) SELECT NEW.id,
        coalesce(NEW.room_name, '') || ' ' || coalesce(NEW.operator_name, '') || ' ' || coalesce(NEW.operator_jid, '')
        || ' ' || coalesce(NEW.client_name, '') || ' '
        || coalesce((SELECT group_concat(body, ' ') FROM notes WHERE session_id = NEW.id), '');
END;

CREATE TRIGGER notes_insert AFTER INSERT ON notes BEGIN
    UPDATE sessions SET note_count = note_count + 1 WHERE id = NEW.session_id;
    DELETE FROM session_text WHERE rowid = NEW.session_id;
    INSERT INTO session_text (rowid, body) SELECT s.id,
        coalesce(s.room_name, '') || ' ' || coalesce(s.operator_name, '') || ' ' || coalesce(s.operator_jid, '')
        || ' ' || coalesce(s.client_name, '') || ' '
        || coalesce((SELECT group_concat(body, ' ') FROM notes WHERE session_id = s.id), '')
        FROM sessions s WHERE s.id = NEW.session_id;
END;

CREATE TRIGGER notes_update AFTER UPDATE OF body ON notes BEGIN
    DELETE FROM session_text WHERE rowid = NEW.session_id;
    INSERT INTO session_text (rowid, body) SELECT s.id,
        coalesce(s.room_name, '') || ' ' || coalesce(s.operator_name, '') || ' ' || coalesce(s.operator_jid, '')
        || ' ' || coalesce(s.client_name, '') || ' '
        || coalesce((SELECT group_concat(body, ' ') FROM notes WHERE session_id = s.id), '')
        FROM sessions s WHERE s.id = NEW.session_id;
END;

CREATE TRIGGER notes_delete AFTER DELETE ON notes BEGIN
    UPDATE sessions SET note_count = note_count - 1 WHERE id = OLD.session_id;
    DELETE FROM session_text WHERE rowid = OLD.session_id;
    INSERT INTO session_text (rowid, body) SELECT s.id,
        coalesce(s.room_name, '') || ' ' || coalesce(s.operator_name, '') || ' ' || coalesce(s.operator_jid, '')
        || ' ' || coalesce(s.client_name, '') || ' '
        || coalesce((SELECT group_concat(body, ' ') FROM notes WHERE session_id = s.id), '')
        FROM sessions s WHERE s.id = OLD.session_id;
END;

-- Existing sessions get their search text too.
INSERT INTO session_text (rowid, body) SELECT id,
    coalesce(room_name, '') || ' ' || coalesce(operator_name, '') || ' ' || coalesce(operator_jid, '') || ' ' || coalesce(client_name, '')
    FROM sessions;
