package com.zentrix.video.bench;

import com.zentrix.video.auth.Role;
import com.zentrix.video.testing.Archive;
import com.zentrix.video.testing.Sidecar;
import com.zentrix.video.testing.SidecarProcess;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Recording delivery, sidecar vs nginx, in one run on loopback. The sidecars are the real jar, each in its own
 * JVM: one serves {@code GET /api/v1/sessions/{id}/media} itself (bearer admin token, MediaApi's own Range code);
 * nginx (temp prefix, free port, non-daemon) serves the very same archive file from a static {@code alias}
 * location; and the production path — nginx with the text install.sh adds ({@code --print-nginx}) in front of
 * a sidecar with x-accel on — once as installed (the sidecar's grant kept 10 s) and once with every request
 * decided by the sidecar (grant-cache 0 s). One client (java.net.http, HTTP/1.1, keep-alive) for all; curl as
 * a cross-check for full downloads. Phases rotate the order. Run by scripts/bench-media.sh; results in
 * docs/BENCHMARKS.md.
 */
public final class MediaBench {

    private MediaBench() {}

    record Target(String name, HttpClient http, String url, String auth) {
        HttpRequest.Builder req() {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofMinutes(2));
            return auth == null ? b : b.header("Authorization", auth);
        }
    }

    public static void main(String[] args) throws Exception {
        int mb = args.length > 0 ? Integer.parseInt(args[0]) : 256;
        int seeks = args.length > 1 ? Integer.parseInt(args[1]) : 500;
        String nginxBin = System.getProperty("nginx", "/usr/sbin/nginx");
        Path dir = Files.createTempDirectory("zv-media-bench");
        Sidecar.Builder builder = Sidecar.builder(dir).jibris("http://127.0.0.1:9/jibri/api/v1.0")
                .set("zentrix.auth.cookie-secure", false).set("zentrix.media.x-accel-redirect", false);
        Process nginx = null;
        List<AutoCloseable> closeLater = new ArrayList<>();
        try {
            // the data: a real recorded session through the in-process sidecar (real MP4, real finalize), then
            // a big recording (random bytes, incompressible) in the archive with the session's files row pointed at it
            Path rel = Path.of("bench", "media-bench-" + mb + "m.mp4");
            long id;
            Path archiveDir;
            try (Sidecar setup = builder.start()) {
                Archive archive = new Archive(setup);
                archive.user("boss", Role.SUPERVISOR, null, "bench-password");
                id = archive.recordedSession("bench", "op01@meet.zentrix.local", "Bench Client", 2.0);
                archiveDir = setup.archiveDir();
            }
            Path file = archiveDir.resolve(rel);
            Files.createDirectories(file.getParent());
            writeRandom(file, (long) mb << 20);
            long size = Files.size(file);
            long sid = id;
            org.jdbi.v3.core.Jdbi.create("jdbc:sqlite:" + dir.resolve("zentrix.db")).useHandle(h -> h.execute(
                    "UPDATE files SET path = ?, size_bytes = ? WHERE session_id = ? AND kind = 'media'", rel.toString(), size, sid));

            // Each sidecar is the real jar in its own JVM, as in production (not in this client's JVM): one sending
            // the bytes itself; and behind nginx, configured by install.sh's own nginx text (--print-nginx), the
            // production path — nginx asks the sidecar (auth_request), keeps its "yes" for grant-cache, and sends the
            // file — once as installed (grant-cache 10 s) and once with every request decided (grant-cache 0 s).
            SidecarProcess sidecar = jar(builder, dir, "direct", false, closeLater);
            Sidecar.Builder behindNginx = builder.set("zentrix.http.base-path", "/recordings")
                    .set("zentrix.media.x-accel-prefix", "/zentrix-media/");
            SidecarProcess warm = jar(behindNginx.set("zentrix.media.grant-cache", "10 s"), dir, "production", true, closeLater);
            SidecarProcess cold = jar(behindNginx.set("zentrix.media.grant-cache", "0 s"), dir, "production-cold", true, closeLater);
            int port = Sidecar.freePort();
            int warmPort = Sidecar.freePort();
            int coldPort = Sidecar.freePort();
            Path prefix = Files.createDirectories(dir.resolve("nginx"));
            Path conf = prefix.resolve("nginx.conf");
            String[] installed = installedNginx(warm.port(), archiveDir, prefix.resolve("grants"), "zentrix_media_grants");
            String[] installedCold = installedNginx(cold.port(), archiveDir, prefix.resolve("grants-cold"), "zentrix_media_grants_cold");
            Files.writeString(conf, nginxConf(prefix, port, archiveDir, installed[0] + installedCold[0],
                    "server { listen 127.0.0.1:" + warmPort + ";\n" + installed[1] + "}\n"
                            + "server { listen 127.0.0.1:" + coldPort + ";\n" + installedCold[1] + "}\n"));
            nginx = new ProcessBuilder(nginxBin, "-p", prefix + "/", "-c", conf.toString(), "-e", prefix.resolve("error.log").toString())
                    .redirectErrorStream(true).redirectOutput(prefix.resolve("stdout.log").toFile()).start();
            for (int p : new int[] {port, warmPort, coldPort}) waitForPort(p, nginx);

            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            String bearer = "Bearer " + Sidecar.ADMIN_TOKEN;
            String api = "/api/v1/sessions/" + id + "/media";
            List<Target> both = List.of(new Target("sidecar", http, sidecar.url() + api, bearer),
                    new Target("nginx", http, "http://127.0.0.1:" + port + "/media/" + rel.toString().replace('\\', '/'), null),
                    new Target("production: nginx + sidecar, grant kept 10 s", http, "http://127.0.0.1:" + warmPort + "/recordings" + api, bearer),
                    new Target("nginx + sidecar, every request decided", http, "http://127.0.0.1:" + coldPort + "/recordings" + api, bearer));

            System.out.printf(Locale.ROOT, "file: %,d bytes (%d MiB), random bytes, in the page cache; %d cores; %s; %s%n", size, mb,
                    Runtime.getRuntime().availableProcessors(), System.getProperty("java.vm.name") + " " + System.getProperty("java.version"),
                    version(nginxBin));
            for (Target t : both) verify(t, file, size);
            // warm-up: 2 full downloads and 200 ranges each
            Random wr = new Random(1);
            for (Target t : both) {
                for (int i = 0; i < 2; i++) full(t, size);
                for (int i = 0; i < 200; i++) {
                    long o = off(wr, size - 65536);
                    range(t, "bytes=" + o + "-" + (o + 65535), 65536);
                }
            }

            List<String> rows = new ArrayList<>();
            // (a) full-file throughput
            int seqRuns = Integer.getInteger("seq", 6);
            int T = both.size();
            double[][] seq = new double[T][seqRuns];
            for (int i = 0; i < seqRuns; i++) {
                for (int k = 0; k < T; k++) {
                    int j = (k + i) % T;
                    seq[j][i] = full(both.get(j), size);
                }
            }
            rows.add(row("full file, sequential (" + seqRuns + "× " + mb + " MiB), median MB/s", each(seq, MediaBench::median), true));
            rows.add(row("full file, sequential, best MB/s", each(seq, MediaBench::max), true));
            double[][] conc = new double[T][2];
            for (int i = 0; i < 2; i++) {
                for (int k = 0; k < T; k++) {
                    int j = (k + i) % T;
                    conc[j][i] = concurrent(both.get(j), size, 4);
                }
            }
            rows.add(row("full file, 4 concurrent, aggregate MB/s (best of 2)", each(conc, MediaBench::max), true));
            double[][] curl = new double[T][3];
            for (int i = 0; i < 3; i++) {
                for (int j = 0; j < T; j++) curl[j][i] = curl(both.get(j));
            }
            rows.add(row("full file, curl cross-check, median MB/s (3×)", each(curl, MediaBench::median), true));

            // (b) seek: 64 KiB ranges at random offsets, same offsets for both, alternating in rounds of 50
            long[] offs = new long[seeks];
            Random rnd = new Random(42);
            for (int i = 0; i < seeks; i++) offs[i] = off(rnd, size - 65536);
            double[][][] seek = latencies(both, seeks, i -> "bytes=" + offs[i] + "-" + (offs[i] + 65535), 65536);
            addLatencyRows(rows, "64 KiB range at a random offset (" + seeks + "×)", seek);
            // 1 MiB ranges (a player's typical read-ahead)
            int n1 = Math.max(50, seeks / 5);
            long[] offs1 = new long[n1];
            for (int i = 0; i < n1; i++) offs1[i] = off(rnd, size - (1 << 20));
            double[][][] seek1 = latencies(both, n1, i -> "bytes=" + offs1[i] + "-" + (offs1[i] + (1 << 20) - 1), 1 << 20);
            addLatencyRows(rows, "1 MiB range at a random offset (" + n1 + "×)", seek1);
            // (c) suffix ranges (the moov atom at the end, as a player asks for it)
            double[][][] suffix = latencies(both, Math.max(100, seeks / 2), i -> "bytes=-" + (65536 + (i % 4) * 16384), -1);
            addLatencyRows(rows, "suffix range bytes=-64..112 KiB (" + Math.max(100, seeks / 2) + "×)", suffix);
            System.out.println();
            StringBuilder head = new StringBuilder("| measure | nginx |");
            for (Target t : both) if (!t.name().equals("nginx")) head.append(' ').append(t.name()).append(" | ÷ nginx |");
            System.out.println(head);
            System.out.println("|---|---|" + "---|---|".repeat(both.size() - 1));
            rows.forEach(System.out::println);
        } finally {
            if (nginx != null) {
                nginx.destroy();
                if (!nginx.waitFor(10, TimeUnit.SECONDS)) nginx.destroyForcibly();
            }
            for (AutoCloseable c : closeLater) c.close();
            if (!Boolean.getBoolean("keep")) deleteTree(dir);
        }
    }

    /** The real sidecar jar (SidecarProcess) on the bench's database and archive, on a port of its own. */
    private static SidecarProcess jar(Sidecar.Builder builder, Path dir, String name, boolean xAccel, List<AutoCloseable> closeLater)
            throws Exception {
        int port = Sidecar.freePort();
        Path conf = builder.port(port).set("zentrix.media.x-accel-redirect", xAccel).writeConfig(dir.resolve(name + ".conf"));
        SidecarProcess p = new SidecarProcess(conf, dir.resolve(name + ".log"), port, dir.resolve("zentrix.db"))
                .basePath(xAccel ? "/recordings" : "");
        closeLater.add(p);
        return p.start();
    }

    /**
     * What install.sh adds to nginx ({@code --print-nginx}): {http-level text, the site's locations}, with the
     * installed archive and grant-cache folders replaced by the bench's and the cache zone renamed.
     */
    private static String[] installedNginx(int sidecarPort, Path archiveDir, Path cacheDir, String zone) throws Exception {
        Process p = new ProcessBuilder("scripts/install.sh", "--print-nginx", "--port", Integer.toString(sidecarPort)).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        if (p.waitFor() != 0) throw new IllegalStateException("install.sh --print-nginx failed: " + out);
        out = out.replace("/var/lib/zentrix-video/archive", archiveDir.toAbsolutePath().toString())
                .replace("/var/lib/zentrix-video/nginx-grants", cacheDir.toAbsolutePath().toString()).replace("zentrix_media_grants", zone)
                .replace("zentrix_video_sidecar", zone + "_sidecar");
        int site = out.indexOf("# ---- in the server block");
        return new String[] {out.substring(0, site), out.substring(site)};
    }

    private static String nginxConf(Path prefix, int port, Path archiveDir, String httpLevel, String servers) {
        String p = prefix.toAbsolutePath() + "/";
        return """
                daemon off;
                master_process on;
                %4$s
                worker_processes auto;
                pid %1$snginx.pid;
                error_log %1$serror.log warn;
                events { worker_connections 1024; }
                http {
                    access_log off;
                    client_body_temp_path %1$sclient_body;
                    proxy_temp_path %1$sproxy;
                    fastcgi_temp_path %1$sfastcgi;
                    uwsgi_temp_path %1$suwsgi;
                    scgi_temp_path %1$sscgi;
                    types { video/mp4 mp4; }
                    default_type application/octet-stream;
                    sendfile on;
                    tcp_nopush on;
                    keepalive_requests 100000;
                %5$s
                    server {
                        listen 127.0.0.1:%2$d;
                        location /media/ { alias %3$s/; }
                    }
                %6$s
                }
                """.formatted(p, port, archiveDir.toAbsolutePath(),
                // as root, nginx's workers would drop to "nobody", who cannot read our 0700 temp folder
                "root".equals(System.getProperty("user.name")) ? "user root;" : "", httpLevel, servers);
    }

    /** Full download, body drained into a sink; MB/s (10^6 bytes). */
    private static double full(Target t, long size) throws Exception {
        long s = System.nanoTime();
        HttpResponse<InputStream> r = t.http().send(t.req().GET().build(), HttpResponse.BodyHandlers.ofInputStream());
        long n = drain(r);
        double sec = (System.nanoTime() - s) / 1e9;
        if (r.statusCode() != 200 || n != size) throw new IllegalStateException(t.name() + ": " + r.statusCode() + " " + n + " of " + size);
        return size / 1e6 / sec;
    }

    private static double concurrent(Target t, long size, int k) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(k);
        try {
            long s = System.nanoTime();
            List<Future<Double>> fs = new ArrayList<>();
            for (int i = 0; i < k; i++) fs.add(pool.submit(() -> full(t, size)));
            for (Future<Double> f : fs) f.get();
            return k * size / 1e6 / ((System.nanoTime() - s) / 1e9);
        } finally {
            pool.shutdown();
        }
    }

    private static double curl(Target t) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("curl", "-s", "-o", "/dev/null", "-w", "%{http_code} %{speed_download}"));
        if (t.auth() != null) cmd.addAll(List.of("-H", "Authorization: " + t.auth()));
        cmd.add(t.url());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).trim();
        p.waitFor();
        String[] f = out.split(" ");
        if (!f[0].equals("200")) throw new IllegalStateException("curl " + t.name() + ": " + out);
        return Double.parseDouble(f[1]) / 1e6;
    }

    /** One range request: {time to response headers (first byte), total} in ms. */
    private static double[] range(Target t, String range, long expect) throws Exception {
        long s = System.nanoTime();
        HttpResponse<InputStream> r = t.http().send(t.req().header("Range", range).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
        long h = System.nanoTime();
        long n = drain(r);
        long e = System.nanoTime();
        if (r.statusCode() != 206 || (expect >= 0 && n != expect)) {
            throw new IllegalStateException(t.name() + " " + range + ": " + r.statusCode() + " " + n);
        }
        return new double[] {(h - s) / 1e6, (e - s) / 1e6};
    }

    /** [target][0 = TTFB, 1 = total][request], targets alternating first in rounds of 50. */
    private static double[][][] latencies(List<Target> both, int n, java.util.function.IntFunction<String> range, long expect) throws Exception {
        double[][][] out = new double[both.size()][2][n];
        for (int round = 0; round * 50 < n; round++) {
            for (int k = 0; k < both.size(); k++) {
                int j = (k + round) % both.size();
                for (int i = round * 50; i < Math.min(n, round * 50 + 50); i++) {
                    double[] r = range(both.get(j), range.apply(i), expect);
                    out[j][0][i] = r[0];
                    out[j][1][i] = r[1];
                }
            }
        }
        return out;
    }

    private static void addLatencyRows(List<String> rows, String what, double[][][] l) {
        for (int m = 0; m < 2; m++) {
            double[][] sorted = new double[l.length][];
            for (int t = 0; t < l.length; t++) {
                sorted[t] = l[t][m].clone();
                Arrays.sort(sorted[t]);
            }
            for (int p : new int[] {50, 95, 99}) {
                rows.add(row(what + ", " + (m == 0 ? "TTFB" : "total") + " p" + p + " (ms)", each(sorted, a -> pct(a, p)), false));
            }
        }
    }

    private static double[] each(double[][] perTarget, java.util.function.ToDoubleFunction<double[]> f) {
        return Arrays.stream(perTarget).mapToDouble(f).toArray();
    }

    /**
     * A table row: nginx, then every other target and its ratio against nginx, expressed so that ≥ 1 means as
     * good as nginx (throughput: x/nginx; latency: nginx/x). Target 1 is nginx.
     */
    private static String row(String what, double[] v, boolean higherBetter) {
        double n = v[1];
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT, "| %s | %.2f |", what, n));
        for (int t = 0; t < v.length; t++) {
            if (t != 1) out.append(String.format(Locale.ROOT, " %.2f | %.2f× |", v[t], higherBetter ? v[t] / n : n / v[t]));
        }
        return out.toString();
    }

    private static void verify(Target t, Path file, long size) throws Exception {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
            Random r = new Random(7);
            for (int i = 0; i < 5; i++) {
                long o = off(r, size - 4096);
                HttpResponse<byte[]> resp = t.http().send(t.req().header("Range", "bytes=" + o + "-" + (o + 4095)).GET().build(),
                        HttpResponse.BodyHandlers.ofByteArray());
                byte[] want = new byte[4096];
                raf.seek(o);
                raf.readFully(want);
                if (resp.statusCode() != 206 || !Arrays.equals(want, resp.body())
                        || !resp.headers().firstValue("Content-Range").orElse("").equals("bytes " + o + "-" + (o + 4095) + "/" + size)) {
                    throw new IllegalStateException(t.name() + " returned wrong bytes for range at " + o + ": " + resp.statusCode());
                }
            }
            HttpResponse<byte[]> suf = t.http().send(t.req().header("Range", "bytes=-100").GET().build(), HttpResponse.BodyHandlers.ofByteArray());
            byte[] want = new byte[100];
            raf.seek(size - 100);
            raf.readFully(want);
            if (suf.statusCode() != 206 || !Arrays.equals(want, suf.body())) throw new IllegalStateException(t.name() + " suffix range wrong");
        }
    }

    private static long drain(HttpResponse<InputStream> r) throws IOException {
        long n = 0;
        try (InputStream in = r.body()) {
            byte[] buf = new byte[1 << 16];
            for (int k; (k = in.read(buf)) >= 0; ) n += k;
        }
        return n;
    }

    private static long off(Random r, long bound) {
        return (long) (r.nextDouble() * bound);
    }

    private static void writeRandom(Path file, long bytes) throws IOException {
        Random r = new Random(3);
        byte[] buf = new byte[1 << 20];
        try (var out = Files.newOutputStream(file)) {
            for (long left = bytes; left > 0; left -= buf.length) {
                r.nextBytes(buf);
                out.write(buf, 0, (int) Math.min(buf.length, left));
            }
        }
    }

    private static void waitForPort(int port, Process p) throws Exception {
        long until = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < until) {
            if (!p.isAlive()) throw new IllegalStateException("nginx exited: " + p.exitValue());
            try (var s = new java.net.Socket("127.0.0.1", port)) {
                return;
            } catch (IOException e) {
                Thread.sleep(50);
            }
        }
        throw new IllegalStateException("nginx did not listen on " + port);
    }

    private static String version(String bin) {
        try {
            Process p = new ProcessBuilder(bin, "-v").redirectErrorStream(true).start();
            String v = new String(p.getInputStream().readAllBytes()).trim().replace("nginx version: ", "");
            p.waitFor();
            return v;
        } catch (Exception e) {
            return "nginx ?";
        }
    }

    private static double pct(double[] sorted, int p) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)];
    }

    private static double median(double[] a) {
        double[] s = a.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static double max(double[] a) {
        return Arrays.stream(a).max().orElse(0);
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var s = Files.walk(dir)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }
}
