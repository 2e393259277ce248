package com.zentrix.video.bench;

import com.zentrix.video.analytics.AnalyticsQueries;
import com.zentrix.video.analytics.Period;
import com.zentrix.video.archive.Access;
import com.zentrix.video.auth.Principal;
import com.zentrix.video.auth.Role;
import com.zentrix.video.testing.ApiClient;
import com.zentrix.video.testing.Archive;
import com.zentrix.video.testing.Sidecar;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneId;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * The dashboard at scale: fills a real SQLite archive with N generated sessions (default 1,000,000,
 * as {@link ArchiveBench} does: two years, 40 operators, 12 rooms), times the full recompute of the
 * aggregates (what a change of the configured zone costs) and the triggers' cost per written session,
 * then measures every analytics endpoint over real HTTP — server time from the Server-Timing header
 * and the round trip — for a supervisor and for an operator (own figures only), and the same queries
 * in-process. Run by scripts/bench-analytics.sh [N] [REPS] [DIR]; results go to docs/BENCHMARKS.md.
 */
public final class AnalyticsBench {
    private AnalyticsBench() {}

    public static void main(String[] args) throws Exception {
        if (args.length == 4 && args[0].equals("triggers")) {
            compareTriggers(Path.of(args[1]), Path.of(args[2]), Integer.parseInt(args[3]));
            return;
        }
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int reps = args.length > 1 ? Integer.parseInt(args[1]) : 200;
        // A third argument re-measures an archive an earlier run (this one or ArchiveBench) filled, in
        // place: the trigger cost is then measured twice, with the schema as found and after this
        // start has migrated it (and recomputed the aggregates), on the same file and machine.
        boolean reuse = args.length > 2;
        Path dir = reuse ? Path.of(args[2]) : Files.createTempDirectory("zv-analytics-bench");
        Path db = dir.resolve("zentrix.db");
        Sidecar.Builder builder = Sidecar.builder(dir).jibris("http://127.0.0.1:9/jibri/api/v1.0").set("zentrix.auth.cookie-secure", false);
        int more = 20_000;
        if (reuse) {
            System.out.printf("re-using %s (schema version %s)%n", dir, schemaVersion(db));
            triggerCost(db, more, "schema as found");
        } else {
            System.out.printf("filling %,d sessions into %s%n", n, dir);
            try (Sidecar first = builder.start()) {
                Archive archive = new Archive(first);
                archive.user("op07", Role.OPERATOR, "op07@meet.zentrix.local", "bench-password");
                archive.user("boss", Role.SUPERVISOR, null, "bench-password");
            }
            // Filled without the aggregates (with no zone offsets the triggers add nothing), then the next
            // start recomputes them all at once, as a change of the configured zone does.
            sql(db, "DELETE FROM analytics_zone", "DELETE FROM analytics_state");
            long t = System.nanoTime();
            ArchiveBench.fill(db, n);
            System.out.printf("filled in %.1f s (%,d bytes)%n", (System.nanoTime() - t) / 1e9, Files.size(db));
        }
        long t = System.nanoTime();
        try (Sidecar recompute = builder.start()) {
            System.out.printf("start with migration and full recompute of the aggregates for %,d sessions: %.1f s%n", n,
                    (System.nanoTime() - t) / 1e9);
        }
        triggerCost(db, more, "schema version " + schemaVersion(db));

        try (Sidecar sidecar = builder.start()) {
            ApiClient boss = new ApiClient(sidecar.baseUrl()).loggedIn("boss", "bench-password");
            ApiClient op = new ApiClient(sidecar.baseUrl()).loggedIn("op07", "bench-password");
            Access everything = Access.everything();
            Access own = Access.identity(new Principal(0, "op07", null, Role.OPERATOR, "op07@meet.zentrix.local", null, null, "bench"));
            LocalDate today = LocalDate.now(ZoneId.of("Europe/Kyiv"));
            LocalDate month = today.minusDays(29);
            LocalDate year = today.minusDays(364);
            LocalDate all = today.minusDays(730);
            List<Case> cases = List.of(
                    new Case("summary (5 periods + previous), 30-day range", boss, everything, "summary", month, today),
                    new Case("summary, 2-year range", boss, everything, "summary", all, today),
                    new Case("daily, 30 days", boss, everything, "daily", month, today),
                    new Case("daily, 2 years (731 rows)", boss, everything, "daily", all, today),
                    new Case("by operator, 30 days", boss, everything, "by-operator", month, today),
                    new Case("by operator, 2 years", boss, everything, "by-operator", all, today),
                    new Case("by room, 2 years", boss, everything, "by-room", all, today),
                    new Case("by hour × weekday, 1 year", boss, everything, "by-hour", year, today),
                    new Case("by hour × weekday, 2 years", boss, everything, "by-hour", all, today),
                    new Case("daily CSV, 2 years", boss, everything, "daily.csv", all, today),
                    new Case("operator: summary, 30-day range", op, own, "summary", month, today),
                    new Case("operator: daily, 2 years", op, own, "daily", all, today),
                    new Case("operator: by operator, 2 years", op, own, "by-operator", all, today),
                    new Case("operator: by room, 2 years", op, own, "by-room", all, today),
                    new Case("operator: by hour × weekday, 2 years", op, own, "by-hour", all, today),
                    new Case("live board", boss, everything, null, today, today));
            System.out.println();
            System.out.println("| request | server p50 | server p95 | server p99 | round trip p95 |");
            System.out.println("|---|---|---|---|---|");
            for (Case c : cases) {
                String url = c.table() == null ? "/api/v1/live" : "/api/v1/analytics/" + c.table() + "?from=" + c.from() + "&to=" + c.to();
                for (int i = 0; i < 20; i++) c.client().get(url); // warm up
                double[] server = new double[reps];
                double[] total = new double[reps];
                for (int i = 0; i < reps; i++) {
                    long s = System.nanoTime();
                    HttpResponse<String> r = c.client().get(url);
                    total[i] = (System.nanoTime() - s) / 1e6;
                    if (r.statusCode() != 200) throw new IllegalStateException(url + " -> " + r.statusCode() + " " + r.body());
                    server[i] = Double.parseDouble(r.headers().firstValue("Server-Timing").orElseThrow().replaceAll(".*dur=", ""));
                }
                Arrays.sort(server);
                Arrays.sort(total);
                System.out.printf(Locale.ROOT, "| %s | %.2f ms | %.2f ms | %.2f ms | %.2f ms |%n", c.name(), pct(server, 50), pct(server, 95),
                        pct(server, 99), pct(total, 95));
            }
            inProcess(new AnalyticsQueries(sidecar.db()), cases, reps);
        }
    }

    /** One measured request: who asks, which table over which days (null table: the live board). */
    private record Case(String name, ApiClient client, Access access, String table, LocalDate from, LocalDate to) {}

    /**
     * The same tables straight through {@link AnalyticsQueries} on the same file, in this process: the
     * SQL and the Java around it without HTTP, JSON or the server's threads, for when the host is busy.
     */
    private static void inProcess(AnalyticsQueries q, List<Case> cases, int reps) {
        System.out.println();
        System.out.println("| in-process query (AnalyticsQueries) | p50 | p95 | p99 |");
        System.out.println("|---|---|---|---|");
        for (Case c : cases) {
            if (c.table() == null || c.table().endsWith(".csv")) continue;
            Runnable run = switch (c.table()) {
                case "summary" -> () -> q.summary(c.access(), Period.standard(c.to(), c.from(), c.to()));
                case "daily" -> () -> q.daily(c.access(), c.from(), c.to());
                case "by-operator" -> () -> q.byOperator(c.access(), c.from(), c.to());
                case "by-room" -> () -> q.byRoom(c.access(), c.from(), c.to());
                case "by-hour" -> () -> q.byHour(c.access(), c.from(), c.to());
                default -> throw new IllegalArgumentException(c.table());
            };
            for (int i = 0; i < 20; i++) run.run();
            double[] ms = new double[reps];
            for (int i = 0; i < reps; i++) {
                long s = System.nanoTime();
                run.run();
                ms[i] = (System.nanoTime() - s) / 1e6;
            }
            Arrays.sort(ms);
            System.out.printf(Locale.ROOT, "| %s | %.2f ms | %.2f ms | %.2f ms |%n", c.name(), pct(ms, 50), pct(ms, 95), pct(ms, 99));
        }
    }

    /** Sessions written as the recorder writes them, triggers live: the cost per session of both writes. */
    private static void triggerCost(Path db, int n, String schema) throws Exception {
        long t = System.nanoTime();
        insertWithTriggers(db, n);
        System.out.printf("%,d more sessions (insert + end update, a transaction each 1,000), triggers live, %s: %.1f s (%.0f µs a session)%n",
                n, schema, (System.nanoTime() - t) / 1e9, (System.nanoTime() - t) / 1e3 / n);
    }

    /**
     * {@code triggers A B ROUNDS}: the trigger cost of two archives (say one before a migration and a copy
     * after it) measured in turns, 2,000 sessions each per round, so that a busy host weighs on both alike.
     */
    private static void compareTriggers(Path a, Path b, int rounds) throws Exception {
        double[][] us = new double[2][rounds];
        Path[] dbs = {a, b};
        for (int r = 0; r < rounds; r++) {
            for (int i = 0; i < 2; i++) {
                Path db = dbs[(r + i) % 2]; // alternate which goes first
                long t = System.nanoTime();
                insertWithTriggers(db, 2_000);
                us[(r + i) % 2][r] = (System.nanoTime() - t) / 1e3 / 2_000;
            }
        }
        for (int i = 0; i < 2; i++) {
            Arrays.sort(us[i]);
            System.out.printf(Locale.ROOT, "%s (schema version %s): median %.0f µs a session (insert + end update), min %.0f, max %.0f over %d rounds%n",
                    dbs[i], schemaVersion(dbs[i]), us[i][rounds / 2], us[i][0], us[i][rounds - 1], rounds);
        }
    }

    private static String schemaVersion(Path db) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT max(CAST(version AS INTEGER)) FROM flyway_schema_history")) {
            return rs.next() ? rs.getString(1) : "?";
        }
    }

    private static void sql(Path db, String... statements) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
            for (String s : statements) st.execute(s);
        }
    }

    /** Sessions as the recorder writes them (a status change after the insert), with the analytics triggers on. */
    private static void insertWithTriggers(Path db, int n) throws Exception {
        Random rnd = new Random(7);
        long now = System.currentTimeMillis();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db)) {
            c.setAutoCommit(false);
            PreparedStatement ins = c.prepareStatement("INSERT INTO sessions (room_jid, room_name, operator_jid, started_ms, status, "
                    + "updated_ms) VALUES (?, ?, ?, ?, 'starting', ?)", Statement.RETURN_GENERATED_KEYS);
            PreparedStatement end = c.prepareStatement("UPDATE sessions SET ended_ms = ?, status = 'ok', conversation_ms = ?, "
                    + "recorded_ms = ? WHERE id = ?");
            for (int i = 1; i <= n; i++) {
                long start = now - rnd.nextInt(30 * 24 * 3600) * 1000L;
                ins.setString(1, "window-" + (i % 12) + "@conference.meet.zentrix.local");
                ins.setString(2, "window-" + (i % 12));
                ins.setString(3, String.format("op%02d@meet.zentrix.local", i % 40));
                ins.setLong(4, start);
                ins.setLong(5, start);
                ins.executeUpdate();
                long id;
                try (ResultSet k = ins.getGeneratedKeys()) {
                    k.next();
                    id = k.getLong(1);
                }
                end.setLong(1, start + 600_000);
                end.setLong(2, 600_000);
                end.setLong(3, 590_000);
                end.setLong(4, id);
                end.executeUpdate();
                if (i % 1000 == 0) c.commit();
            }
            c.commit();
        }
    }

    private static double pct(double[] sorted, int p) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)];
    }
}
