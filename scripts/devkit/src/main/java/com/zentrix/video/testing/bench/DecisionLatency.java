package com.zentrix.video.testing.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.zentrix.video.testing.ProsodyServer;
import com.zentrix.video.testing.XmppClients;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.function.ToDoubleFunction;

/**
 * Decision latency, all real: Prosody with mod_zentrix_events, Smack clients, the sidecar jar, and a
 * timestamping Jibri. Per iteration, in a fresh room: the operator joins (and the sidecar is seen to
 * count them), then a guest joins; the sample ends when POST /startService arrives at the Jibri. Then the
 * guest and the operator leave (grace 0 s: the recording stops, the room is destroyed) and the harness
 * waits for the stopService, so every iteration starts from a quiet system with the recorder free.
 *
 * <p>Three starts are recorded for the same end: the module's {@code ts} (taken in Prosody's
 * muc-occupant-joined hook, floored to the millisecond), the client's join call returning (Smack got the
 * room's self-presence back), and the client's join call starting (adds the XMPP round trip).
 */
final class DecisionLatency {

    /** One iteration's times. */
    record Sample(String room, long joinStartNanos, long joinReturnNanos, TimestampingJibri.Arrival arrival,
            EventsTable.Join join) {
        double fromTsMs() {
            return arrival.epochMicros() / 1000.0 - join.tsMs();
        }

        double fromJoinReturnMs() {
            return (arrival.nanoTime() - joinReturnNanos) / 1e6;
        }

        double fromJoinStartMs() {
            return (arrival.nanoTime() - joinStartNanos) / 1e6;
        }

        double tsToJournalMs() {
            return join.receivedMs() - join.tsMs();
        }

        double journalToStartMs() {
            return arrival.epochMicros() / 1000.0 - join.receivedMs();
        }

        double journalToHealthMs() {
            return journalToStartMs() - healthToStartMs();
        }

        double healthToStartMs() {
            return (arrival.nanoTime() - arrival.healthNanoTime()) / 1e6;
        }
    }

    /** Percentiles of each measure over the measured iterations (warm-up excluded). */
    record Result(int iterations, int warmup, Percentiles fromTs, Percentiles fromJoinReturn,
            Percentiles fromJoinStart, Percentiles tsToJournal, Percentiles journalToStart,
            Percentiles journalToHealth, Percentiles healthToStart, CpuMeter.Usage cpu, Path sidecarLog) {}

    private static final Duration WAIT = Duration.ofSeconds(10);

    private final SidecarProcess.Launch launch;

    DecisionLatency(SidecarProcess.Launch launch) {
        this.launch = launch;
    }

    Result run(int iterations, int warmup) throws Exception {
        Path prosodyDir = launch.runDir().resolve("prosody");
        try (TimestampingJibri jibri = new TimestampingJibri();
                SidecarProcess sidecar = launch.start("latency", jibri.baseUrl());
                ProsodyServer prosody = ProsodyServer.builder().directory(prosodyDir).domain(SidecarProcess.DOMAIN)
                        .eventsUrl(sidecar.eventsUrl()).eventsSecret(SidecarProcess.PROSODY_SECRET)
                        .recorderHost(true)
                        .logLevel("info") // as in production; the fixture's debug default is for tests
                        .start()) {
            prosody.register("operator", "operator-pass");
            XmppClients xmpp = new XmppClients(prosody);
            List<long[]> joins = new ArrayList<>();
            List<TimestampingJibri.Arrival> arrivals = new ArrayList<>();
            List<String> rooms = new ArrayList<>();
            CpuMeter cpu = new CpuMeter(sidecar.handle(), ProcessHandle.of(prosody.pid()).orElse(null));
            try (XmppClients.Client operator = xmpp.user("operator", "operator-pass");
                    XmppClients.Client guest = xmpp.guest()) {
                for (int i = 0; i < warmup + iterations; i++) {
                    String room = "bench" + i;
                    String roomJid = xmpp.roomJid(room);
                    XmppClients.Participant op = operator.join(roomJid, "op" + i, "Operator");
                    awaitRoom(sidecar, room, r -> r != null && r.path("staff").asLong() == 1);

                    long joinStart = System.nanoTime();
                    XmppClients.Participant g = guest.join(roomJid, "guest" + i, "Guest " + i);
                    long joinReturn = System.nanoTime();
                    TimestampingJibri.Arrival arrival = jibri.awaitStart(room, WAIT);

                    g.leave();
                    op.leave();
                    awaitRoom(sidecar, room, r -> r == null);
                    if (!jibri.awaitStops(i + 1, WAIT)) {
                        throw new IllegalStateException("no stopService for room " + room + " within " + WAIT);
                    }
                    if (i == warmup) cpu.start();
                    if (i >= warmup) {
                        rooms.add(room);
                        joins.add(new long[] {joinStart, joinReturn});
                        arrivals.add(arrival);
                    }
                    if ((i + 1) % 50 == 0) System.err.printf("latency: %d/%d iterations%n", i + 1, warmup + iterations);
                }
            }
            CpuMeter.Usage usage = cpu.stop();
            Map<String, EventsTable.Join> journaled = new EventsTable(sidecar.database()).guestJoins();
            List<Sample> samples = new ArrayList<>();
            for (int i = 0; i < rooms.size(); i++) {
                EventsTable.Join j = journaled.get(rooms.get(i));
                if (j == null) throw new IllegalStateException("the guest's join in " + rooms.get(i) + " is not journaled");
                samples.add(new Sample(rooms.get(i), joins.get(i)[0], joins.get(i)[1], arrivals.get(i), j));
            }
            return new Result(iterations, warmup, of(samples, Sample::fromTsMs), of(samples, Sample::fromJoinReturnMs),
                    of(samples, Sample::fromJoinStartMs), of(samples, Sample::tsToJournalMs),
                    of(samples, Sample::journalToStartMs), of(samples, Sample::journalToHealthMs),
                    of(samples, Sample::healthToStartMs), usage, sidecar.log());
        }
    }

    private static Percentiles of(List<Sample> samples, ToDoubleFunction<Sample> measure) {
        return Percentiles.of(samples.stream().mapToDouble(measure).toArray());
    }

    /** Polls the coordinator's room view until the condition holds. */
    private static void awaitRoom(SidecarProcess sidecar, String room, Predicate<JsonNode> condition)
            throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.test(sidecar.room(room))) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("room " + room + " did not reach the expected state within " + WAIT);
            }
            Thread.sleep(2);
        }
    }
}
