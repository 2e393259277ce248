-- Privacy controls: a hash-chained append-only audit, retention with legal holds, crash-safe deletion
-- (intent first, then the file, then done), integrity checks of stored files, client contact fields
-- for data-subject requests.

-- Audit: each row carries the hash of the one before and its own (see audit/AuditChain).
ALTER TABLE audit ADD COLUMN prev_hash TEXT;
ALTER TABLE audit ADD COLUMN hash TEXT;
-- Two rows can never follow the same one: the chain stays a line even with two writers.
CREATE UNIQUE INDEX audit_chain ON audit (prev_hash);
CREATE INDEX audit_by_user ON audit (username, id);
CREATE INDEX audit_by_action ON audit (action, id);
-- Append-only. A sealed row cannot be changed or removed through SQLite; rows written before this
-- migration are sealed once (their hash set) at the next start.
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit WHEN OLD.hash IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;

-- Legal hold: blocks every deletion while set.
ALTER TABLE sessions ADD COLUMN legal_hold INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN legal_hold_reason TEXT;
ALTER TABLE sessions ADD COLUMN legal_hold_by TEXT;
ALTER TABLE sessions ADD COLUMN legal_hold_ms INTEGER;
-- Deletion of a session's recording: intent (deleting_ms) is written before any file goes; the
-- card keeps who, why and when once it is done (status 'deleted').
ALTER TABLE sessions ADD COLUMN deleting_ms INTEGER;
ALTER TABLE sessions ADD COLUMN deleted_ms INTEGER;
ALTER TABLE sessions ADD COLUMN deleted_by TEXT;
ALTER TABLE sessions ADD COLUMN deleted_why TEXT;
CREATE INDEX sessions_deleting ON sessions (id) WHERE deleting_ms IS NOT NULL AND deleted_ms IS NULL;
-- What Jitsi knew of the client beyond the name, for data-subject requests.
ALTER TABLE sessions ADD COLUMN client_email TEXT;
ALTER TABLE sessions ADD COLUMN client_phone TEXT;

-- Per file: deletion intent and completion; the last integrity check and its finding.
ALTER TABLE files ADD COLUMN deleting_ms INTEGER;
ALTER TABLE files ADD COLUMN deleted_ms INTEGER;
ALTER TABLE files ADD COLUMN verified_ms INTEGER;
ALTER TABLE files ADD COLUMN verify_error TEXT;

-- The retention policy an admin set (API or CLI); it overrides zentrix.retention in the config.
CREATE TABLE retention_policy (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    body       TEXT    NOT NULL,                -- JSON, see retention/RetentionPolicy
    updated_by TEXT    NOT NULL,
    updated_ms INTEGER NOT NULL
);
