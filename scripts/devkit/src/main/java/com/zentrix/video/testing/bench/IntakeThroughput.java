package com.zentrix.video.testing.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Event intake throughput with durable storage: signed events POSTed to the real sidecar's
 * {@code /api/v1/events} over keep-alive connections, one blocking client thread per connection, at several
 * concurrency levels. A 202 means the event is committed to the SQLite file (the journal answers after
 * its group commit), so afterwards the events table must hold exactly the number of 202s.
 *
 * <p>Each room's events go through one connection in seq order, as Prosody sends them; rooms are dealt
 * to connections in turn. Most rooms are guest-only (nothing to record); every {@code recordingEvery}-th
 * room also has an operator, so its guest's join starts a session and a Jibri request.
 */
final class IntakeThroughput {

    /** One concurrency level's outcome. */
    record Level(String label, int connections, int batchSize, long requests, int rooms, int recordingRooms, long sent, long accepted,
            long refused, String firstRefusal, double seconds, Percentiles latency, CpuMeter.Usage cpu,
            double rowsPerCommit, long loopDrainMs) {
        double eventsPerSecond() {
            return accepted / seconds;
        }
    }

    /** The whole run: levels, and the check of the events table against the 202s. */
    record Result(Level warmup, List<Level> levels, List<Level> batchLevels, Level healthFloor, long acceptedTotal, long rowsInTable, int recordingRooms,
            int jibriStarts, int jibriStops, Path sidecarLog) {
        boolean countsMatch() {
            return acceptedTotal == rowsInTable;
        }
    }

    private final SidecarProcess.Launch launch;

    IntakeThroughput(SidecarProcess.Launch launch) {
        this.launch = launch;
    }

    /** One request on the wire and how many events it carries (1, or a batch's size). */
    private record Req(byte[] bytes, int events) {}

    Result run(int[] connections, int eventsPerLevel, int warmupEvents, int recordingEvery, int[] batchSizes,
            int[] batchConnections, int eventsPerBatchLevel) throws Exception {
        try (TimestampingJibri jibri = new TimestampingJibri();
                SidecarProcess sidecar = launch.start("intake", jibri.baseUrl())) {
            EventsTable table = new EventsTable(sidecar.database());
            SignedEvents events = new SignedEvents("127.0.0.1:" + sidecar.port(), SidecarProcess.PROSODY_SECRET);
            Level warmup = level("warm-up", sidecar, table, events, 16, 1, warmupEvents, recordingEvery);
            List<Level> levels = new ArrayList<>();
            for (int c : connections) {
                int count = c == 1 ? Math.min(eventsPerLevel, 5_000) : eventsPerLevel;
                levels.add(level("c" + c, sidecar, table, events, c, 1, count, recordingEvery));
            }
            List<Level> batchLevels = new ArrayList<>();
            for (int b : batchSizes) {
                for (int c : batchConnections) {
                    batchLevels.add(level("b" + b + "c" + c, sidecar, table, events, c, b, eventsPerBatchLevel,
                            recordingEvery));
                }
            }
            Level floor = healthFloor(sidecar, table, 64, eventsPerLevel);
            long accepted = warmup.accepted() + levels.stream().mapToLong(Level::accepted).sum()
                    + batchLevels.stream().mapToLong(Level::accepted).sum();
            int recordingRooms = warmup.recordingRooms() + levels.stream().mapToInt(Level::recordingRooms).sum()
                    + batchLevels.stream().mapToInt(Level::recordingRooms).sum();
            // Recording rooms end with a stop; wait for the last ones to reach the stand-in.
            jibri.awaitStops(recordingRooms, Duration.ofSeconds(30));
            return new Result(warmup, levels, batchLevels, floor, accepted, table.count(), recordingRooms, jibri.starts(),
                    jibri.stops(), sidecar.log());
        }
    }

    /**
     * One level. With {@code batchSize} 1 every event is its own signed request; above 1 each connection's
     * events (rooms dealt in turn, each room in seq order) go out as signed batches of that many, in order.
     */
    private Level level(String label, SidecarProcess sidecar, EventsTable table, SignedEvents events, int connections,
            int batchSize, int eventCount, int recordingEvery) throws Exception {
        // Prepared before the clock starts: bodies, signatures, request heads.
        List<List<byte[]>> perConnection = new ArrayList<>();
        for (int i = 0; i < connections; i++) perConnection.add(new ArrayList<>());
        int rooms = 0;
        int recordingRooms = 0;
        for (int sent = 0; sent < eventCount; rooms++) {
            boolean recording = recordingEvery > 0 && rooms % recordingEvery == recordingEvery - 1;
            if (recording) recordingRooms++;
            List<byte[]> room = batchSize > 1 ? events.roomBodies(label + "-room" + rooms, recording)
                    : events.room(label + "-room" + rooms, recording);
            perConnection.get(rooms % connections).addAll(room);
            sent += room.size();
        }
        List<List<Req>> requests = new ArrayList<>();
        for (List<byte[]> list : perConnection) {
            List<Req> reqs = new ArrayList<>();
            if (batchSize > 1) {
                for (int from = 0; from < list.size(); from += batchSize) {
                    List<byte[]> chunk = list.subList(from, Math.min(list.size(), from + batchSize));
                    reqs.add(new Req(events.batch(chunk), chunk.size()));
                }
            } else {
                for (byte[] r : list) reqs.add(new Req(r, 1));
            }
            requests.add(reqs);
        }
        return measure(label, sidecar, table, requests, batchSize, 202, rooms, recordingRooms);
    }

    /**
     * The floor under any event rate: {@code GET /api/v1/health} (no body, no signature, no storage) through
     * the same Jetty, Javalin and client, so what is left of the two cores for intake work shows.
     */
    private Level healthFloor(SidecarProcess sidecar, EventsTable table, int connections, int count) throws Exception {
        byte[] get = ("GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1:" + sidecar.port() + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        List<List<Req>> perConnection = new ArrayList<>();
        for (int i = 0; i < connections; i++) perConnection.add(Collections.nCopies(count / connections, new Req(get, 1)));
        return measure("health", sidecar, table, perConnection, 1, 200, 0, 0);
    }

    private Level measure(String label, SidecarProcess sidecar, EventsTable table, List<List<Req>> perConnection,
            int batchSize, int expectedStatus, int rooms, int recordingRooms) throws Exception {
        int connections = perConnection.size();
        List<KeepAliveHttp> conns = new ArrayList<>();
        for (int i = 0; i < connections; i++) conns.add(new KeepAliveHttp("127.0.0.1", sidecar.port()));
        AtomicLong accepted = new AtomicLong();
        AtomicLong refused = new AtomicLong();
        AtomicReference<String> firstRefusal = new AtomicReference<>();
        long[][] latencies = new long[connections][];
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < connections; i++) {
            int index = i;
            Thread t = new Thread(() -> {
                List<Req> requests = perConnection.get(index);
                long[] lat = new long[requests.size()];
                latencies[index] = lat;
                KeepAliveHttp conn = conns.get(index);
                try {
                    go.await();
                    for (int k = 0; k < requests.size(); k++) {
                        long t0 = System.nanoTime();
                        Req req = requests.get(k);
                        KeepAliveHttp.Response r = conn.exchange(req.bytes());
                        lat[k] = System.nanoTime() - t0;
                        if (r.status() == expectedStatus && (req.events() == 1
                                || r.text().contains("\"accepted\":" + req.events()))) {
                            accepted.addAndGet(req.events());
                        } else {
                            refused.addAndGet(req.events());
                            firstRefusal.compareAndSet(null, r.status() + " " + r.text());
                        }
                    }
                } catch (Exception e) {
                    firstRefusal.compareAndSet(null, "client error: " + e);
                    refused.incrementAndGet();
                }
            }, "intake-client-" + i);
            t.start();
            threads.add(t);
        }
        CpuMeter cpu = new CpuMeter(sidecar.handle(), null);
        cpu.start();
        long startMs = System.currentTimeMillis();
        long start = System.nanoTime();
        go.countDown();
        for (Thread t : threads) t.join();
        double seconds = (System.nanoTime() - start) / 1e9;
        CpuMeter.Usage usage = cpu.stop();
        long endMs = System.currentTimeMillis();
        for (KeepAliveHttp c : conns) c.close();

        // The rooms view is taken on the recording loop: its answer time is the loop's leftover backlog.
        long drainStart = System.nanoTime();
        sidecar.rooms();
        long drainMs = (System.nanoTime() - drainStart) / 1_000_000;

        int total = 0;
        for (long[] l : latencies) total += l == null ? 0 : l.length;
        long[] all = new long[total];
        int at = 0;
        for (long[] l : latencies) {
            if (l == null) continue;
            System.arraycopy(l, 0, all, at, l.length);
            at += l.length;
        }
        long[] rowsAndTimes = table.rowsAndCommitTimes(startMs, endMs);
        double rowsPerCommit = rowsAndTimes[1] == 0 ? Double.NaN : (double) rowsAndTimes[0] / rowsAndTimes[1];
        long sentEvents = perConnection.stream().flatMap(List::stream).mapToLong(Req::events).sum();
        Level result = new Level(label, connections, batchSize, total, rooms, recordingRooms, sentEvents, accepted.get(), refused.get(),
                firstRefusal.get(), seconds, Percentiles.ofNanos(all), usage, rowsPerCommit, drainMs);
        System.err.printf("intake %s: %d connections, %d events in %d requests in %.1f s = %.0f events/s, p99 %s ms%n",
                label, connections, accepted.get(), total, seconds, result.eventsPerSecond(), Percentiles.ms(result.latency().p99()));
        return result;
    }
}
