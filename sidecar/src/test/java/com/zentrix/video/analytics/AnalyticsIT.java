package com.zentrix.video.analytics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.zentrix.video.auth.Role;
import com.zentrix.video.testing.ApiClient;
import com.zentrix.video.testing.Archive;
import com.zentrix.video.testing.Sidecar;
import com.zentrix.video.web.Csv;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.Predicate;
import org.jdbi.v3.core.statement.PreparedBatch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The analytics API over real HTTP against generated sessions in the real SQLite file, checked
 * against sums this test computes itself, in plain Java, from the same generated data: across both
 * DST changes of Europe/Kyiv (2026-03-29, 2026-10-25), with sessions crossing midnight, failed,
 * deleted, still running, changed after the fact and removed; per role; as CSV; and after the
 * configured zone changes. Pre-warm sessions are settled by the production settler: the warm-up-only
 * ones (no client joined, recording kept) count nowhere, also once deleted, moved or removed; a warm-up
 * a client joined counts like any session.
 */
class AnalyticsIT {
    static final ZoneId KYIV = ZoneId.of("Europe/Kyiv");
    static final String A = "olena@meet.zentrix.local";
    static final String FROM = "2026-03-01";
    static final String TO = "2026-11-30";
    static final String[] ROOMS = {"window-1", "window-2", "довідки", "room, \"quoted\"\nline"};
    static final String[] OPS = {A, "taras@meet.zentrix.local", "marta@meet.zentrix.local", null};
    @TempDir static Path dir;
    static Sidecar sidecar;
    static final List<Gen> sessions = new ArrayList<>();

    /** One generated session, as the test knows it. */
    static final class Gen {
        long id;
        String room;
        String opJid;
        String opUid;
        long start;
        Long end;
        String status;
        Long conv;
        Long rec;
        /** Pre-warm: when the warm-up started (= start); when a client joined (null: none did); whether a file came. */
        Long prewarm;
        Long clientFrom;
        boolean file;
        boolean warmUpOnly;
    }

    @BeforeAll
    static void start() {
        sidecar = builder(KYIV).start();
        Archive archive = new Archive(sidecar);
        archive.user("olena", Role.OPERATOR, A, "olena-password");
        archive.user("sofia", Role.SUPERVISOR, null, "sofia-password");
        generate(new Random(20260329L));
        generateWarmUps(new Random(8));
        insert();
        settleWarmUps();
        changeAfterTheFact(new Random(7));
    }

    static Sidecar.Builder builder(ZoneId zone) {
        return Sidecar.builder(dir).jibris("http://127.0.0.1:9/jibri/api/v1.0").set("zentrix.auth.cookie-secure", false)
                .set("zentrix.time-zone", zone.getId());
    }

    @AfterAll
    static void stop() {
        if (sidecar != null) sidecar.close();
    }

    static void generate(Random rnd) {
        List<Long> starts = new ArrayList<>();
        // Spread over the whole range,
        long a = LocalDate.parse("2026-03-05").atStartOfDay(KYIV).toInstant().toEpochMilli();
        long b = LocalDate.parse("2026-11-25").atStartOfDay(KYIV).toInstant().toEpochMilli();
        for (int i = 0; i < 2500; i++) starts.add(a + (long) (rnd.nextDouble() * (b - a)));
        // dense around both DST changes (the hours that are skipped and repeated),
        for (String dst : List.of("2026-03-28T22:00:00Z", "2026-10-24T22:00:00Z")) {
            long t = Instant.parse(dst).toEpochMilli();
            for (int i = 0; i < 300; i++) starts.add(t + (long) (rnd.nextDouble() * 8 * 3600_000L));
        }
        // and just before local midnight, so they end the next day.
        for (int i = 0; i < 200; i++) {
            LocalDate d = LocalDate.parse("2026-03-10").plusDays(rnd.nextInt(250));
            starts.add(d.atTime(23, 40).atZone(KYIV).toInstant().toEpochMilli() + rnd.nextInt(19 * 60_000));
        }
        // and around local midnight where a month turns, which in UTC is still the old month's last day.
        for (int m = 3; m <= 11; m++) {
            long turn = LocalDate.of(2026, m, 1).atStartOfDay(KYIV).toInstant().toEpochMilli();
            for (int i = 0; i < 20; i++) starts.add(turn - 30 * 60_000 + rnd.nextInt(60 * 60_000));
        }
        for (long s : starts) {
            Gen g = new Gen();
            g.room = ROOMS[rnd.nextInt(ROOMS.length)];
            int op = rnd.nextInt(OPS.length + 1);
            g.opJid = op < OPS.length ? OPS[op] : null;
            g.opUid = op == OPS.length ? "jwt-user-7" : null;
            g.start = s;
            double p = rnd.nextDouble();
            g.status = p < 0.7 ? "ok" : p < 0.82 ? "technical_error" : p < 0.92 ? "deleted" : "stopping";
            // Some have no end yet (as 'stopping': a running 'recording' one would be taken back and
            // ended by the coordinator when the zone test restarts the sidecar).
            if (p < 0.96) g.end = s + 30_000 + rnd.nextInt(45 * 60_000);
            if (g.end != null && !g.status.equals("stopping")) {
                g.conv = g.end - s - rnd.nextInt(20_000);
                g.rec = g.status.equals("technical_error") ? rnd.nextInt(10_000) : g.conv - rnd.nextInt(5_000);
            }
            sessions.add(g);
        }
    }

    /**
     * Pre-warm sessions, ended and waiting to be settled: half no client joined (a file came: warm-up
     * only), a third a client joined later (counts), the rest no client and no file (a technical error,
     * which counts: no recording was kept).
     */
    static void generateWarmUps(Random rnd) {
        long a = LocalDate.parse("2026-03-05").atStartOfDay(KYIV).toInstant().toEpochMilli();
        long b = LocalDate.parse("2026-11-25").atStartOfDay(KYIV).toInstant().toEpochMilli();
        for (int i = 0; i < 400; i++) {
            Gen g = new Gen();
            g.room = ROOMS[rnd.nextInt(ROOMS.length)];
            int op = rnd.nextInt(OPS.length + 1);
            g.opJid = op < OPS.length ? OPS[op] : null;
            g.opUid = op == OPS.length ? "jwt-user-7" : null;
            g.start = a + (long) (rnd.nextDouble() * (b - a));
            g.prewarm = g.start;
            g.end = g.start + 60_000 + rnd.nextInt(20 * 60_000);
            g.status = "stopping";
            double p = rnd.nextDouble();
            g.file = p < 0.85;
            if (p >= 0.5 && p < 0.85) g.clientFrom = g.start + 1_000 + rnd.nextInt((int) (g.end - g.start - 1_000));
            sessions.add(g);
        }
    }

    /** What the settler (production code) makes of the warm-ups, as the test expects it. */
    static void settleWarmUps() {
        com.zentrix.video.recording.SessionStore store = new com.zentrix.video.recording.SessionStore(sidecar.db());
        for (Gen g : sessions) {
            if (g.prewarm == null) continue;
            sidecar.db().useHandle(h -> {
                if (g.clientFrom != null) h.execute("INSERT INTO client_presence (session_id, from_ms) VALUES (?, ?)", g.id, g.clientFrom);
                if (g.file) h.execute("INSERT INTO files (session_id, kind, path, original_name, size_bytes, sha256, duration_ms, "
                        + "ingested_ms) VALUES (?, 'media', ?, 'w.mp4', 1000, 'x', ?, ?)", g.id, "warm/" + g.id + ".mp4", g.end - g.start, g.end);
            });
            store.settle(g.id, g.end + 5_000);
            g.status = g.file ? "ok" : "technical_error";
            g.warmUpOnly = g.file && g.clientFrom == null;
            g.conv = g.clientFrom == null ? 0 : g.end - g.clientFrom;
            g.rec = 0L; // no recorder attempt was ingested
        }
    }

    static void insert() {
        sidecar.db().useTransaction(h -> {
            for (Gen g : sessions) {
                g.id = h.createUpdate("INSERT INTO sessions (room_jid, room_name, operator_jid, operator_user_id, operator_name, "
                                + "started_ms, ended_ms, status, conversation_ms, recorded_ms, updated_ms, prewarm_ms) "
                                + "VALUES (:rj, :r, :oj, :ou, :on, :s, :e, :st, :c, :rec, :s, :pw)")
                        .bind("rj", "x@conference.meet.zentrix.local").bind("r", g.room).bind("oj", g.opJid).bind("ou", g.opUid)
                        .bind("on", g.opJid == null ? "Гість-оператор" : "Оператор " + g.opJid.substring(0, 4))
                        .bind("s", g.start).bind("e", g.end).bind("st", g.status).bind("c", g.conv).bind("rec", g.rec).bind("pw", g.prewarm)
                        .executeAndReturnGeneratedKeys("id").mapTo(Long.class).one();
            }
        });
    }

    /** Statuses change, sessions end and settle, recordings get deleted, a few rows vanish. */
    static void changeAfterTheFact(Random rnd) {
        List<Gen> gone = new ArrayList<>();
        sidecar.db().useTransaction(h -> {
            for (Gen g : sessions) {
                double p = rnd.nextDouble();
                if (p < 0.05 && g.status.equals("ok")) {
                    g.status = "deleted";
                    h.execute("UPDATE sessions SET status = 'deleted' WHERE id = ?", g.id);
                } else if (p < 0.10 && g.status.equals("stopping") && g.end != null) {
                    g.status = "ok";
                    g.conv = g.end - g.start;
                    g.rec = g.conv - 1000;
                    h.execute("UPDATE sessions SET status = 'ok', conversation_ms = ?, recorded_ms = ? WHERE id = ?", g.conv, g.rec, g.id);
                } else if (p < 0.13) {
                    g.start += 3 * 3600_000L; // moved three hours later: may change its day and hour
                    h.execute("UPDATE sessions SET started_ms = ? WHERE id = ?", g.start, g.id);
                } else if (p < 0.15) {
                    g.room = ROOMS[(java.util.Arrays.asList(ROOMS).indexOf(g.room) + 1) % ROOMS.length];
                    h.execute("UPDATE sessions SET room_name = ?, note_count = note_count WHERE id = ?", g.room, g.id);
                } else if (p < 0.17) {
                    gone.add(g);
                    h.execute("DELETE FROM sessions WHERE id = ?", g.id);
                }
            }
        });
        sessions.removeAll(gone);
    }

    // ---- the expectation, computed here from the generated sessions ----

    static long[] measures(Gen g) {
        return new long[] {1, g.end != null ? 1 : 0, g.end != null ? g.end - g.start : 0, g.status.equals("ok") ? 1 : 0,
            g.status.equals("technical_error") ? 1 : 0, g.status.equals("deleted") ? 1 : 0, g.conv == null ? 0 : g.conv,
            g.rec == null ? 0 : g.rec};
    }

    static final String[] MEASURE_COLUMNS = {"sessions", "ended", "talk_ms", "ok", "technical_errors", "deleted",
        "conversation_ms", "recorded_ms"};

    static <K> Map<K, long[]> expect(ZoneId zone, Predicate<Gen> who, Function<ZonedDateTime, K> key, Function<Gen, K> gkey) {
        return expect(zone, LocalDate.parse(FROM), LocalDate.parse(TO), who, key, gkey);
    }

    static <K> Map<K, long[]> expect(ZoneId zone, LocalDate from, LocalDate to, Predicate<Gen> who, Function<ZonedDateTime, K> key,
            Function<Gen, K> gkey) {
        Map<K, long[]> out = new HashMap<>();
        for (Gen g : sessions) {
            ZonedDateTime local = Instant.ofEpochMilli(g.start).atZone(zone);
            if (g.warmUpOnly || !who.test(g) || local.toLocalDate().isBefore(from) || local.toLocalDate().isAfter(to)) continue;
            K k = key != null ? key.apply(local) : gkey.apply(g);
            long[] sum = out.computeIfAbsent(k, x -> new long[8]);
            long[] m = measures(g);
            for (int i = 0; i < 8; i++) sum[i] += m[i];
        }
        return out;
    }

    static void assertMeasures(long[] want, JsonNode row, String what) {
        for (int i = 0; i < 8; i++) {
            assertEquals(want == null ? 0 : want[i], row.get(MEASURE_COLUMNS[i]).asLong(), what + " " + MEASURE_COLUMNS[i]);
        }
    }

    static JsonNode rows(ApiClient c, String table) {
        return rows(c, table, LocalDate.parse(FROM), LocalDate.parse(TO));
    }

    static JsonNode rows(ApiClient c, String table, LocalDate from, LocalDate to) {
        HttpResponse<String> r = c.get("/api/v1/analytics/" + table + "?from=" + from + "&to=" + to);
        assertEquals(200, r.statusCode(), r.body());
        return ApiClient.json(r).get("rows");
    }

    static ApiClient sofia() {
        return new ApiClient(sidecar.baseUrl()).loggedIn("sofia", "sofia-password");
    }

    static void checkDaily(ApiClient c, ZoneId zone, Predicate<Gen> who) {
        Map<LocalDate, long[]> want = expect(zone, who, ZonedDateTime::toLocalDate, null);
        JsonNode rows = rows(c, "daily");
        assertEquals(275, rows.size(), "one row per day of the range");
        for (JsonNode row : rows) assertMeasures(want.get(LocalDate.parse(row.get("day").asText())), row, row.get("day").asText());
    }

    @Test
    void dailyFiguresMatchTheSessionsCountedByLocalStartDayAcrossBothDstChanges() {
        checkDaily(sofia(), KYIV, g -> true);
        // The spring-forward day has 23 hours and the fall-back day 25: both hold exactly their own sessions.
        Map<LocalDate, long[]> want = expect(KYIV, g -> true, ZonedDateTime::toLocalDate, null);
        assertTrue(want.get(LocalDate.parse("2026-03-29"))[0] > 100 && want.get(LocalDate.parse("2026-10-25"))[0] > 100);
    }

    @Test
    void warmUpOnlySessionsAreMarkedAsTheSettlerDecidesAndAWarmUpAClientJoinedIsNot() {
        long warmUpOnly = sessions.stream().filter(g -> g.warmUpOnly).count();
        long joined = sessions.stream().filter(g -> g.prewarm != null && g.clientFrom != null).count();
        assertTrue(warmUpOnly > 100 && joined > 80, warmUpOnly + " warm-up only, " + joined + " joined");
        List<Long> marked = sidecar.db().withHandle(h -> h.createQuery("SELECT id FROM sessions WHERE warm_up_only = 1 ORDER BY id")
                .mapTo(Long.class).list());
        assertEquals(sessions.stream().filter(g -> g.warmUpOnly).map(g -> g.id).sorted().toList(), marked);
        // Some were deleted after settling: still out of the figures (checkDaily and checkTables check that).
        assertTrue(sidecar.db().withHandle(h -> h.createQuery("SELECT count(*) FROM sessions WHERE warm_up_only = 1 "
                + "AND status = 'deleted'").mapTo(Integer.class).one()) > 0);
    }

    @Test
    void aSessionCrossingMidnightCountsWhollyOnItsStartDay() {
        Gen late = sessions.stream().filter(g -> g.end != null && !g.warmUpOnly && Instant.ofEpochMilli(g.start).atZone(KYIV).getHour() == 23
                && !Instant.ofEpochMilli(g.end).atZone(KYIV).toLocalDate().equals(Instant.ofEpochMilli(g.start).atZone(KYIV).toLocalDate()))
                .findFirst().orElseThrow();
        LocalDate day = Instant.ofEpochMilli(late.start).atZone(KYIV).toLocalDate();
        ApiClient c = sofia();
        long before = ApiClient.json(c.get("/api/v1/analytics/daily?from=" + day + "&to=" + day.plusDays(1))).get("rows").get(0).get("talk_ms").asLong();
        sidecar.db().useHandle(h -> h.execute("UPDATE sessions SET ended_ms = ended_ms + 3600000 WHERE id = ?", late.id));
        JsonNode after = ApiClient.json(c.get("/api/v1/analytics/daily?from=" + day + "&to=" + day.plusDays(1))).get("rows");
        assertEquals(before + 3600_000L, after.get(0).get("talk_ms").asLong(), "an hour more talk on the start day");
        sidecar.db().useHandle(h -> h.execute("UPDATE sessions SET ended_ms = ended_ms - 3600000 WHERE id = ?", late.id));
    }

    @Test
    void operatorRoomAndHourTablesMatch() {
        checkTables(sofia(), KYIV, LocalDate.parse(FROM), LocalDate.parse(TO), g -> true);
    }

    /**
     * Ranges the queries split into whole months (read from the monthly roll-up) and the days at the
     * edges (from the daily one): partial months at both ends, over both DST changes and month ends;
     * one partial month; two partial months with no whole one between; a single day on a month's 1st.
     */
    static final List<LocalDate[]> SPLIT_RANGES = List.of(
            new LocalDate[] {LocalDate.parse("2026-03-17"), LocalDate.parse("2026-10-25")},
            new LocalDate[] {LocalDate.parse("2026-03-29"), LocalDate.parse("2026-09-01")},
            new LocalDate[] {LocalDate.parse("2026-04-30"), LocalDate.parse("2026-07-31")},
            new LocalDate[] {LocalDate.parse("2026-05-03"), LocalDate.parse("2026-05-20")},
            new LocalDate[] {LocalDate.parse("2026-06-20"), LocalDate.parse("2026-07-10")},
            new LocalDate[] {LocalDate.parse("2026-08-01"), LocalDate.parse("2026-08-01")});

    @Test
    void rangesOfWholeMonthsWithPartialEdgesMatchTheSessions() {
        ApiClient olena = new ApiClient(sidecar.baseUrl()).loggedIn("olena", "olena-password");
        for (LocalDate[] r : SPLIT_RANGES) {
            checkTables(sofia(), KYIV, r[0], r[1], g -> true);
            checkTables(olena, KYIV, r[0], r[1], g -> A.equals(g.opJid));
        }
    }

    /** By operator, by room and by weekday × hour over from–to, for the sessions this reader may see. */
    static void checkTables(ApiClient c, ZoneId zone, LocalDate from, LocalDate to, Predicate<Gen> who) {
        String range = " " + from + ".." + to;
        Map<String, long[]> ops = expect(zone, from, to, who, null, g -> g.opJid + "|" + g.opUid);
        JsonNode byOp = rows(c, "by-operator", from, to);
        assertEquals(ops.size(), byOp.size(), "operators" + range);
        for (JsonNode r : byOp) {
            String k = (r.get("operator_jid").isNull() ? null : r.get("operator_jid").asText()) + "|"
                    + (r.get("operator_user_id").isNull() ? null : r.get("operator_user_id").asText());
            assertMeasures(ops.get(k), r, "operator " + k + range);
            long[] w = ops.get(k);
            if (w[3] + w[4] > 0) assertEquals((double) w[4] / (w[3] + w[4]), r.get("error_share").asDouble(), 1e-6);
        }
        Map<String, long[]> rooms = expect(zone, from, to, who, null, g -> g.room);
        JsonNode byRoom = rows(c, "by-room", from, to);
        assertEquals(rooms.size(), byRoom.size(), "rooms" + range);
        for (JsonNode r : byRoom) assertMeasures(rooms.get(r.get("room").asText()), r, "room " + r.get("room").asText() + range);
        Map<Integer, long[]> cells = expect(zone, from, to, who, z -> z.getDayOfWeek().getValue() * 100 + z.getHour(), null);
        JsonNode byHour = rows(c, "by-hour", from, to);
        assertEquals(168, byHour.size());
        for (JsonNode r : byHour) {
            int k = r.get("weekday").asInt() * 100 + r.get("hour").asInt();
            assertMeasures(cells.get(k), r, "cell " + k + range);
        }
    }

    @Test
    void summaryComparesEachPeriodWithThePreviousOne() {
        JsonNode rows = rows(sofia(), "summary");
        JsonNode range = rows.get(4);
        assertEquals("range", range.get("period").asText());
        long[] total = new long[8];
        expect(KYIV, g -> true, z -> 0, null).values().forEach(m -> { for (int i = 0; i < 8; i++) total[i] += m[i]; });
        assertMeasures(total, range, "range");
        assertEquals(LocalDate.parse(FROM).minusDays(275).toString(), range.get("previous_from").asText());
        assertEquals("2026-02-28", range.get("previous_to").asText());
        assertEquals("today", rows.get(0).get("period").asText());
        assertEquals(LocalDate.now(KYIV).toString(), rows.get(0).get("from").asText());
        assertEquals((double) total[7] / total[6], range.get("coverage").asDouble(), 1e-6);
    }

    @Test
    void theChangeIsAgainstTheEquallyLongPeriodJustBefore() {
        LocalDate from = LocalDate.parse("2026-07-01");
        LocalDate to = LocalDate.parse("2026-09-30");
        LocalDate previousTo = LocalDate.parse("2026-06-30");
        LocalDate previousFrom = LocalDate.parse("2026-03-31"); // 92 days, as 2026-07-01..2026-09-30
        HttpResponse<String> r = sofia().get("/api/v1/analytics/summary?from=" + from + "&to=" + to);
        assertEquals(200, r.statusCode(), r.body());
        JsonNode range = ApiClient.json(r).get("rows").get(4);
        assertEquals(previousFrom.toString(), range.get("previous_from").asText());
        assertEquals(previousTo.toString(), range.get("previous_to").asText());

        long[] now = new long[8];
        long[] before = new long[8];
        expect(KYIV, from, to, g -> true, z -> 0, null).values().forEach(m -> { for (int i = 0; i < 8; i++) now[i] += m[i]; });
        expect(KYIV, previousFrom, previousTo, g -> true, z -> 0, null).values()
                .forEach(m -> { for (int i = 0; i < 8; i++) before[i] += m[i]; });
        assertTrue(now[0] > 0 && before[0] > 0, "both periods hold generated sessions");
        assertMeasures(now, range, "range");
        for (int i = 0; i < 8; i++) {
            assertEquals(before[i], range.get("previous_" + MEASURE_COLUMNS[i]).asLong(), "previous " + MEASURE_COLUMNS[i]);
        }
        assertEquals((double) (now[0] - before[0]) / before[0], range.get("change_sessions").asDouble(), 1e-6);
        assertEquals((double) (now[2] - before[2]) / before[2], range.get("change_talk_ms").asDouble(), 1e-6);
    }

    @Test
    void anOperatorSeesOnlyHerOwnFigures() {
        ApiClient olena = new ApiClient(sidecar.baseUrl()).loggedIn("olena", "olena-password");
        checkDaily(olena, KYIV, g -> A.equals(g.opJid));
        JsonNode byOp = rows(olena, "by-operator");
        assertEquals(1, byOp.size());
        assertEquals(A, byOp.get(0).get("operator_jid").asText());
        checkTables(olena, KYIV, LocalDate.parse(FROM), LocalDate.parse(TO), g -> A.equals(g.opJid));
        assertTrue(ApiClient.json(olena.get("/api/v1/analytics/summary")).get("own_only").asBoolean());
        assertEquals(401, new ApiClient(sidecar.baseUrl()).get("/api/v1/analytics/daily").statusCode());
    }

    @Test
    void everyTableRoundTripsThroughCsv() {
        ApiClient c = sofia();
        for (String t : List.of("summary", "daily", "by-operator", "by-room", "by-hour")) {
            HttpResponse<String> r = c.get("/api/v1/analytics/" + t + ".csv?from=" + FROM + "&to=" + TO);
            assertEquals(200, r.statusCode());
            assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/csv"));
            assertTrue(r.headers().firstValue("Content-Disposition").orElse("").contains("zentrix-" + t));
            List<List<String>> csv = Csv.parse(r.body());
            JsonNode json = ApiClient.json(c.get("/api/v1/analytics/" + t + "?from=" + FROM + "&to=" + TO));
            List<String> columns = new ArrayList<>();
            json.get("columns").forEach(x -> columns.add(x.asText()));
            assertEquals(columns, csv.get(0), t + " header");
            assertEquals(json.get("rows").size() + 1, csv.size(), t + " rows");
            for (int i = 0; i < json.get("rows").size(); i++) {
                JsonNode row = json.get("rows").get(i);
                for (int j = 0; j < columns.size(); j++) {
                    JsonNode v = row.get(columns.get(j));
                    assertEquals(v.isNull() ? "" : v.asText(), csv.get(i + 1).get(j), t + " row " + i + " " + columns.get(j));
                }
            }
        }
        assertTrue(c.get("/api/v1/analytics/by-room.csv?from=" + FROM + "&to=" + TO).body().contains("\"room, \"\"quoted\"\"\nline\""));
    }

    @Test
    void badRangesAreRefused() {
        ApiClient c = sofia();
        assertEquals(400, c.get("/api/v1/analytics/daily?from=2026-05-02&to=2026-05-01").statusCode());
        assertEquals(400, c.get("/api/v1/analytics/daily?from=2020-01-01&to=2026-05-01").statusCode());
        assertEquals(400, c.get("/api/v1/analytics/daily?from=yesterday").statusCode());
        assertEquals(404, c.get("/api/v1/analytics/everything").statusCode());
    }

    @Test
    void anotherTimeZoneRecomputesEverythingAtStart() {
        sidecar.close();
        ZoneId ny = ZoneId.of("America/New_York");
        sidecar = builder(ny).start();
        try {
            checkDaily(sofia(), ny, g -> true);
            // The monthly roll-ups follow the zone too: a month turns five to seven hours later in New York.
            for (LocalDate[] r : SPLIT_RANGES) checkTables(sofia(), ny, r[0], r[1], g -> true);
        } finally {
            sidecar.close();
            sidecar = builder(KYIV).start();
        }
        checkDaily(sofia(), KYIV, g -> true);
        checkTables(sofia(), KYIV, LocalDate.parse("2026-03-17"), LocalDate.parse("2026-10-25"), g -> true);
    }
}
