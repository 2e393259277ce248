package com.zentrix.video.reliability;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zentrix.video.testing.CrashFlow;
import com.zentrix.video.testing.JibriStandIn;
import com.zentrix.video.testing.XmppClients;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 8 a at scale: 200 rooms, each with its operator, and clients joining and leaving in waves. The
 * sidecar jar is SIGKILLed while the last wave's recorders are being stopped; while it is down some
 * clients leave and others arrive. After the restart, every room's recording state is right within
 * seconds (5 s promised), no session is lost or doubled, and every recording file is ingested exactly once.
 *
 * <p>Rooms by {@code i % 10}: 0 a client stays throughout; 1 the client leaves while the sidecar is
 * down; 2 a client arrives while it is down; 3-8 a conversation before the kill, in three waves of 40;
 * 9 a conversation whose client leaves just before the kill. At most about 60 recorders run at once
 * (one Jibri each, as real Jibris record one call at a time), with a tiny test picture so that two
 * cores can carry them.
 *
 * <p>Real Jibris run on machines of their own (a browser and an ALSA loopback each); here 140 stand-ins
 * share the sidecar's two cores, so their ffmpegs and finalize scripts run at {@code nice 10}: their load
 * does not stand in for the sidecar's. They are slower than real Jibris then (a capture may begin tens
 * of seconds after the start), which "right" allows: a recorder joining the call counts.
 */
class ChurnCrashIT {
    static final int ROOMS = 200;
    static final int JIBRIS = 140;
    static final String[] OPERATORS = {"op1", "op2", "op3", "op4"};
    /**
     * The promise is 5 s after the restarted sidecar answers (docs/RELIABILITY.md gives the measured
     * times: 1.0-2.6 s in ten runs on 2026-12-02 with the stand-ins at nice 10, where the test's own
     * load keeps the load average at 20-50 on two cores). Timing is a measurement, recorded there and
     * printed by every run; the bound asserted here is twice the promise, so that a loaded CI host does
     * not fail on CPU alone, while a regression like the pooled-connection starvation fixed that day
     * (18.6-23.5 s) fails. Rooms still wrong after {@link #GIVE_UP} fail the test with their reasons.
     */
    static final Duration CONVERGENCE = Duration.ofSeconds(10);
    static final Duration GIVE_UP = Duration.ofSeconds(45);

    @TempDir static Path dir;
    static CrashFlow flow;
    static ExecutorService pool = Executors.newFixedThreadPool(16);
    static final Map<Integer, XmppClients.Client> operators = new ConcurrentHashMap<>();
    static final Map<Integer, XmppClients.Client> clients = new ConcurrentHashMap<>();

    @BeforeAll
    static void start() throws Exception {
        flow = new CrashFlow(dir, JIBRIS, j -> j.capture("color=c=gray:size=32x32:rate=1", "anullsrc=r=8000:cl=mono").nice(10),
                s -> s, OPERATORS);
    }

    @AfterAll
    static void stop() throws Exception {
        // Keep the sidecar's log for a failure's post-mortem (the test folder is deleted).
        if (Files.exists(dir.resolve("sidecar.log"))) {
            Files.copy(dir.resolve("sidecar.log"), Path.of("target/churn-crash-sidecar.log"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        clients.values().forEach(XmppClients.Client::close);
        operators.values().forEach(XmppClients.Client::close);
        pool.shutdownNow();
        if (flow != null) flow.close();
    }

    static String name(int room) {
        return String.format(Locale.ROOT, "churn-%03d", room);
    }

    static List<Integer> rooms(int... kinds) {
        Set<Integer> k = IntStream.of(kinds).boxed().collect(Collectors.toSet());
        return IntStream.range(0, ROOMS).filter(i -> k.contains(i % 10)).boxed().toList();
    }

    interface RoomAction {
        void run(int room) throws Exception;
    }

    /** Does the action for every room, 16 at a time (clients connect in parallel, as in a busy hour). */
    static void inParallel(List<Integer> rooms, RoomAction action) throws Exception {
        List<Future<?>> all = new ArrayList<>();
        for (int room : rooms) all.add(pool.submit(() -> {
            action.run(room);
            return null;
        }));
        for (Future<?> f : all) f.get();
    }

    static void clientJoins(int room) throws Exception {
        XmppClients.Client c = flow.xmpp.guest();
        clients.put(room, c);
        c.join(flow.room(name(room)), "client-" + room, "Клієнт " + room);
    }

    static void clientLeaves(int room) {
        clients.remove(room).close();
    }

    /** Rooms whose newest session is recording. */
    static Set<String> recordingRooms() {
        return new HashSet<>(flow.sidecar.db().withHandle(h -> h.createQuery(
                "SELECT room_name FROM sessions WHERE status = 'recording' AND ended_ms IS NULL").mapTo(String.class).list()));
    }

    static void awaitRecording(List<Integer> rooms) {
        Set<String> names = rooms.stream().map(ChurnCrashIT::name).collect(Collectors.toSet());
        await().atMost(Duration.ofSeconds(90)).until(() -> recordingRooms().containsAll(names));
    }

    static Map<String, Long> sessionIds(List<Integer> rooms) {
        Set<String> names = rooms.stream().map(ChurnCrashIT::name).collect(Collectors.toSet());
        return flow.sidecar.db().withHandle(h -> h.createQuery("SELECT room_name, id FROM sessions").mapToMap().list()).stream()
                .filter(r -> names.contains((String) r.get("room_name")))
                .collect(Collectors.toMap(r -> (String) r.get("room_name"), r -> ((Number) r.get("id")).longValue()));
    }

    /**
     * Every room whose recording state is not right, with why. Right: a room with a client has one open
     * session whose recorder attempt was accepted and is live on a Jibri busy with exactly that attempt
     * (joining the call or capturing, the session 'starting' or 'recording'; with {@code capturing},
     * capturing only, the session 'recording' after Jibri's ON); a room without a client
     * has no open session and no Jibri joining or capturing for it (one finishing its file may).
     */
    static List<String> wrongRooms(boolean capturing) {
        Set<Integer> present = clients.keySet();
        List<Map<String, Object>> open = flow.sidecar.db().withHandle(h -> h.createQuery(
                "SELECT s.id, s.room_name, s.status, r.jibri_session_id, r.jibri_url, r.status AS rstatus FROM sessions s "
                        + "LEFT JOIN recordings r ON r.id = (SELECT max(id) FROM recordings WHERE session_id = s.id) "
                        + "WHERE s.ended_ms IS NULL").mapToMap().list());
        Map<String, String> roomOfJibriSession = new HashMap<>(flow.sidecar.db().withHandle(h -> h.createQuery(
                "SELECT r.jibri_session_id, s.room_name FROM recordings r JOIN sessions s ON s.id = r.session_id")
                .mapToMap().list()).stream().collect(Collectors.toMap(r -> (String) r.get("jibri_session_id"),
                r -> (String) r.get("room_name"), (a, b) -> a)));
        Map<String, JibriStandIn> busyWith = new HashMap<>();
        Set<String> roomsWithBusyJibri = new HashSet<>();
        for (JibriStandIn j : flow.jibris) {
            JibriStandIn.Phase phase = j.phase();
            String sid = j.currentSessionId().orElse(null);
            if (sid == null || !(phase == JibriStandIn.Phase.RECORDING || phase == JibriStandIn.Phase.JOINING)) continue;
            if (!capturing || phase == JibriStandIn.Phase.RECORDING) busyWith.put(sid, j);
            roomsWithBusyJibri.add(roomOfJibriSession.getOrDefault(sid, "unknown session " + sid));
        }
        Map<String, List<Map<String, Object>>> openByRoom = open.stream().collect(Collectors.groupingBy(r -> (String) r.get("room_name")));
        List<String> wrong = new ArrayList<>();
        for (int i = 0; i < ROOMS; i++) {
            String room = name(i);
            List<Map<String, Object>> sessions = openByRoom.getOrDefault(room, List.of());
            if (present.contains(i)) {
                if (sessions.size() != 1) {
                    wrong.add(room + ": client present, " + sessions.size() + " open sessions");
                    continue;
                }
                Map<String, Object> s = sessions.get(0);
                JibriStandIn j = busyWith.get((String) s.get("jibri_session_id"));
                // Before capture the session says 'starting' (the recorder accepted and is joining the call);
                // 'recording' once Jibri's ON came. Capturing demands the latter.
                boolean sessionRight = capturing ? "recording".equals(s.get("status"))
                        : "recording".equals(s.get("status")) || "starting".equals(s.get("status"));
                if (!sessionRight || !"recording".equals(s.get("rstatus")) || j == null
                        || !j.baseUrl().equals(s.get("jibri_url"))) {
                    wrong.add(room + ": client present, session " + s + ", jibri on it: " + (j == null ? "none" : j.jibriId()));
                }
            } else if (!sessions.isEmpty() || roomsWithBusyJibri.contains(room)) {
                wrong.add(room + ": no client, open sessions " + sessions + ", jibri busy for it: " + roomsWithBusyJibri.contains(room));
            }
        }
        roomsWithBusyJibri.stream().filter(r -> r.startsWith("unknown")).forEach(wrong::add);
        return wrong;
    }

    /** For a failure's message: every session not ok, with its recorders, hand-overs and the Jibri phases. */
    static String unsettled() {
        List<Map<String, Object>> rows = flow.sidecar.db().withHandle(h -> h.createQuery(
                "SELECT s.id, s.room_name, s.status, s.reason, s.ended_ms IS NOT NULL AS ended, "
                        + "(SELECT group_concat(r.jibri_session_id || ' ' || r.status || coalesce(' ' || r.failure, '') || ' @' || "
                        + "coalesce(r.jibri_url, '-'), '; ') FROM recordings r WHERE r.session_id = s.id) AS recorders, "
                        + "(SELECT group_concat(o.dir_name || ' ' || o.state || coalesce(' ' || o.error, ''), '; ') FROM handovers o "
                        + "WHERE o.dir_name IN (SELECT jibri_session_id FROM recordings WHERE session_id = s.id)) AS handovers "
                        + "FROM sessions s WHERE s.status <> 'ok' ORDER BY s.id").mapToMap().list());
        Map<String, Long> phases = Stream.of(flow.jibris).collect(Collectors.groupingBy(j -> j.phase().name(), Collectors.counting()));
        return rows.size() + " " + rows + "; jibri phases " + phases;
    }

    static long msSince(long nanos) {
        return (System.nanoTime() - nanos) / 1_000_000;
    }

    @Test
    void aSigkillDuringAChurnOf200RoomsPutsEveryRoomRightAndLosesNothing() throws Exception {
        List<Integer> stays = rooms(0);
        List<Integer> leavesWhileDown = rooms(1);
        List<Integer> arrivesWhileDown = rooms(2);
        List<List<Integer>> before = List.of(rooms(3, 4), rooms(5, 6), rooms(7, 8));
        List<Integer> atKill = rooms(9);

        long t = System.nanoTime();
        inParallel(IntStream.range(0, ROOMS).boxed().toList(), i -> {
            String op = OPERATORS[i % OPERATORS.length];
            XmppClients.Client c = flow.xmpp.user(op, op + "-pass");
            operators.put(i, c);
            c.join(flow.room(name(i)), "operator-" + i, "Оператор " + i);
        });
        System.out.printf("churn: %d operators in their rooms after %d ms%n", ROOMS, (System.nanoTime() - t) / 1_000_000);

        long phase = System.nanoTime();
        // Conversations before the kill, wave after wave: they join, are recorded, and leave.
        for (List<Integer> wave : before) {
            inParallel(wave, ChurnCrashIT::clientJoins);
            awaitRecording(wave);
            inParallel(wave, ChurnCrashIT::clientLeaves);
        }
        // The conversations that will go on through the kill, and the ones ending at the kill.
        inParallel(stays, ChurnCrashIT::clientJoins);
        inParallel(leavesWhileDown, ChurnCrashIT::clientJoins);
        inParallel(atKill, ChurnCrashIT::clientJoins);
        awaitRecording(stays);
        awaitRecording(leavesWhileDown);
        awaitRecording(atKill);
        inParallel(atKill, ChurnCrashIT::clientLeaves);
        System.out.printf("churn: %d conversations recorded before the kill in %d ms%n", ROOMS - arrivesWhileDown.size(), msSince(phase));
        // Kill once the first of those recorders are being stopped: the rest are in their grace period or
        // stopping, their finalize hand-overs in flight.
        Set<String> atKillNames = atKill.stream().map(ChurnCrashIT::name).collect(Collectors.toSet());
        await().atMost(Duration.ofSeconds(30)).until(() -> flow.sidecar.db().withHandle(h -> h.createQuery(
                "SELECT room_name FROM sessions WHERE ended_ms IS NOT NULL").mapTo(String.class).list())
                .stream().filter(atKillNames::contains).count() >= 1);
        Map<String, Long> sessionsBeforeKill = sessionIds(IntStream.range(0, ROOMS).boxed().toList());
        Map<String, Long> ongoing = sessionIds(stays);
        flow.sidecar.kill();
        System.out.printf("churn: killed with %d sessions, %d open; jibris capturing %d, stopping %d%n", sessionsBeforeKill.size(),
                flow.sidecar.number("SELECT count(*) FROM sessions WHERE ended_ms IS NULL"),
                Stream.of(flow.jibris).filter(j -> j.phase() == JibriStandIn.Phase.RECORDING).count(),
                Stream.of(flow.jibris).filter(j -> j.phase() == JibriStandIn.Phase.STOPPING).count());

        // While it is down: some clients leave, others arrive.
        inParallel(leavesWhileDown, ChurnCrashIT::clientLeaves);
        inParallel(arrivesWhileDown, ChurnCrashIT::clientJoins);

        long launched = System.nanoTime();
        flow.sidecar.start();
        long up = System.nanoTime();
        List<String> wrong = new ArrayList<>();
        try {
            await().atMost(GIVE_UP).pollInterval(Duration.ofMillis(100)).until(() -> {
                wrong.clear();
                wrong.addAll(wrongRooms(false));
                return wrong.isEmpty();
            });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError(wrong.size() + " rooms still wrong " + GIVE_UP.toSeconds() + " s after the restart: " + wrong, e);
        }
        long converged = System.nanoTime();
        Duration afterUp = Duration.ofNanos(converged - up);
        // For the record: when every recorder had also begun capturing (the stand-in's ffmpeg, a real Jibri's browser).
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> wrongRooms(true).isEmpty());
        System.out.printf("churn: restarted; health up after %d ms; every room right %d ms after that (%d ms after launch); "
                        + "every recorder capturing after %d ms%n", (up - launched) / 1_000_000, afterUp.toMillis(),
                (converged - launched) / 1_000_000, msSince(up));
        assertTrue(afterUp.compareTo(CONVERGENCE) <= 0, "every room right " + afterUp.toMillis() + " ms after the restart");

        // No session lost, none doubled: the ongoing conversations kept theirs, with the same recorder.
        Map<String, Long> after = sessionIds(IntStream.range(0, ROOMS).boxed().toList());
        sessionsBeforeKill.forEach((room, id) -> assertEquals(id, after.get(room), room + " kept its session"));
        for (long id : ongoing.values()) {
            assertEquals(1, flow.sidecar.number("SELECT count(*) FROM recordings WHERE session_id = ?", id), "recorder never restarted");
        }

        // Everyone leaves: every room had exactly one conversation, each settles ok, each file ingested once.
        phase = System.nanoTime();
        inParallel(new ArrayList<>(clients.keySet()), ChurnCrashIT::clientLeaves);
        // 200 hand-overs queue behind each other (ffprobe niced under the test's load: ~0.5 s a file there).
        try {
            await().atMost(Duration.ofSeconds(180)).until(() -> flow.sidecar.number("SELECT count(*) FROM sessions WHERE status = 'ok'") == ROOMS);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("sessions not ok 180 s after the last clients left: " + unsettled(), e);
        }
        System.out.printf("churn: all %d sessions ok %d ms after the last clients left%n", ROOMS, msSince(phase));
        assertEquals(ROOMS, flow.sidecar.number("SELECT count(*) FROM sessions"), "one session per room");
        assertEquals(ROOMS, flow.sidecar.number("SELECT count(DISTINCT room_name) FROM sessions"));
        for (JibriStandIn j : flow.jibris) j.awaitIdle(Duration.ofSeconds(30));
        Set<String> recorded = new TreeSet<>();
        for (JibriStandIn j : flow.jibris) {
            for (JibriStandIn.SessionOutcome o : j.outcomes()) if (o.metadataWritten()) recorded.add(o.mediaFile().getFileName().toString());
        }
        List<Map<String, Object>> files = flow.sidecar.db().withHandle(h -> h.createQuery(
                "SELECT original_name, sha256, path FROM files WHERE kind = 'media'").mapToMap().list());
        assertEquals(recorded, files.stream().map(f -> (String) f.get("original_name")).collect(Collectors.toCollection(TreeSet::new)),
                "every file Jibri wrote is in the archive");
        assertEquals(recorded.size(), files.size(), "and each exactly once");
        assertEquals(files.size(), files.stream().map(f -> f.get("sha256")).distinct().count(), "distinct recordings");
        assertEquals(0, flow.sidecar.number("SELECT count(*) FROM files WHERE kind = 'media' AND media_error IS NOT NULL"));
        assertEquals(files.size(), flow.sidecar.number("SELECT count(*) FROM recordings WHERE status = 'ingested'"));
        try (Stream<Path> left = Files.list(dir.resolve("jibri-recordings"))) {
            assertEquals(List.of(), left.toList(), "nothing left behind in the Jibri folder");
        }
    }
}
