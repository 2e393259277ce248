package com.zentrix.video.bench;

import com.zentrix.video.auth.Role;
import com.zentrix.video.testing.ApiClient;
import com.zentrix.video.testing.Archive;
import com.zentrix.video.testing.Sidecar;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.function.IntFunction;

/**
 * Archive list and search at scale: fills a real SQLite archive with N generated sessions (default
 * 1,000,000: two years, 40 operators, 12 rooms, 10% with a note), then measures the list API over real
 * HTTP — server time from the Server-Timing header and the client's round trip — for the queries the
 * UI makes. Run by scripts/bench-archive.sh; results go to docs/BENCHMARKS.md.
 */
public final class ArchiveBench {
    private static final String[] FIRST = {"Олена", "Петро", "Ганна", "Остап", "Марія", "Тарас", "Ірина", "Андрій", "Софія", "Богдан",
        "Oksana", "Ivan", "Nadiya", "Yurii", "Kateryna", "Mykola"};
    private static final String[] LAST = {"Коваль", "Шевчук", "Бондаренко", "Ткаченко", "Кравченко", "Мельник", "Іваненко", "Лисенко",
        "Savchenko", "Rudenko", "Moroz", "Klymenko"};

    private ArchiveBench() {}

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int reps = args.length > 1 ? Integer.parseInt(args[1]) : 200;
        // A third argument re-measures an archive an earlier run filled (its folder), skipping the fill.
        boolean reuse = args.length > 2;
        Path dir = reuse ? Path.of(args[2]) : Files.createTempDirectory("zv-archive-bench");
        Sidecar.Builder builder = Sidecar.builder(dir).jibris("http://127.0.0.1:9/jibri/api/v1.0").set("zentrix.auth.cookie-secure", false);
        if (!reuse) fillArchive(dir, n, builder);
        measure(builder, n, reps);
    }

    private static void fillArchive(Path dir, int n, Sidecar.Builder builder) throws Exception {
        System.out.printf("filling %,d sessions into %s%n", n, dir);
        try (Sidecar first = builder.start()) {
            Archive archive = new Archive(first);
            archive.user("op07", Role.OPERATOR, "op07@meet.zentrix.local", "bench-password");
            archive.user("boss", Role.SUPERVISOR, null, "bench-password");
        }
        long t = System.nanoTime();
        fill(dir.resolve("zentrix.db"), n);
        System.out.printf("filled in %.1f s (%,d bytes)%n", (System.nanoTime() - t) / 1e9, Files.size(dir.resolve("zentrix.db")));
    }

    private static void measure(Sidecar.Builder builder, int n, int reps) throws Exception {

        try (Sidecar sidecar = builder.start()) {
            ApiClient boss = new ApiClient(sidecar.baseUrl()).loggedIn("boss", "bench-password");
            ApiClient op = new ApiClient(sidecar.baseUrl()).loggedIn("op07", "bench-password");
            String cursor = deepCursor(boss, 100);
            LocalDate day = LocalDate.now(ZoneId.of("Europe/Kyiv")).minusDays(30);
            List<Object[]> cases = List.of(
                    new Object[] {"newest page (supervisor)", boss, (IntFunction<String>) i -> "/api/v1/sessions?limit=50"},
                    new Object[] {"newest page (operator: own only)", op, (IntFunction<String>) i -> "/api/v1/sessions?limit=50"},
                    new Object[] {"page 100 by cursor", boss, (IntFunction<String>) i -> "/api/v1/sessions?limit=50&after=" + cursor},
                    new Object[] {"one day", boss, (IntFunction<String>) i -> "/api/v1/sessions?limit=50&from=" + day.minusDays(i % 300) + "&to=" + day.minusDays(i % 300)},
                    new Object[] {"room + status", boss, (IntFunction<String>) i -> "/api/v1/sessions?limit=50&room=window-" + (i % 12) + "&status=technical_error"},
                    new Object[] {"operator filter", boss, (IntFunction<String>) i -> "/api/v1/sessions?limit=50&operator=op" + String.format("%02d", i % 40) + "@meet.zentrix.local"},
                    new Object[] {"flag: needs review", boss, (IntFunction<String>) i -> "/api/v1/sessions?limit=50&flag=needs_review"},
                    new Object[] {"sort by duration", boss, (IntFunction<String>) i -> "/api/v1/sessions?limit=50&sort=duration"},
                    new Object[] {"search a client name", boss, (IntFunction<String>) i -> "/api/v1/sessions?limit=50&q=" + enc(LAST[i % LAST.length])},
                    new Object[] {"search name prefix + first name", boss, (IntFunction<String>) i -> "/api/v1/sessions?limit=50&q=" + enc(FIRST[i % FIRST.length] + " " + LAST[(i * 7) % LAST.length].substring(0, 4))},
                    new Object[] {"search note text", boss, (IntFunction<String>) i -> "/api/v1/sessions?limit=50&q=" + enc("скарга")},
                    new Object[] {"session detail", boss, (IntFunction<String>) i -> "/api/v1/sessions/" + (1 + (i * 4999L) % n) + "?reason=benchmark"});
            System.out.println();
            System.out.println("| query | server p50 | server p95 | server p99 | round trip p95 |");
            System.out.println("|---|---|---|---|---|");
            for (Object[] c : cases) {
                ApiClient client = (ApiClient) c[1];
                @SuppressWarnings("unchecked") IntFunction<String> url = (IntFunction<String>) c[2];
                for (int i = 0; i < 20; i++) client.get(url.apply(i)); // warm up
                double[] server = new double[reps];
                double[] total = new double[reps];
                for (int i = 0; i < reps; i++) {
                    long s = System.nanoTime();
                    HttpResponse<String> r = client.get(url.apply(i));
                    total[i] = (System.nanoTime() - s) / 1e6;
                    if (r.statusCode() != 200) throw new IllegalStateException(url.apply(i) + " -> " + r.statusCode() + " " + r.body());
                    server[i] = Double.parseDouble(r.headers().firstValue("Server-Timing").orElseThrow().replaceAll(".*dur=", ""));
                }
                Arrays.sort(server);
                Arrays.sort(total);
                System.out.printf(Locale.ROOT, "| %s | %.2f ms | %.2f ms | %.2f ms | %.2f ms |%n", c[0], pct(server, 50), pct(server, 95),
                        pct(server, 99), pct(total, 95));
            }
        }
    }

    private static String deepCursor(ApiClient c, int pages) {
        String next = null;
        for (int i = 0; i < pages; i++) {
            HttpResponse<String> r = c.get("/api/v1/sessions?limit=50" + (next == null ? "" : "&after=" + next));
            next = ApiClient.json(r).get("next").asText();
        }
        return next;
    }

    private static double pct(double[] sorted, int p) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)];
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /** Generated sessions, straight into the real schema (the FTS triggers keep the search index exact). */
    static void fill(Path db, int n) throws Exception {
        Random rnd = new Random(42);
        long now = System.currentTimeMillis();
        long span = 730L * 24 * 3600 * 1000;
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db)) {
            try (Statement st = c.createStatement()) {
                st.execute("PRAGMA journal_mode=WAL");
                st.execute("PRAGMA synchronous=NORMAL");
            }
            c.setAutoCommit(false);
            PreparedStatement s = c.prepareStatement("INSERT INTO sessions (room_jid, room_name, operator_jid, operator_name, client_jid, "
                    + "client_name, started_ms, ended_ms, status, reason, conversation_ms, recorded_ms, needs_review, sensitive, updated_ms) "
                    + "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
            PreparedStatement note = c.prepareStatement("INSERT INTO notes (session_id, author_id, body, at_ms, created_ms, updated_ms) VALUES (?,1,?,?,?,?)");
            for (int i = 1; i <= n; i++) {
                int op = rnd.nextInt(40);
                int room = rnd.nextInt(12);
                long start = now - (long) (rnd.nextDouble() * span);
                long dur = 60_000L + (long) (rnd.nextDouble() * 1_800_000L);
                double p = rnd.nextDouble();
                String status = p < 0.9 ? "ok" : p < 0.95 ? "technical_error" : "deleted";
                s.setString(1, "window-" + room + "@conference.meet.zentrix.local");
                s.setString(2, "window-" + room);
                s.setString(3, String.format("op%02d@meet.zentrix.local", op));
                s.setString(4, "Оператор " + op);
                s.setString(5, "g" + i + "@guest.meet.zentrix.local");
                s.setString(6, FIRST[rnd.nextInt(FIRST.length)] + " " + LAST[rnd.nextInt(LAST.length)]);
                s.setLong(7, start);
                s.setLong(8, start + dur);
                s.setString(9, status);
                s.setString(10, status.equals("technical_error") ? "no Jibri could record" : null);
                s.setLong(11, dur);
                s.setLong(12, status.equals("ok") ? dur - rnd.nextInt(3000) : 0);
                s.setInt(13, rnd.nextDouble() < 0.01 ? 1 : 0);
                s.setInt(14, rnd.nextDouble() < 0.02 ? 1 : 0);
                s.setLong(15, start + dur);
                s.addBatch();
                if (rnd.nextDouble() < 0.1) {
                    note.setLong(1, i);
                    note.setString(2, rnd.nextBoolean() ? "скарга на обслуговування" : "клієнт просить передзвонити");
                    note.setLong(3, rnd.nextInt(60_000));
                    note.setLong(4, start + dur);
                    note.setLong(5, start + dur);
                    s.executeBatch();
                    note.addBatch();
                }
                if (i % 10_000 == 0) {
                    s.executeBatch();
                    note.executeBatch();
                    c.commit();
                    if (i % 100_000 == 0) System.out.printf("  %,d%n", i);
                }
            }
            s.executeBatch();
            note.executeBatch();
            c.commit();
            try (Statement st = c.createStatement()) {
                st.execute("ANALYZE");
            }
            c.commit();
        }
    }

}
