package com.zentrix.video.bench;

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
 * and the round trip — for a supervisor and for an operator (own figures only). Run by scripts/bench-analytics.sh; results
 * go to docs/BENCHMARKS.md.
 */
public final class AnalyticsBench {
    private AnalyticsBench() {}

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int reps = args.length > 1 ? Integer.parseInt(args[1]) : 200;
        Path dir = Files.createTempDirectory("zv-analytics-bench");
        System.out.printf("filling %,d sessions into %s%n", n, dir);
        Sidecar.Builder builder = Sidecar.builder(dir).jibris("http://127.0.0.1:9/jibri/api/v1.0").set("zentrix.auth.cookie-secure", false);
        try (Sidecar first = builder.start()) {
            Archive archive = new Archive(first);
            archive.user("op07", Role.OPERATOR, "op07@meet.zentrix.local", "bench-password");
            archive.user("boss", Role.SUPERVISOR, null, "bench-password");
        }
        // Filled without the aggregates (with no zone offsets the triggers add nothing), then the next
        // start recomputes them all at once, as a change of the configured zone does.
        Path db = dir.resolve("zentrix.db");
        sql(db, "DELETE FROM analytics_zone", "DELETE FROM analytics_state");
        long t = System.nanoTime();
        ArchiveBench.fill(db, n);
        System.out.printf("filled in %.1f s (%,d bytes)%n", (System.nanoTime() - t) / 1e9, Files.size(db));
        t = System.nanoTime();
        try (Sidecar recompute = builder.start()) {
            System.out.printf("first start: full recompute of the aggregates for %,d sessions took %.1f s (start included)%n", n,
                    (System.nanoTime() - t) / 1e9);
        }
        int more = 20_000;
        t = System.nanoTime();
        insertWithTriggers(db, more);
        System.out.printf("%,d more sessions inserted one transaction each 1,000, triggers live: %.1f s (%.0f µs a session)%n", more,
                (System.nanoTime() - t) / 1e9, (System.nanoTime() - t) / 1e3 / more);

        try (Sidecar sidecar = builder.start()) {
            ApiClient boss = new ApiClient(sidecar.baseUrl()).loggedIn("boss", "bench-password");
            ApiClient op = new ApiClient(sidecar.baseUrl()).loggedIn("op07", "bench-password");
            LocalDate today = LocalDate.now(ZoneId.of("Europe/Kyiv"));
            String month = "from=" + today.minusDays(29) + "&to=" + today;
            String year = "from=" + today.minusDays(364) + "&to=" + today;
            String all = "from=" + today.minusDays(730) + "&to=" + today;
            List<Object[]> cases = List.of(
                    new Object[] {"summary (5 periods + previous), 30-day range", boss, "/api/v1/analytics/summary?" + month},
                    new Object[] {"summary, 2-year range", boss, "/api/v1/analytics/summary?" + all},
                    new Object[] {"daily, 30 days", boss, "/api/v1/analytics/daily?" + month},
                    new Object[] {"daily, 2 years (731 rows)", boss, "/api/v1/analytics/daily?" + all},
                    new Object[] {"by operator, 30 days", boss, "/api/v1/analytics/by-operator?" + month},
                    new Object[] {"by operator, 2 years", boss, "/api/v1/analytics/by-operator?" + all},
                    new Object[] {"by room, 2 years", boss, "/api/v1/analytics/by-room?" + all},
                    new Object[] {"by hour × weekday, 1 year", boss, "/api/v1/analytics/by-hour?" + year},
                    new Object[] {"by hour × weekday, 2 years", boss, "/api/v1/analytics/by-hour?" + all},
                    new Object[] {"daily CSV, 2 years", boss, "/api/v1/analytics/daily.csv?" + all},
                    new Object[] {"operator: summary, 30-day range", op, "/api/v1/analytics/summary?" + month},
                    new Object[] {"operator: daily, 2 years", op, "/api/v1/analytics/daily?" + all},
                    new Object[] {"operator: by room, 2 years", op, "/api/v1/analytics/by-room?" + all},
                    new Object[] {"operator: by hour × weekday, 2 years", op, "/api/v1/analytics/by-hour?" + all},
                    new Object[] {"live board", boss, "/api/v1/live"});
            System.out.println();
            System.out.println("| request | server p50 | server p95 | server p99 | round trip p95 |");
            System.out.println("|---|---|---|---|---|");
            for (Object[] c : cases) {
                ApiClient client = (ApiClient) c[1];
                String url = (String) c[2];
                HttpResponse<String> probe = client.get(url);
                if (probe.statusCode() == 404) {
                    System.out.printf("| %s | (not served) | | | |%n", c[0]);
                    continue;
                }
                for (int i = 0; i < 20; i++) client.get(url); // warm up
                double[] server = new double[reps];
                double[] total = new double[reps];
                for (int i = 0; i < reps; i++) {
                    long s = System.nanoTime();
                    HttpResponse<String> r = client.get(url);
                    total[i] = (System.nanoTime() - s) / 1e6;
                    if (r.statusCode() != 200) throw new IllegalStateException(url + " -> " + r.statusCode() + " " + r.body());
                    server[i] = Double.parseDouble(r.headers().firstValue("Server-Timing").orElseThrow().replaceAll(".*dur=", ""));
                }
                Arrays.sort(server);
                Arrays.sort(total);
                System.out.printf(Locale.ROOT, "| %s | %.2f ms | %.2f ms | %.2f ms | %.2f ms |%n", c[0], pct(server, 50), pct(server, 95),
                        pct(server, 99), pct(total, 95));
            }
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
