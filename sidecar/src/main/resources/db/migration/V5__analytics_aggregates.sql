-- Analytics: exact per-day and per-hour aggregates of the sessions, kept by triggers.
--
-- A session counts once, in the local day and hour (of the configured time zone) in which it STARTED
-- (docs/analytics.md). SQLite has no time-zone database, so the sidecar writes the zone's UTC offsets
-- into analytics_zone at start (analytics/ZoneTable.java) and the triggers look the offset up there.
-- When the zone (or its rules) changes, the sidecar refills analytics_zone and recomputes everything.
--
-- Flow of one change: a sessions row is inserted, updated or deleted -> its old contribution (sign -1)
-- and its new one (sign +1) go into the view analytics_contribution -> which computes the measures once
-- into analytics_delta -> which adds them to every aggregate table. Nothing is stored in the views.

CREATE TABLE analytics_zone (
    from_ms   INTEGER PRIMARY KEY,             -- this offset applies from this instant (UTC ms) on
    offset_ms INTEGER NOT NULL
);

-- zone = which zone (and rules) analytics_zone and every aggregate were computed for.
CREATE TABLE analytics_state (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- day = local calendar day as days since 1970-01-01; hour = local hour 0..23. The measures:
--   sessions        every session, whatever its status (a deleted recording does not undo the conversation)
--   ended           sessions that have ended (the ones with a duration)
--   duration_ms     sum of ended_ms - started_ms (talk time)
--   ok, errors, deleted   sessions with status ok, technical_error, deleted
--   conversation_ms, recorded_ms   sums of the settled sessions' values (coverage = recorded / conversation)
CREATE TABLE analytics_day (
    day INTEGER NOT NULL,
    sessions INTEGER NOT NULL, ended INTEGER NOT NULL, duration_ms INTEGER NOT NULL, ok INTEGER NOT NULL,
    errors INTEGER NOT NULL, deleted INTEGER NOT NULL, conversation_ms INTEGER NOT NULL, recorded_ms INTEGER NOT NULL,
    PRIMARY KEY (day)
) WITHOUT ROWID;

-- op_key joins operator_jid and operator_user_id (either may be NULL) into one non-NULL key; the two
-- columns keep their names so archive/Access.java's predicate applies to these tables as it is.
CREATE TABLE analytics_day_op (
    day INTEGER NOT NULL, op_key TEXT NOT NULL, operator_jid TEXT, operator_user_id TEXT,
    sessions INTEGER NOT NULL, ended INTEGER NOT NULL, duration_ms INTEGER NOT NULL, ok INTEGER NOT NULL,
    errors INTEGER NOT NULL, deleted INTEGER NOT NULL, conversation_ms INTEGER NOT NULL, recorded_ms INTEGER NOT NULL,
    PRIMARY KEY (day, op_key)
) WITHOUT ROWID;
CREATE INDEX analytics_day_op_jid ON analytics_day_op (operator_jid, day);
CREATE INDEX analytics_day_op_uid ON analytics_day_op (operator_user_id, day);

CREATE TABLE analytics_day_room (
    day INTEGER NOT NULL, room_name TEXT NOT NULL,
    sessions INTEGER NOT NULL, ended INTEGER NOT NULL, duration_ms INTEGER NOT NULL, ok INTEGER NOT NULL,
    errors INTEGER NOT NULL, deleted INTEGER NOT NULL, conversation_ms INTEGER NOT NULL, recorded_ms INTEGER NOT NULL,
    PRIMARY KEY (day, room_name)
) WITHOUT ROWID;

CREATE TABLE analytics_day_room_op (
    day INTEGER NOT NULL, room_name TEXT NOT NULL, op_key TEXT NOT NULL, operator_jid TEXT, operator_user_id TEXT,
    sessions INTEGER NOT NULL, ended INTEGER NOT NULL, duration_ms INTEGER NOT NULL, ok INTEGER NOT NULL,
    errors INTEGER NOT NULL, deleted INTEGER NOT NULL, conversation_ms INTEGER NOT NULL, recorded_ms INTEGER NOT NULL,
    PRIMARY KEY (day, room_name, op_key)
) WITHOUT ROWID;
CREATE INDEX analytics_day_room_op_jid ON analytics_day_room_op (operator_jid, day);
CREATE INDEX analytics_day_room_op_uid ON analytics_day_room_op (operator_user_id, day);

CREATE TABLE analytics_hour (
    day INTEGER NOT NULL, hour INTEGER NOT NULL,
    sessions INTEGER NOT NULL, ended INTEGER NOT NULL, duration_ms INTEGER NOT NULL, ok INTEGER NOT NULL,
    errors INTEGER NOT NULL, deleted INTEGER NOT NULL, conversation_ms INTEGER NOT NULL, recorded_ms INTEGER NOT NULL,
    PRIMARY KEY (day, hour)
) WITHOUT ROWID;

CREATE TABLE analytics_hour_op (
    day INTEGER NOT NULL, hour INTEGER NOT NULL, op_key TEXT NOT NULL, operator_jid TEXT, operator_user_id TEXT,
    sessions INTEGER NOT NULL, ended INTEGER NOT NULL, duration_ms INTEGER NOT NULL, ok INTEGER NOT NULL,
    errors INTEGER NOT NULL, deleted INTEGER NOT NULL, conversation_ms INTEGER NOT NULL, recorded_ms INTEGER NOT NULL,
    PRIMARY KEY (day, hour, op_key)
) WITHOUT ROWID;
CREATE INDEX analytics_hour_op_jid ON analytics_hour_op (operator_jid, day);
CREATE INDEX analytics_hour_op_uid ON analytics_hour_op (operator_user_id, day);

-- One session's contribution, signed: what the sessions triggers (and the recompute) write.
CREATE VIEW analytics_contribution AS SELECT
    0 AS sign, 0 AS started_ms, 0 AS ended_ms, '' AS status, 0 AS conversation_ms, 0 AS recorded_ms,
    '' AS room_name, '' AS operator_jid, '' AS operator_user_id WHERE 0;

-- The same contribution as measures, keyed by local day and hour.
CREATE VIEW analytics_delta AS SELECT
    0 AS day, 0 AS hour, '' AS room_name, '' AS op_key, '' AS operator_jid, '' AS operator_user_id,
    0 AS sessions, 0 AS ended, 0 AS duration_ms, 0 AS ok, 0 AS errors, 0 AS deleted, 0 AS conversation_ms,
    0 AS recorded_ms WHERE 0;

-- The one place the counting rule is written. Without a zone (before the sidecar's first start
-- fills analytics_zone) nothing is added: that start recomputes everything anyway.
CREATE TRIGGER analytics_contribution_add INSTEAD OF INSERT ON analytics_contribution BEGIN
    INSERT INTO analytics_delta
    SELECT l / 86400000, (l / 3600000) % 24, NEW.room_name,
           coalesce(NEW.operator_jid, '') || char(31) || coalesce(NEW.operator_user_id, ''),
           NEW.operator_jid, NEW.operator_user_id,
           NEW.sign,
           NEW.sign * (NEW.ended_ms IS NOT NULL),
           NEW.sign * coalesce(NEW.ended_ms - NEW.started_ms, 0),
           NEW.sign * (NEW.status = 'ok'),
           NEW.sign * (NEW.status = 'technical_error'),
           NEW.sign * (NEW.status = 'deleted'),
           NEW.sign * coalesce(NEW.conversation_ms, 0),
           NEW.sign * coalesce(NEW.recorded_ms, 0)
    FROM (SELECT NEW.started_ms + (SELECT offset_ms FROM analytics_zone WHERE from_ms <= NEW.started_ms
                                   ORDER BY from_ms DESC LIMIT 1) AS l)
    WHERE l IS NOT NULL;
END;

CREATE TRIGGER analytics_delta_add INSTEAD OF INSERT ON analytics_delta BEGIN
    INSERT INTO analytics_day VALUES (NEW.day,
        NEW.sessions, NEW.ended, NEW.duration_ms, NEW.ok, NEW.errors, NEW.deleted, NEW.conversation_ms, NEW.recorded_ms)
    ON CONFLICT DO UPDATE SET sessions = sessions + excluded.sessions, ended = ended + excluded.ended,
        duration_ms = duration_ms + excluded.duration_ms, ok = ok + excluded.ok, errors = errors + excluded.errors,
        deleted = deleted + excluded.deleted, conversation_ms = conversation_ms + excluded.conversation_ms,
        recorded_ms = recorded_ms + excluded.recorded_ms;
    INSERT INTO analytics_day_op VALUES (NEW.day, NEW.op_key, NEW.operator_jid, NEW.operator_user_id,
        NEW.sessions, NEW.ended, NEW.duration_ms, NEW.ok, NEW.errors, NEW.deleted, NEW.conversation_ms, NEW.recorded_ms)
    ON CONFLICT DO UPDATE SET sessions = sessions + excluded.sessions, ended = ended + excluded.ended,
        duration_ms = duration_ms + excluded.duration_ms, ok = ok + excluded.ok, errors = errors + excluded.errors,
        deleted = deleted + excluded.deleted, conversation_ms = conversation_ms + excluded.conversation_ms,
        recorded_ms = recorded_ms + excluded.recorded_ms;
    INSERT INTO analytics_day_room VALUES (NEW.day, NEW.room_name,
        NEW.sessions, NEW.ended, NEW.duration_ms, NEW.ok, NEW.errors, NEW.deleted, NEW.conversation_ms, NEW.recorded_ms)
    ON CONFLICT DO UPDATE SET sessions = sessions + excluded.sessions, ended = ended + excluded.ended,
        duration_ms = duration_ms + excluded.duration_ms, ok = ok + excluded.ok, errors = errors + excluded.errors,
        deleted = deleted + excluded.deleted, conversation_ms = conversation_ms + excluded.conversation_ms,
        recorded_ms = recorded_ms + excluded.recorded_ms;
    INSERT INTO analytics_day_room_op VALUES (NEW.day, NEW.room_name, NEW.op_key, NEW.operator_jid, NEW.operator_user_id,
        NEW.sessions, NEW.ended, NEW.duration_ms, NEW.ok, NEW.errors, NEW.deleted, NEW.conversation_ms, NEW.recorded_ms)
    ON CONFLICT DO UPDATE SET sessions = sessions + excluded.sessions, ended = ended + excluded.ended,
        duration_ms = duration_ms + excluded.duration_ms, ok = ok + excluded.ok, errors = errors + excluded.errors,
        deleted = deleted + excluded.deleted, conversation_ms = conversation_ms + excluded.conversation_ms,
        recorded_ms = recorded_ms + excluded.recorded_ms;
    INSERT INTO analytics_hour VALUES (NEW.day, NEW.hour,
        NEW.sessions, NEW.ended, NEW.duration_ms, NEW.ok, NEW.errors, NEW.deleted, NEW.conversation_ms, NEW.recorded_ms)
    ON CONFLICT DO UPDATE SET sessions = sessions + excluded.sessions, ended = ended + excluded.ended,
        duration_ms = duration_ms + excluded.duration_ms, ok = ok + excluded.ok, errors = errors + excluded.errors,
        deleted = deleted + excluded.deleted, conversation_ms = conversation_ms + excluded.conversation_ms,
        recorded_ms = recorded_ms + excluded.recorded_ms;
    INSERT INTO analytics_hour_op VALUES (NEW.day, NEW.hour, NEW.op_key, NEW.operator_jid, NEW.operator_user_id,
        NEW.sessions, NEW.ended, NEW.duration_ms, NEW.ok, NEW.errors, NEW.deleted, NEW.conversation_ms, NEW.recorded_ms)
    ON CONFLICT DO UPDATE SET sessions = sessions + excluded.sessions, ended = ended + excluded.ended,
        duration_ms = duration_ms + excluded.duration_ms, ok = ok + excluded.ok, errors = errors + excluded.errors,
        deleted = deleted + excluded.deleted, conversation_ms = conversation_ms + excluded.conversation_ms,
        recorded_ms = recorded_ms + excluded.recorded_ms;
END;

-- Every session's measures at once, for the recompute after a change of zone (set-based: a minute per
-- million sessions instead of row by row). The same rule as analytics_contribution_add above: keep
-- the two in step (AnalyticsIT's zone test compares them).
CREATE VIEW analytics_recompute AS SELECT
    l / 86400000 AS day, (l / 3600000) % 24 AS hour, room_name,
    coalesce(operator_jid, '') || char(31) || coalesce(operator_user_id, '') AS op_key, operator_jid, operator_user_id,
    1 AS sessions,
    (ended_ms IS NOT NULL) AS ended,
    coalesce(ended_ms - started_ms, 0) AS duration_ms,
    (status = 'ok') AS ok,
    (status = 'technical_error') AS errors,
    (status = 'deleted') AS deleted,
    coalesce(conversation_ms, 0) AS conversation_ms,
    coalesce(recorded_ms, 0) AS recorded_ms
FROM (SELECT s.*, s.started_ms + (SELECT z.offset_ms FROM analytics_zone z WHERE z.from_ms <= s.started_ms
                                  ORDER BY z.from_ms DESC LIMIT 1) AS l FROM sessions s)
WHERE l IS NOT NULL;

CREATE TRIGGER analytics_session_insert AFTER INSERT ON sessions BEGIN
    INSERT INTO analytics_contribution VALUES (1, NEW.started_ms, NEW.ended_ms, NEW.status, NEW.conversation_ms,
        NEW.recorded_ms, NEW.room_name, NEW.operator_jid, NEW.operator_user_id);
END;

CREATE TRIGGER analytics_session_update AFTER UPDATE OF started_ms, ended_ms, status, conversation_ms, recorded_ms,
        room_name, operator_jid, operator_user_id ON sessions
    WHEN OLD.started_ms IS NOT NEW.started_ms OR OLD.ended_ms IS NOT NEW.ended_ms OR OLD.status IS NOT NEW.status
        OR OLD.conversation_ms IS NOT NEW.conversation_ms OR OLD.recorded_ms IS NOT NEW.recorded_ms
        OR OLD.room_name IS NOT NEW.room_name OR OLD.operator_jid IS NOT NEW.operator_jid
        OR OLD.operator_user_id IS NOT NEW.operator_user_id
BEGIN
    INSERT INTO analytics_contribution VALUES (-1, OLD.started_ms, OLD.ended_ms, OLD.status, OLD.conversation_ms,
        OLD.recorded_ms, OLD.room_name, OLD.operator_jid, OLD.operator_user_id);
    INSERT INTO analytics_contribution VALUES (1, NEW.started_ms, NEW.ended_ms, NEW.status, NEW.conversation_ms,
        NEW.recorded_ms, NEW.room_name, NEW.operator_jid, NEW.operator_user_id);
END;

CREATE TRIGGER analytics_session_delete AFTER DELETE ON sessions BEGIN
    INSERT INTO analytics_contribution VALUES (-1, OLD.started_ms, OLD.ended_ms, OLD.status, OLD.conversation_ms,
        OLD.recorded_ms, OLD.room_name, OLD.operator_jid, OLD.operator_user_id);
END;
