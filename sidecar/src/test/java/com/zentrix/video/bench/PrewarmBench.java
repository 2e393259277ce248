package com.zentrix.video.bench;

import com.zentrix.video.testing.Flow;
import com.zentrix.video.testing.JibriStandIn;
import com.zentrix.video.testing.XmppClients;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Seconds of conversation lost at the start of a recording, with and without pre-warm (issue 7): real
 * calls through Prosody with our module (Smack clients), the sidecar in this JVM, one Jibri stand-in that
 * takes {@code joinDelay} to "launch its browser and join" before ffmpeg records, the real finalize hook,
 * and the real ffmpeg cut. Per call: the operator joins and waits {@code wait}, the client joins, they
 * talk {@code talk}, both leave. Calls alternate between a pre-warm room and an ordinary one.
 *
 * <p>Lost = max(0, stored file's first instant − client's join); the join is Prosody's {@code ts} of the
 * client's occupant-joined (events table), the file's first instant is the stand-in's media zero
 * ({@link JibriStandIn#mediaZeroAt}) plus the cut ({@code trim_start_ms}) on the same clock. Lead-in =
 * how much before the join the stored file starts. Run by scripts/bench-prewarm.sh; results in
 * docs/BENCHMARKS.md.
 */
public final class PrewarmBench {
    private PrewarmBench() {}

    record Call(String mode, String room, long joinedMs, long recorderZeroMs, long cutMs, long storedStartMs, String note) {
        long lostMs() {
            return Math.max(0, storedStartMs - joinedMs);
        }

        long leadInMs() {
            return Math.max(0, joinedMs - storedStartMs);
        }
    }

    public static void main(String[] args) throws Exception {
        int calls = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        Duration joinDelay = Duration.ofMillis(args.length > 1 ? Long.parseLong(args[1]) : 6000);
        Duration wait = Duration.ofMillis(args.length > 2 ? Long.parseLong(args[2]) : 10000);
        Duration talk = Duration.ofMillis(args.length > 3 ? Long.parseLong(args[3]) : 15000);
        Duration margin = Duration.ofSeconds(3);
        Path dir = Files.createTempDirectory("zv-prewarm-bench");
        List<Call> results = new ArrayList<>();
        try (Flow flow = new Flow(dir, b -> b.set("zentrix.recording.prewarm.rooms", List.of("warm-*"))
                .set("zentrix.recording.prewarm.margin", margin.toSeconds() + " s").set("zentrix.recording.grace-period", "1 s"), 1)) {
            JibriStandIn jibri = flow.jibris[0].joinDelay(joinDelay);
            for (int i = 1; i <= calls; i++) {
                for (String mode : List.of("pre-warm", "ordinary")) {
                    String room = (mode.equals("pre-warm") ? "warm-" : "plain-") + i;
                    Call c = call(flow, jibri, mode, room, "client-" + i, wait, talk);
                    results.add(c);
                    System.err.printf(Locale.ROOT, "%s %s: lost %.2f s, lead-in %.2f s, cut %.2f s (%s)%n", mode, room,
                            c.lostMs() / 1000.0, c.leadInMs() / 1000.0, c.cutMs() / 1000.0, c.note());
                }
            }
        }
        print(results, calls, joinDelay, wait, talk, margin);
    }

    private static Call call(Flow flow, JibriStandIn jibri, String mode, String room, String nick, Duration wait, Duration talk)
            throws Exception {
        jibri.awaitIdle(Duration.ofSeconds(60));
        try (XmppClients.Client op = flow.xmpp.user("olena", "olena-pass"); XmppClients.Client guest = flow.xmpp.guest()) {
            XmppClients.Participant me = op.join(flow.room(room), "olena", "Олена");
            Thread.sleep(wait.toMillis()); // the operator waits for the client: the scenario, not a sync
            XmppClients.Participant client = guest.join(flow.room(room), nick, "Client " + nick);
            Thread.sleep(talk.toMillis());
            client.leave();
            me.leave();
        }
        // ok, or technical_error when the recorder had not joined before the call ended (nothing recorded)
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(90)).until(() -> {
            List<Map<String, Object>> all = flow.sidecar.sessions(room);
            return !all.isEmpty() && List.of("ok", "technical_error").contains(all.get(all.size() - 1).get("status"));
        });
        Map<String, Object> s = flow.sidecar.sessions(room).get(0);
        Object id = s.get("id");
        if (mode.equals("pre-warm") && "ok".equals(s.get("status"))) {
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60))
                    .until(() -> flow.sidecar.sessions(room).get(0).get("prewarm_note") != null);
        }
        return flow.sidecar.db().withHandle(h -> {
            long joined = h.createQuery("SELECT ts_ms FROM events WHERE room_jid = :r AND type = 'occupant-joined' "
                            + "AND body LIKE :nick ORDER BY ts_ms LIMIT 1")
                    .bind("r", flow.room(room)).bind("nick", "%/" + nick + "\"%").mapTo(Long.class).one();
            String jibriSession = h.createQuery("SELECT jibri_session_id FROM recordings WHERE session_id = :s ORDER BY id LIMIT 1")
                    .bind("s", id).mapTo(String.class).one();
            long cut = h.createQuery("SELECT coalesce(max(trim_start_ms), 0) FROM files WHERE session_id = :s "
                            + "AND kind = 'media' AND deleted_ms IS NULL").bind("s", id).mapTo(Long.class).one();
            String note = h.createQuery("SELECT coalesce(prewarm_note, '-') FROM sessions WHERE id = :s").bind("s", id)
                    .mapTo(String.class).one();
            Instant zero = jibri.mediaZeroAt(jibriSession);
            if (zero == null || !"ok".equals(s.get("status"))) {
                // the recorder never captured: the whole conversation is lost
                return new Call(mode, room, joined, joined + talk.toMillis(), 0, joined + talk.toMillis(), "nothing recorded: " + s.get("reason"));
            }
            return new Call(mode, room, joined, zero.toEpochMilli(), cut, zero.toEpochMilli() + cut, note);
        });
    }

    private static void print(List<Call> results, int calls, Duration joinDelay, Duration wait, Duration talk, Duration margin) {
        System.out.printf(Locale.ROOT, "Calls: %d per mode; Jibri join delay %.1f s; operator waits %.1f s; talk %.1f s; margin %d s%n%n",
                calls, joinDelay.toMillis() / 1000.0, wait.toMillis() / 1000.0, talk.toMillis() / 1000.0, margin.toSeconds());
        System.out.println("| mode | calls | lost at start: median | max | lead-in before the join: median | max | recorder began before the join (median) |");
        System.out.println("|---|---|---|---|---|---|---|");
        for (String mode : List.of("ordinary", "pre-warm")) {
            List<Call> m = results.stream().filter(c -> c.mode().equals(mode)).toList();
            long[] lost = m.stream().mapToLong(Call::lostMs).sorted().toArray();
            long[] lead = m.stream().mapToLong(Call::leadInMs).sorted().toArray();
            long[] early = m.stream().mapToLong(c -> c.joinedMs() - c.recorderZeroMs()).sorted().toArray();
            System.out.printf(Locale.ROOT, "| %s | %d | %.2f s | %.2f s | %.2f s | %.2f s | %.2f s |%n", mode, m.size(),
                    median(lost) / 1000.0, lost[lost.length - 1] / 1000.0, median(lead) / 1000.0, lead[lead.length - 1] / 1000.0,
                    median(early) / 1000.0);
        }
        System.out.println();
        System.out.println("| call | mode | join → recorder's first frame | cut | stored file starts (vs join) |");
        System.out.println("|---|---|---|---|---|");
        for (Call c : results) {
            System.out.printf(Locale.ROOT, "| %s | %s | %+.2f s | %.2f s | %+.2f s |%n", c.room(), c.mode(),
                    (c.recorderZeroMs() - c.joinedMs()) / 1000.0, c.cutMs() / 1000.0, (c.storedStartMs() - c.joinedMs()) / 1000.0);
        }
    }

    private static long median(long[] sorted) {
        return sorted.length % 2 == 1 ? sorted[sorted.length / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
    }
}
