-- Analytics, restructured: one aggregate table (analytics_cube) with daily AND monthly roll-ups, kept by
-- one set of triggers from one statement of the counting rule. Replaces V5's six tables, its two copies
-- of the rule (the per-row trigger and the recompute view) and its six upserts.
--
-- Why monthly: over a two-year range the per-day tables meant 10,000-30,000 rows per request (docs/
-- BENCHMARKS.md, "Analytics at 1,000,000 sessions"). A range now reads its whole months from the
-- monthly grain and only the days before the first and after the last whole month from the daily one
-- (analytics/AnalyticsQueries.java).
--
-- At the end: V3's search-text triggers rewritten around one view of a session's text.
--
-- Flow of one change: a sessions trigger puts the old row (sign -1) and/or the new one (+1) into
-- analytics_pending and inserts into the view analytics_apply -> whose trigger sums analytics_fanout
-- (the rule, analytics_measure, spread over every grain) per group, so an update's old and new rows
-- net out where they share a group, and upserts the sums into analytics_cube -> analytics_pending is
-- emptied. The recompute after a change of zone (analytics/ZoneTable.java) puts every session into
-- analytics_pending and inserts into analytics_apply too: one path, one rule.

DROP TRIGGER analytics_session_insert;
DROP TRIGGER analytics_session_update;
DROP TRIGGER analytics_session_delete;
DROP TRIGGER analytics_contribution_add;
DROP TRIGGER analytics_delta_add;
DROP VIEW analytics_contribution;
DROP VIEW analytics_delta;
DROP VIEW analytics_recompute;
DROP TABLE analytics_day;
DROP TABLE analytics_day_op;
DROP TABLE analytics_day_room;
DROP TABLE analytics_day_room_op;
DROP TABLE analytics_hour;
DROP TABLE analytics_hour_op;

-- The rows being counted: one or two inside a sessions trigger, every session inside the recompute,
-- none otherwise.
CREATE TABLE analytics_pending (
    sign INTEGER NOT NULL, started_ms INTEGER NOT NULL, ended_ms INTEGER, status TEXT NOT NULL, conversation_ms INTEGER,
    recorded_ms INTEGER, room_name TEXT NOT NULL, operator_jid TEXT, operator_user_id TEXT
);

-- The one place the counting rule is written (docs/analytics.md): a session counts wholly in the local
-- day, month, weekday (0 = Monday; 1970-01-01 was a Thursday) and hour in which it started. Without a
-- zone (before the sidecar's first start fills analytics_zone) nothing counts: that start recomputes.
CREATE VIEW analytics_measure AS SELECT
    l / 86400000 AS day,
    unixepoch(l / 1000, 'unixepoch', 'start of month') / 86400 AS month,
    (l / 86400000 + 3) % 7 AS weekday,
    (l / 3600000) % 24 AS hour,
    room_name,
    coalesce(operator_jid, '') || char(31) || coalesce(operator_user_id, '') AS op_key, operator_jid, operator_user_id,
    sign AS sessions,
    sign * (ended_ms IS NOT NULL) AS ended,
    sign * coalesce(ended_ms - started_ms, 0) AS duration_ms,
    sign * (status = 'ok') AS ok,
    sign * (status = 'technical_error') AS errors,
    sign * (status = 'deleted') AS deleted,
    sign * coalesce(conversation_ms, 0) AS conversation_ms,
    sign * coalesce(recorded_ms, 0) AS recorded_ms
FROM (SELECT p.*, p.started_ms + (SELECT z.offset_ms FROM analytics_zone z WHERE z.from_ms <= p.started_ms
                                  ORDER BY z.from_ms DESC LIMIT 1) AS l FROM analytics_pending p)
WHERE l IS NOT NULL;

-- What the figures are broken down by. span: a row per local day or per calendar month (period = the
-- day, or the month's 1st, as days since 1970-01-01); by_*: whether the grain keeps that key (else ''
-- or -1, one group for all).
CREATE TABLE analytics_grain (
    grain       TEXT    PRIMARY KEY,
    span        TEXT    NOT NULL CHECK (span IN ('day', 'month')),
    by_room     INTEGER NOT NULL,
    by_hour     INTEGER NOT NULL,               -- weekday and hour
    by_operator INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO analytics_grain VALUES
    ('day', 'day', 0, 0, 0), ('day_op', 'day', 0, 0, 1),
    ('day_room', 'day', 1, 0, 0), ('day_room_op', 'day', 1, 0, 1),
    ('day_hour', 'day', 0, 1, 0), ('day_hour_op', 'day', 0, 1, 1),
    ('month_op', 'month', 0, 0, 1),
    ('month_room', 'month', 1, 0, 0), ('month_room_op', 'month', 1, 0, 1),
    ('month_hour', 'month', 0, 1, 0), ('month_hour_op', 'month', 0, 1, 1);

-- The measures (as in V5): sessions; ended; duration_ms (talk); ok, errors, deleted (by status now);
-- conversation_ms, recorded_ms (coverage). op_key joins operator_jid and operator_user_id (either may
-- be NULL) into one non-NULL key; the two columns keep their names so archive/Access.java's predicate
-- applies as it is (NULL in the whole-team grains, which no operator's predicate matches).
CREATE TABLE analytics_cube (
    grain TEXT NOT NULL, period INTEGER NOT NULL, weekday INTEGER NOT NULL, hour INTEGER NOT NULL,
    room_name TEXT NOT NULL, op_key TEXT NOT NULL, operator_jid TEXT, operator_user_id TEXT,
    sessions INTEGER NOT NULL, ended INTEGER NOT NULL, duration_ms INTEGER NOT NULL, ok INTEGER NOT NULL,
    errors INTEGER NOT NULL, deleted INTEGER NOT NULL, conversation_ms INTEGER NOT NULL, recorded_ms INTEGER NOT NULL,
    PRIMARY KEY (grain, period, weekday, hour, room_name, op_key)
) WITHOUT ROWID;
-- An operator's own rows, in period order, with everything the queries read (covering: no lookup into
-- the table per row; an operator's two-year by-hour reads ~4,800 rows, 7 ms of CPU instead of 11).
CREATE INDEX analytics_cube_jid ON analytics_cube (operator_jid, grain, period, weekday, hour, room_name, op_key,
    operator_user_id, sessions, ended, duration_ms, ok, errors, deleted, conversation_ms, recorded_ms) WHERE operator_jid IS NOT NULL;
CREATE INDEX analytics_cube_uid ON analytics_cube (operator_user_id, grain, period, weekday, hour, room_name, op_key,
    operator_jid, sessions, ended, duration_ms, ok, errors, deleted, conversation_ms, recorded_ms) WHERE operator_user_id IS NOT NULL;

-- Planner statistics for analytics_cube, as ANALYZE measured them on a 1,000,000-session archive (40
-- operators). Without any, SQLite prefers the primary key (grain, period, ...) for an operator's figures
-- and walks every operator's rows (an operator's two-year daily: 31 ms instead of 5); with them it
-- takes the operator's index from the first query on. A later ANALYZE replaces them with real ones.
ANALYZE analytics_grain; -- creates sqlite_stat1 where no ANALYZE has run yet
DELETE FROM sqlite_stat1 WHERE tbl = 'analytics_cube';
INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES
    ('analytics_cube', 'analytics_cube', '1100000 100000 250 230 24 18 1'),
    ('analytics_cube', 'analytics_cube_jid', '1070000 27000 4500 12 12 2 1 1 1 1 1 1 1 1 1 1 1'),
    ('analytics_cube', 'analytics_cube_uid', '1070000 27000 4500 12 12 2 1 1 1 1 1 1 1 1 1 1 1');

-- The pending rows' measures, once per grain, keyed as analytics_cube is. MATERIALIZED: the rule (a
-- zone lookup, a date function) runs once per row, not once per row and grain (a fifth less CPU per write).
CREATE VIEW analytics_fanout AS WITH m AS MATERIALIZED (SELECT * FROM analytics_measure) SELECT
    g.grain,
    CASE g.span WHEN 'day' THEN m.day ELSE m.month END AS period,
    CASE WHEN g.by_hour THEN m.weekday ELSE -1 END AS weekday,
    CASE WHEN g.by_hour THEN m.hour ELSE -1 END AS hour,
    CASE WHEN g.by_room THEN m.room_name ELSE '' END AS room_name,
    CASE WHEN g.by_operator THEN m.op_key ELSE '' END AS op_key,
    CASE WHEN g.by_operator THEN m.operator_jid END AS operator_jid,
    CASE WHEN g.by_operator THEN m.operator_user_id END AS operator_user_id,
    m.sessions, m.ended, m.duration_ms, m.ok, m.errors, m.deleted, m.conversation_ms, m.recorded_ms
FROM m CROSS JOIN analytics_grain g;

-- Adds what analytics_pending holds to the cube, summed per group (groups whose sums are all 0, as
-- from an update that changed nothing counted, are skipped), then empties it. Insert any row to run it.
CREATE VIEW analytics_apply AS SELECT 0 AS now WHERE 0;
CREATE TRIGGER analytics_apply_pending INSTEAD OF INSERT ON analytics_apply BEGIN
    INSERT INTO analytics_cube SELECT grain, period, weekday, hour, room_name, op_key, max(operator_jid), max(operator_user_id),
        sum(sessions), sum(ended), sum(duration_ms), sum(ok), sum(errors), sum(deleted), sum(conversation_ms), sum(recorded_ms)
    FROM analytics_fanout WHERE 1 GROUP BY grain, period, weekday, hour, room_name, op_key
    HAVING sum(sessions) OR sum(ended) OR sum(duration_ms) OR sum(ok) OR sum(errors) OR sum(deleted)
        OR sum(conversation_ms) OR sum(recorded_ms)
    ON CONFLICT DO UPDATE SET sessions = sessions + excluded.sessions, ended = ended + excluded.ended,
        duration_ms = duration_ms + excluded.duration_ms, ok = ok + excluded.ok, errors = errors + excluded.errors,
        deleted = deleted + excluded.deleted, conversation_ms = conversation_ms + excluded.conversation_ms,
        recorded_ms = recorded_ms + excluded.recorded_ms;
    DELETE FROM analytics_pending;
END;

CREATE TRIGGER analytics_session_insert AFTER INSERT ON sessions BEGIN
    INSERT INTO analytics_pending VALUES (1, NEW.started_ms, NEW.ended_ms, NEW.status, NEW.conversation_ms,
        NEW.recorded_ms, NEW.room_name, NEW.operator_jid, NEW.operator_user_id);
    INSERT INTO analytics_apply VALUES (1);
END;

-- Only when a counted column really changed (an UPDATE may set a column to the value it had).
CREATE TRIGGER analytics_session_update AFTER UPDATE OF started_ms, ended_ms, status, conversation_ms, recorded_ms,
        room_name, operator_jid, operator_user_id ON sessions
    WHEN (OLD.started_ms, OLD.ended_ms, OLD.status, OLD.conversation_ms, OLD.recorded_ms, OLD.room_name, OLD.operator_jid,
          OLD.operator_user_id) IS NOT (NEW.started_ms, NEW.ended_ms, NEW.status, NEW.conversation_ms, NEW.recorded_ms,
          NEW.room_name, NEW.operator_jid, NEW.operator_user_id)
BEGIN
    INSERT INTO analytics_pending VALUES (-1, OLD.started_ms, OLD.ended_ms, OLD.status, OLD.conversation_ms,
        OLD.recorded_ms, OLD.room_name, OLD.operator_jid, OLD.operator_user_id),
        (1, NEW.started_ms, NEW.ended_ms, NEW.status, NEW.conversation_ms,
        NEW.recorded_ms, NEW.room_name, NEW.operator_jid, NEW.operator_user_id);
    INSERT INTO analytics_apply VALUES (1);
END;

CREATE TRIGGER analytics_session_delete AFTER DELETE ON sessions BEGIN
    INSERT INTO analytics_pending VALUES (-1, OLD.started_ms, OLD.ended_ms, OLD.status, OLD.conversation_ms,
        OLD.recorded_ms, OLD.room_name, OLD.operator_jid, OLD.operator_user_id);
    INSERT INTO analytics_apply VALUES (1);
END;

-- The aggregates are rebuilt from the sessions at the next start (analytics/ZoneTable.java).
DELETE FROM analytics_state WHERE key = 'zone';

-- Search text: V3 wrote a session's text out in each of its five triggers. Now once, in a view; the
-- triggers only say when a session's text is rebuilt (same text, so the index needs no rebuild).
CREATE VIEW session_text_source AS SELECT s.id,
    coalesce(s.room_name, '') || ' ' || coalesce(s.operator_name, '') || ' ' || coalesce(s.operator_jid, '')
    || ' ' || coalesce(s.client_name, '') || ' '
    || coalesce((SELECT group_concat(body, ' ') FROM notes WHERE session_id = s.id), '') AS body
FROM sessions s;

DROP TRIGGER session_text_insert;
DROP TRIGGER session_text_names;
DROP TRIGGER notes_insert;
DROP TRIGGER notes_update;
DROP TRIGGER notes_delete;

CREATE TRIGGER session_text_insert AFTER INSERT ON sessions BEGIN
    INSERT INTO session_text (rowid, body) SELECT id, body FROM session_text_source WHERE id = NEW.id;
END;

CREATE TRIGGER session_text_names AFTER UPDATE OF room_name, operator_name, operator_jid, client_name ON sessions BEGIN
    DELETE FROM session_text WHERE rowid = NEW.id;
    INSERT INTO session_text (rowid, body) SELECT id, body FROM session_text_source WHERE id = NEW.id;
END;

CREATE TRIGGER notes_insert AFTER INSERT ON notes BEGIN
    UPDATE sessions SET note_count = note_count + 1 WHERE id = NEW.session_id;
    DELETE FROM session_text WHERE rowid = NEW.session_id;
    INSERT INTO session_text (rowid, body) SELECT id, body FROM session_text_source WHERE id = NEW.session_id;
END;

CREATE TRIGGER notes_update AFTER UPDATE OF body ON notes BEGIN
    DELETE FROM session_text WHERE rowid = NEW.session_id;
    INSERT INTO session_text (rowid, body) SELECT id, body FROM session_text_source WHERE id = NEW.session_id;
END;

CREATE TRIGGER notes_delete AFTER DELETE ON notes BEGIN
    UPDATE sessions SET note_count = note_count - 1 WHERE id = OLD.session_id;
    DELETE FROM session_text WHERE rowid = OLD.session_id;
    INSERT INTO session_text (rowid, body) SELECT id, body FROM session_text_source WHERE id = OLD.session_id;
END;
