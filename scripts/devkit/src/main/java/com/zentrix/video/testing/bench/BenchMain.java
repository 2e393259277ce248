package com.zentrix.video.testing.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * {@code scripts/bench.sh} runs this: decision latency and event intake throughput against the real
 * sidecar jar, printed as markdown tables on stdout (progress goes to stderr).
 *
 * <pre>
 * --jar PATH              the sidecar jar (default sidecar/target/zentrix-video.jar)
 * --work DIR              run folder, kept: sidecar folders, SQLite files, logs (default a temp dir,
 *                         removed after a run that finished)
 * --only latency|intake   run one benchmark (default both)
 * --iterations N          measured latency iterations (default 300)
 * --warmup N              latency iterations run first and not counted (default 30)
 * --connections 1,4,16,64 intake concurrency levels (default 1,4,16,64,128)
 * --events N              events posted per intake level (default 40000; 5000 at most for 1 connection)
 * --intake-warmup N       events posted first and not counted, so the JIT has settled (default 60000)
 * --recording-every N     every N-th intake room has an operator and records (default 50; 0 = none)
 * --batch-sizes 50,100    events per signed batch request in the batched intake levels (default 50,100;
 *                         0 = no batched levels)
 * --batch-connections 1,4,16  concurrency of the batched levels (default 1,4,16)
 * --batch-events N        events posted per batched level (default 100000)
 * </pre>
 * Extra JVM options for the sidecar process come from {@code BENCH_SIDECAR_JAVA_OPTS} (e.g. a JFR recording).
 */
public final class BenchMain {
    /** The markdown goes here; System.out is pointed at stderr so library logging stays out of it. */
    private static final PrintStream out = System.out;

    private BenchMain() {}

    public static void main(String[] args) throws Exception {
        System.setOut(System.err);
        Path jar = Path.of("sidecar/target/zentrix-video.jar");
        Path work = null;
        String only = null;
        int iterations = 300;
        int warmup = 30;
        int[] connections = {1, 4, 16, 64, 128};
        int events = 40_000;
        int intakeWarmup = 60_000;
        int recordingEvery = 50;
        int[] batchSizes = {50, 100};
        int[] batchConnections = {1, 4, 16};
        int batchEvents = 100_000;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (i + 1 >= args.length) usage("missing value for " + a);
            String v = args[++i];
            switch (a) {
                case "--jar" -> jar = Path.of(v);
                case "--work" -> work = Path.of(v);
                case "--only" -> only = v;
                case "--iterations" -> iterations = Integer.parseInt(v);
                case "--warmup" -> warmup = Integer.parseInt(v);
                case "--connections" -> connections = Arrays.stream(v.split(",")).mapToInt(Integer::parseInt).toArray();
                case "--events" -> events = Integer.parseInt(v);
                case "--intake-warmup" -> intakeWarmup = Integer.parseInt(v);
                case "--recording-every" -> recordingEvery = Integer.parseInt(v);
                case "--batch-sizes" -> batchSizes = Arrays.stream(v.split(",")).mapToInt(Integer::parseInt)
                        .filter(b -> b > 1).toArray();
                case "--batch-connections" -> batchConnections = Arrays.stream(v.split(",")).mapToInt(Integer::parseInt).toArray();
                case "--batch-events" -> batchEvents = Integer.parseInt(v);
                default -> usage("unknown option " + a);
            }
        }
        if (only != null && !only.equals("latency") && !only.equals("intake")) usage("--only wants latency or intake");
        if (!Files.isRegularFile(jar)) usage("no sidecar jar at " + jar + " (mvn -q package -DskipTests)");
        boolean keepWork = work != null;
        if (work == null) work = Files.createTempDirectory("zentrix-bench-");
        Files.createDirectories(work);
        String opts = System.getenv().getOrDefault("BENCH_SIDECAR_JAVA_OPTS", "").trim();
        List<String> javaOptions = opts.isEmpty() ? List.of() : List.of(opts.split("\\s+"));

        out.printf("Run %s, SQLite %s (sqlite-jdbc, bundled), run folder `%s` (%s)%s%n%n",
                OffsetDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.SECONDS), EventsTable.sqliteVersion(), work,
                keepWork ? "kept" : "removed at the end; --work DIR keeps it",
                javaOptions.isEmpty() ? "" : ", sidecar JVM options `" + String.join(" ", javaOptions) + "`");
        SidecarProcess.Launch launch = new SidecarProcess.Launch(jar, work, javaOptions);
        List<String> verdicts = new ArrayList<>();
        boolean ok = true;
        if (only == null || only.equals("latency")) {
            DecisionLatency.Result r = new DecisionLatency(launch).run(iterations, warmup);
            printLatency(r);
            ok &= verdict(verdicts, r.fromTs().p99() <= 20.0, "decision latency p99 (from the module's ts) "
                    + Percentiles.ms(r.fromTs().p99()) + " ms, target ≤ 20 ms");
        }
        if (only == null || only.equals("intake")) {
            IntakeThroughput.Result r = new IntakeThroughput(launch)
                    .run(connections, events, intakeWarmup, recordingEvery, batchSizes, batchConnections, batchEvents);
            printIntake(r);
            IntakeThroughput.Level best = r.levels().stream()
                    .max((x, y) -> Double.compare(x.eventsPerSecond(), y.eventsPerSecond())).orElseThrow();
            boolean singleMet = best.eventsPerSecond() >= 10_000;
            String single = String.format(Locale.ROOT,
                    "intake throughput, one event per request: best %,.0f events/s (%d connections), target ≥ 10,000 events/s",
                    best.eventsPerSecond(), best.connections());
            IntakeThroughput.Level bestBatch = r.batchLevels().stream()
                    .max((x, y) -> Double.compare(x.eventsPerSecond(), y.eventsPerSecond())).orElse(null);
            if (bestBatch == null) {
                ok &= verdict(verdicts, singleMet, single);
            } else {
                // The module batches whenever more than one event waits, so the target counts for the batched mode.
                verdicts.add("- " + (singleMet ? "met" : "not met") + " (for comparison): " + single);
                ok &= verdict(verdicts, bestBatch.eventsPerSecond() >= 10_000, String.format(Locale.ROOT,
                        "intake throughput, batched: best %,.0f events/s (%d events per request, %d connections), "
                                + "target ≥ 10,000 events/s",
                        bestBatch.eventsPerSecond(), bestBatch.batchSize(), bestBatch.connections()));
            }
            ok &= verdict(verdicts, r.countsMatch(), "events table holds " + r.rowsInTable() + " rows for "
                    + r.acceptedTotal() + " events answered 202");
        }
        out.println("### Against the targets");
        out.println();
        verdicts.forEach(out::println);
        if (!keepWork) deleteTree(work); // hundreds of MB of SQLite; --work keeps a run for a look
        System.exit(ok ? 0 : 1);
    }

    private static boolean verdict(List<String> lines, boolean met, String what) {
        lines.add("- " + (met ? "**met**: " : "**missed**: ") + what);
        return met;
    }

    private static void printLatency(DecisionLatency.Result r) {
        out.printf("### Decision latency: guest's join → POST /startService at the Jibri (%d iterations, "
                + "%d warm-up not counted)%n%n", r.iterations(), r.warmup());
        out.println("| measured from | to | p50 ms | p95 ms | p99 ms | max ms | mean ms |");
        out.println("|---|---|---:|---:|---:|---:|---:|");
        row("module `ts` (Prosody's muc-occupant-joined hook) — **reported**", "startService arrives", r.fromTs());
        row("client's join call returns (self-presence back)", "startService arrives", r.fromJoinReturn());
        row("client's join call starts (adds the XMPP round trip)", "startService arrives", r.fromJoinStart());
        row("module `ts`", "journal batch starts (`received_ms`)", r.tsToJournal());
        row("journal batch starts (`received_ms`)", "startService arrives", r.journalToStart());
        row("journal batch starts (`received_ms`)", "GET /health arrives", r.journalToHealth());
        row("GET /health arrives", "startService arrives", r.healthToStart());
        out.println();
        out.printf(Locale.ROOT, "CPU over the measured iterations, in cores: sidecar %.2f, Prosody %.2f, "
                + "harness (XMPP clients, Jibri stand-in) %.2f, other processes on the machine %.2f.%n%n",
                r.cpu().sidecar(), r.cpu().prosody(), r.cpu().harness(), r.cpu().others());
    }

    private static void row(String from, String to, Percentiles p) {
        out.printf("| %s | %s | %s | %s | %s | %s | %s |%n", from, to, Percentiles.ms(p.p50()),
                Percentiles.ms(p.p95()), Percentiles.ms(p.p99()), Percentiles.ms(p.max()), Percentiles.ms(p.mean()));
    }

    private static void printIntake(IntakeThroughput.Result r) {
        out.println("### Event intake: signed POST /api/v1/events, 202 = committed to SQLite (WAL, "
                + "synchronous NORMAL)");
        out.println();
        out.println("| connections | requests | rooms (recording) | per second | p50 ms | p90 ms | p99 ms | "
                + "p99.9 ms | max ms | sidecar CPU | client CPU | others' CPU | rows/commit | loop backlog ms |");
        out.println("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        List<IntakeThroughput.Level> all = new ArrayList<>();
        all.add(r.warmup());
        all.addAll(r.levels());
        all.add(r.healthFloor());
        for (IntakeThroughput.Level l : all) {
            Percentiles p = l.latency();
            String who = switch (l.label()) {
                case "warm-up" -> "16 (warm-up, not counted)";
                case "health" -> l.connections() + " (GET /api/v1/health: the HTTP floor, not events)";
                default -> Integer.toString(l.connections());
            };
            out.printf(Locale.ROOT, "| %s | %,d | %,d (%d) | **%,.0f** | %s | %s | %s | %s | %s | %.2f | %.2f | %.2f | %s | %d |%n",
                    who,
                    l.accepted(), l.rooms(), l.recordingRooms(), l.eventsPerSecond(), Percentiles.ms(p.p50()),
                    Percentiles.ms(p.p90()), Percentiles.ms(p.p99()), Percentiles.ms(p.p999()), Percentiles.ms(p.max()),
                    l.cpu().sidecar(), l.cpu().harness(), l.cpu().others(),
                    Double.isNaN(l.rowsPerCommit()) ? "–" : String.format(Locale.ROOT, "%.1f", l.rowsPerCommit()),
                    l.loopDrainMs());
            if (l.refused() > 0) out.printf("%n> %s: %d requests not answered 202; first: %s%n%n", l.label(),
                    l.refused(), l.firstRefusal());
        }
        out.println();
        if (!r.batchLevels().isEmpty()) {
            out.println("### Event intake, batched: signed POST /api/v1/events with {\"events\":[...]}, 202 = the whole "
                    + "batch committed (one commit)");
            out.println();
            out.println("| events per request | connections | events | requests | rooms (recording) | events per second | "
                    + "request p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | sidecar CPU | client CPU | others' CPU | "
                    + "rows/commit | loop backlog ms |");
            out.println("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
            for (IntakeThroughput.Level l : r.batchLevels()) {
                Percentiles p = l.latency();
                out.printf(Locale.ROOT, "| %d | %d | %,d | %,d | %,d (%d) | **%,.0f** | %s | %s | %s | %s | %s | %.2f | %.2f | %.2f | %s | %d |%n",
                        l.batchSize(), l.connections(), l.accepted(), l.requests(), l.rooms(), l.recordingRooms(),
                        l.eventsPerSecond(), Percentiles.ms(p.p50()), Percentiles.ms(p.p90()), Percentiles.ms(p.p99()),
                        Percentiles.ms(p.p999()), Percentiles.ms(p.max()), l.cpu().sidecar(), l.cpu().harness(),
                        l.cpu().others(),
                        Double.isNaN(l.rowsPerCommit()) ? "–" : String.format(Locale.ROOT, "%.1f", l.rowsPerCommit()),
                        l.loopDrainMs());
                if (l.refused() > 0) out.printf("%n> %s: %d events not answered 202; first: %s%n%n", l.label(),
                        l.refused(), l.firstRefusal());
            }
            out.println();
        }
        out.printf("Check: %,d events answered 202, the events table holds %,d rows (%s). Recording rooms "
                        + "%d, startService calls %d, stopService calls %d.%n%n",
                r.acceptedTotal(), r.rowsInTable(), r.countsMatch() ? "equal" : "**MISMATCH**", r.recordingRooms(),
                r.jibriStarts(), r.jibriStops());
    }

    private static void deleteTree(Path root) throws IOException {
        try (var paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }

    private static void usage(String problem) {
        System.err.println("BenchMain: " + problem);
        System.err.println("usage: BenchMain [--jar PATH] [--work DIR] [--only latency|intake] [--iterations N] "
                + "[--warmup N] [--connections 1,4,16] [--events N] [--intake-warmup N] [--recording-every N] "
                + "[--batch-sizes 50,100] [--batch-connections 1,4,16] [--batch-events N]");
        System.exit(64);
    }
}
