package com.zentrix.video.ingest;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.zentrix.video.testing.Media;
import com.zentrix.video.testing.Sidecar;
import com.zentrix.video.web.Signatures;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The finalize hand-over over real HTTP with real files: local folders, uploads, and hostile paths. */
class FinalizeIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir static Path dir;
    static Sidecar sidecar;

    @BeforeAll
    static void start() {
        sidecar = Sidecar.builder(dir).jibris("http://127.0.0.1:9/jibri/api/v1.0").start();
    }

    @AfterAll
    static void stop() {
        sidecar.close();
    }

    private static HttpResponse<String> finalizeDir(String path) {
        return sidecar.postSigned("/api/v1/finalize", JSON.createObjectNode().put("directory", path).toString(),
                Sidecar.FINALIZE_SECRET);
    }

    private static Map<String, Object> sessionOfFolder(String folder) {
        return sidecar.db().withHandle(h -> h.createQuery("SELECT s.id, s.origin, s.status, s.reason, s.room_name "
                        + "FROM sessions s JOIN handovers ho ON ho.session_id = s.id WHERE ho.dir_name = :d AND ho.state = 'done'")
                .bind("d", folder).mapToMap().findOne().orElse(null));
    }

    @Test
    void pathsOutsideTheRecordingsFolderAreRefused() throws Exception {
        Path outside = Files.createDirectories(dir.resolve("elsewhere/secret"));
        Files.writeString(outside.resolve("passwd.mp4"), "not yours");
        Path link = sidecar.recordingsDir().resolve("sneaky-link");
        Files.createSymbolicLink(link, outside);
        Map<String, Integer> before = sidecar.counts();
        String rec = sidecar.recordingsDir().toString();
        for (String hostile : new String[] {rec + "/../elsewhere/secret", "/etc", "relative/dir", rec,
                rec + "/./x", link.toString(), rec + "/does-not-exist", rec + "/a/b"}) {
            HttpResponse<String> r = finalizeDir(hostile);
            assertEquals(400, r.statusCode(), hostile + " -> " + r.body());
            assertTrue(r.body().contains("bad_path"), r.body());
        }
        assertEquals(before, sidecar.counts());
        assertTrue(Files.exists(outside.resolve("passwd.mp4")), "nothing outside was touched");
    }

    @Test
    void aWrongSecretIsRefused() {
        Map<String, Integer> before = sidecar.counts();
        HttpResponse<String> r = sidecar.postSigned("/api/v1/finalize",
                "{\"directory\":\"" + sidecar.recordingsDir() + "/x\"}", "wrong");
        assertEquals(401, r.statusCode());
        assertEquals(before, sidecar.counts());
    }

    @Test
    void anUnknownRecordingBecomesAnOrphanSessionWithItsFileHashAndDuration() throws Exception {
        Path folder = sidecar.recordingsDir().resolve("stray_folder-1");
        Path mp4 = Media.mp4(folder.resolve("reception 7_2026-11-24-10-00-00.mp4"), 3.0);
        Files.writeString(folder.resolve("metadata.json"), "{\"meeting_url\":\"https://meet.zentrix.test/reception7\",\"participants\":[]}");
        String sha = Media.sha256(mp4);
        long size = Files.size(mp4);

        HttpResponse<String> r = finalizeDir(folder.toString());
        assertEquals(202, r.statusCode(), r.body());
        await().atMost(Duration.ofSeconds(20)).until(() -> sessionOfFolder("stray_folder-1") != null);
        Map<String, Object> s = sessionOfFolder("stray_folder-1");
        assertEquals("orphan", s.get("origin"));
        assertEquals("ok", s.get("status"));
        assertEquals("reception7", s.get("room_name"));

        JsonNode detail = sidecar.getJson("/api/v1/sessions/" + s.get("id"));
        JsonNode media = null;
        for (JsonNode f : detail.get("files")) if (f.get("kind").asText().equals("media")) media = f;
        assertEquals(sha, media.get("sha256").asText());
        assertEquals(size, media.get("size_bytes").asLong());
        assertEquals(3000, media.get("duration_ms").asLong(), 1000);
        Path archived = sidecar.archiveDir().resolve(media.get("path").asText());
        assertEquals(sha, Media.sha256(archived));
        assertFalse(Files.exists(folder), "the emptied Jibri folder is gone; its files live in the archive");

        // The finalize script retries when an answer is lost: the folder is archived by then, and the
        // repeat is the duplicate it is (not an error), changing nothing.
        HttpResponse<String> again = finalizeDir(folder.toString());
        assertEquals(200, again.statusCode(), again.body());
        assertTrue(again.body().contains("\"duplicate\":true"), again.body());
        assertEquals(2, sidecar.number("SELECT count(*) FROM files WHERE session_id = ?", s.get("id")));
        assertEquals(400, finalizeDir(sidecar.recordingsDir().resolve("never-handed-over").toString()).statusCode(),
                "a missing folder nobody handed over is still an error");
    }

    @Test
    void aRepeatedHandOverIsIdempotent() throws Exception {
        Path folder = sidecar.recordingsDir().resolve("twice");
        Media.mp4(folder.resolve("twice_2026-11-24-11-00-00.mp4"), 1.0);
        HttpResponse<String> first = finalizeDir(folder.toString());
        HttpResponse<String> second = finalizeDir(folder.toString()); // before or after the ingest moved the folder
        assertEquals(202, first.statusCode(), first.body());
        assertEquals(200, second.statusCode(), second.body());
        assertTrue(second.body().contains("\"duplicate\":true"), second.body());
        await().atMost(Duration.ofSeconds(20)).until(() -> sessionOfFolder("twice") != null);
        assertEquals(1, sidecar.number("SELECT count(*) FROM handovers WHERE dir_name = 'twice'"));
        assertEquals(1, sidecar.number("SELECT count(*) FROM files f JOIN handovers h ON h.session_id = f.session_id WHERE h.dir_name = 'twice'"));
    }

    @Test
    void aCorruptRecordingIsKeptAndMarkedWithTheReason() throws Exception {
        Path folder = sidecar.recordingsDir().resolve("corrupt");
        Path mp4 = Media.mp4(folder.resolve("corrupt_2026-11-24-12-00-00.mp4"), 2.0);
        byte[] bytes = Files.readAllBytes(mp4);
        Files.write(mp4, java.util.Arrays.copyOf(bytes, 400)); // truncated: no moov atom
        assertEquals(202, finalizeDir(folder.toString()).statusCode());
        await().atMost(Duration.ofSeconds(20)).until(() -> sessionOfFolder("corrupt") != null);
        Map<String, Object> s = sessionOfFolder("corrupt");
        assertEquals("technical_error", s.get("status"));
        assertTrue(((String) s.get("reason")).startsWith("recording unreadable"), (String) s.get("reason"));
        String path = sidecar.db().withHandle(h -> h.createQuery("SELECT path FROM files WHERE session_id = :s AND kind = 'media'")
                .bind("s", s.get("id")).mapTo(String.class).one());
        assertEquals(400, Files.size(sidecar.archiveDir().resolve(path)), "the file is kept as it came");
    }

    private static HttpResponse<String> upload(String folder, String name, byte[] body, String sha, String secret) {
        String ts = Long.toString(System.currentTimeMillis() / 1000);
        String sig = new Signatures(secret, Duration.ofMinutes(5))
                .sign(ts, (folder + "/" + name + "." + sha).getBytes(StandardCharsets.UTF_8));
        return sidecar.send(HttpRequest.newBuilder(URI.create(sidecar.baseUrl() + "/api/v1/finalize/upload/" + folder + "/"
                        + name.replace(" ", "%20")))
                .header("X-Content-SHA256", sha).header(Signatures.TIMESTAMP_HEADER, ts).header(Signatures.SIGNATURE_HEADER, sig)
                .PUT(HttpRequest.BodyPublishers.ofByteArray(body)).build());
    }

    @Test
    void anUploadIsVerifiedBySha256ThenIngested() throws Exception {
        Path src = Media.mp4(dir.resolve("remote-jibri/up1/up1_2026-11-24-13-00-00.mp4"), 2.0);
        byte[] bytes = Files.readAllBytes(src);
        String sha = Media.sha256(src);

        byte[] damaged = bytes.clone();
        damaged[damaged.length / 2] ^= 0x55;
        HttpResponse<String> bad = upload("up1", "up1_2026-11-24-13-00-00.mp4", damaged, sha, Sidecar.FINALIZE_SECRET);
        assertEquals(422, bad.statusCode(), bad.body());
        assertEquals(401, upload("up1", "up1_2026-11-24-13-00-00.mp4", bytes, sha, "wrong").statusCode());
        assertEquals(400, upload("up1", ".hidden", bytes, sha, Sidecar.FINALIZE_SECRET).statusCode());

        String incomplete = "{\"uploaded\":\"up1\",\"files\":[{\"name\":\"up1_2026-11-24-13-00-00.mp4\",\"size\":" + bytes.length + "}]}";
        assertEquals(409, sidecar.postSigned("/api/v1/finalize", incomplete, Sidecar.FINALIZE_SECRET).statusCode(),
                "completion before the file arrived is refused");

        HttpResponse<String> ok = upload("up1", "up1_2026-11-24-13-00-00.mp4", bytes, sha, Sidecar.FINALIZE_SECRET);
        assertEquals(201, ok.statusCode(), ok.body());
        HttpResponse<String> done = sidecar.postSigned("/api/v1/finalize", incomplete, Sidecar.FINALIZE_SECRET);
        assertEquals(202, done.statusCode(), done.body());
        await().atMost(Duration.ofSeconds(20)).until(() -> sessionOfFolder("up1") != null);
        assertEquals("ok", sessionOfFolder("up1").get("status"));
        assertEquals(sha, sidecar.db().withHandle(h -> h.createQuery("SELECT f.sha256 FROM files f JOIN handovers ho "
                + "ON ho.session_id = f.session_id WHERE ho.dir_name = 'up1' AND f.kind = 'media'").mapTo(String.class).one()));
        assertTrue(Files.exists(src), "the uploader's copy is never touched by the sidecar");
    }

    @Test
    void aFolderWithAnUnknownNameJoinsTheRecordingOfItsRoomRunningAtThatTime() throws Exception {
        var store = new com.zentrix.video.recording.SessionStore(sidecar.db());
        long now = System.currentTimeMillis();
        long session = store.openSession("window-9@conference.meet.zentrix.test", "window-9",
                new com.zentrix.video.recording.Participant("w9/op", com.zentrix.video.recording.Participant.Side.STAFF, "op@meet.zentrix.test", null, "Op"),
                new com.zentrix.video.recording.Participant("w9/c", com.zentrix.video.recording.Participant.Side.CLIENT, "c@guest.meet.zentrix.test", null, "Клієнт"), now);
        long rec = store.newRecording(session, "zv-we-gave-this-9", now);
        store.recordingAccepted(rec, "http://jibri.test", now);
        store.recordingOn(rec, now);
        store.endSession(session, "client-left", now + 2000, now + 2000);
        // Jibri named the folder after an id we never learnt (e.g. Jicofo's), and the file after the room.
        String stamp = java.time.LocalDateTime.ofInstant(java.time.Instant.ofEpochMilli(now), sidecar.config().timeZone())
                .format(java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd-HH-mm-ss"));
        Path folder = sidecar.recordingsDir().resolve("jicofo-id-unknown-to-us");
        Media.mp4(folder.resolve("window-9_" + stamp + ".mp4"), 1.0);
        Files.writeString(folder.resolve("metadata.json"), "{\"meeting_url\":\"https://meet.zentrix.test/window-9\",\"participants\":[]}");
        assertEquals(202, finalizeDir(folder.toString()).statusCode());
        await().atMost(Duration.ofSeconds(20)).until(() -> "ok".equals(store.status(session).orElse(null)));
        assertEquals(0, sidecar.number("SELECT count(*) FROM sessions WHERE origin = 'orphan' AND room_name = 'window-9'"), "no orphan");
        assertEquals(1, sidecar.number("SELECT count(*) FROM files WHERE session_id = ? AND recording_id = ? AND kind = 'media'", session, rec));
    }
}
