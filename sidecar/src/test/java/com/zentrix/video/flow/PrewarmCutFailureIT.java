package com.zentrix.video.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zentrix.video.testing.Flow;
import com.zentrix.video.testing.JibriStandIn;
import com.zentrix.video.testing.Media;
import com.zentrix.video.testing.XmppClients;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pre-warm cut failing, end to end (Prosody, Smack clients, the sidecar, a Jibri stand-in recording
 * with the real ffmpeg, the real finalize script): the cut's ffmpeg is a script that writes a partial
 * output and then fails, or "succeeds" with an output ffprobe cannot read. Either way the untrimmed
 * original stays the recording, the session says why, nothing is deleted and the audit trail has no
 * cut and no deletion.
 */
class PrewarmCutFailureIT {
    @TempDir static Path dir;
    static Flow flow;
    static Path tools;

    @BeforeAll
    static void start() throws Exception {
        tools = Files.createDirectories(dir.resolve("broken-ffmpeg"));
        Path ffmpeg = tools.resolve("ffmpeg");
        Files.writeString(ffmpeg, """
                #!/bin/sh
                # The pre-warm cut's ffmpeg for this test: writes half a file where the output goes, then
                # fails (mode "fail") or exits 0 leaving that garbage (mode "garbage").
                for out; do :; done
                head -c 4096 /dev/urandom > "$out"
                [ "$(cat "$(dirname "$0")/mode")" = garbage ] && exit 0
                echo "Conversion failed! (stand-in)" >&2
                exit 1
                """);
        Files.setPosixFilePermissions(ffmpeg, PosixFilePermissions.fromString("rwxr-xr-x"));
        // The cut takes ffprobe from ffmpeg's folder: the real one, so the keyframes are read for real.
        Files.createSymbolicLink(tools.resolve("ffprobe"), Path.of("/usr/bin/ffprobe"));
        flow = new Flow(dir, b -> b.set("zentrix.recording.prewarm.rooms", List.of("desk-*"))
                .set("zentrix.recording.prewarm.margin", "2 s")
                .set("zentrix.recording.prewarm.ffmpeg", ffmpeg.toString()), 1);
        flow.jibris[0].joinDelay(Duration.ofSeconds(1));
    }

    @AfterAll
    static void stop() {
        if (flow != null) flow.close();
    }

    @AfterEach
    void idle() throws InterruptedException {
        flow.jibris[0].awaitIdle(Duration.ofSeconds(30));
    }

    /** A warm-up, a client joining after some waiting, a short talk; returns the finished session. */
    private static Map<String, Object> prewarmedCall(String room) throws Exception {
        JibriStandIn jibri = flow.jibris[0];
        try (XmppClients.Client op = flow.xmpp.user("olena", "olena-pass"); XmppClients.Client guest = flow.xmpp.guest()) {
            XmppClients.Participant me = op.join(flow.room(room), "olena", "Олена");
            jibri.awaitPhase(JibriStandIn.Phase.RECORDING, Duration.ofSeconds(30));
            flow.sidecar.awaitLastSession(room, "recording", Duration.ofSeconds(20));
            Thread.sleep(4000); // the operator's waiting, which the cut would remove: it needs ≥ margin + a keyframe
            XmppClients.Participant client = guest.join(flow.room(room), "citizen", "Петро");
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5))
                    .until(() -> flow.sidecar.sessions(room).get(0).get("client_joined_ms") != null);
            Thread.sleep(2000); // the conversation
            client.leave();
            me.leave();
        }
        Map<String, Object> s = flow.sidecar.awaitLastSession(room, "ok", Duration.ofSeconds(60));
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20))
                .until(() -> flow.sidecar.sessions(room).get(0).get("prewarm_note") != null);
        return flow.sidecar.sessions(room).get(0);
    }

    private static void assertTheUntrimmedOriginalIsKept(Map<String, Object> s, String why) throws Exception {
        String note = (String) s.get("prewarm_note");
        assertTrue(note.startsWith("not cut: ") && note.contains(why) && note.endsWith("the untrimmed recording is kept"), note);
        List<Map<String, Object>> media = flow.sidecar.db().withHandle(h -> h.createQuery(
                "SELECT * FROM files WHERE session_id = :s AND kind = 'media' ORDER BY id").bind("s", s.get("id")).mapToMap().list());
        assertEquals(1, media.size(), "no cut file row: " + media);
        Map<String, Object> original = media.get(0);
        assertNull(original.get("trimmed_from"));
        assertNull(original.get("deleting_ms"), "no deletion intent");
        assertNull(original.get("deleted_ms"));
        Path stored = flow.sidecar.archiveDir().resolve((String) original.get("path"));
        assertEquals(original.get("sha256"), Media.sha256(stored), "the original, unchanged");
        try (Stream<Path> beside = Files.list(stored.getParent())) {
            List<String> names = beside.map(p -> p.getFileName().toString()).toList();
            assertTrue(names.stream().noneMatch(n -> n.contains(".cut.")), "no cut left beside it: " + names);
        }
        assertEquals(0L, flow.sidecar.number("SELECT count(*) FROM audit WHERE session_id = ? "
                + "AND (action = 'prewarm_cut' OR action LIKE '%delet%')", s.get("id")), "no cut and no deletion on the record");
        assertEquals(0L, flow.sidecar.number("SELECT count(*) FROM audit WHERE action LIKE '%delet%'"));
    }

    @Test
    void anFfmpegThatFailsLeavesTheUntrimmedRecordingAndSaysWhy() throws Exception {
        Files.writeString(tools.resolve("mode"), "fail");
        Map<String, Object> s = prewarmedCall("desk-fail");
        assertTheUntrimmedOriginalIsKept(s, "failed (exit 1): Conversion failed! (stand-in)");
    }

    @Test
    void aCutFfprobeCannotReadIsDiscardedAndTheUntrimmedRecordingKept() throws Exception {
        Files.writeString(tools.resolve("mode"), "garbage");
        Map<String, Object> s = prewarmedCall("desk-garbage");
        assertTheUntrimmedOriginalIsKept(s, "ffprobe cannot read the cut");
    }
}
