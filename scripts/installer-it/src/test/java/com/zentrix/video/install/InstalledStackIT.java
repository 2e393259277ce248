package com.zentrix.video.install;

import static com.zentrix.video.install.testing.JitsiHost.DOMAIN;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.zentrix.video.install.testing.Daemon;
import com.zentrix.video.install.testing.Https;
import com.zentrix.video.install.testing.Https.Response;
import com.zentrix.video.install.testing.Installer;
import com.zentrix.video.install.testing.JitsiHost;
import com.zentrix.video.testing.ProsodyServer;
import com.zentrix.video.testing.XmppClients;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What install.sh wrote, running: the real Debian Prosody on the generated Prosody config, the
 * installed sidecar jar on the generated zentrix.conf, and the real nginx on the generated site, all
 * on private ports (the harness scripts in src/test/sh rewrite ports, paths into the fixture, and TLS
 * for Prosody; see there). Requests go through nginx over HTTPS with the host's certificate.
 * Recordings are handed to the sidecar as Jibri's finalize hook does, and come back through nginx's
 * internal media location (X-Accel-Redirect).
 */
class InstalledStackIT {
    private static final String ARCHIVE = "/var/lib/zentrix-video/archive";
    private static final String MEDIA_PREFIX = "/zentrix-media/";
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    static Path temp;

    static JitsiHost host;
    static ProsodyServer prosody;
    static Daemon sidecar;
    static Daemon nginx;
    static Https https;
    static int sidecarPort;
    static int c2sPort;
    static String token;
    static Path sidecarConfig;
    /** How long nginx may keep the sidecar's "yes" to a recording (zentrix.media.grant-cache): short, to see it end. */
    static final int GRANT_CACHE_SECONDS = 3;

    @BeforeAll
    static void installAndStartEverything() throws Exception {
        host = JitsiHost.create(Files.createDirectories(temp.resolve("root")));
        Path work = Files.createDirectories(temp.resolve("work"));
        sidecarPort = Daemon.freePort();
        c2sPort = Daemon.freePort();
        int httpsPort = Daemon.freePort();
        Installer installer = new Installer(host, work)
                .env("ZX_C2S_PORT", Integer.toString(c2sPort))
                .env("ZX_PROSODY_HTTP_PORT", Integer.toString(Daemon.freePort()))  // BOSH, as on a Jitsi host
                .env("ZX_SIDECAR_PORT", Integer.toString(sidecarPort))
                .env("ZX_HTTP_PORT", Integer.toString(Daemon.freePort()))
                .env("ZX_HTTPS_PORT", Integer.toString(httpsPort));
        installer.install().expectSuccess();

        // Prosody: the generated config, as the harness rewrites it for this machine
        Path prosodyConfig = Path.of(harness(installer, "prosodyctl-in-root.sh", "--prepare").strip());
        prosody = ProsodyServer.builder().directory(work.resolve("prosody")).domain(DOMAIN).c2sPort(c2sPort)
                .configFile(prosodyConfig).start();

        // the installed jar on the generated zentrix.conf; only port and folders point elsewhere
        sidecarConfig = work.resolve("sidecar.conf");
        Files.writeString(sidecarConfig, String.join("\n",
                "include file(\"" + host.path("/etc/zentrix-video/zentrix.conf") + "\")",
                "zentrix.http.port = " + sidecarPort,
                "zentrix.database.path = \"" + host.path("/var/lib/zentrix-video/zentrix.db") + "\"",
                "zentrix.archive.dir = \"" + host.path(ARCHIVE) + "\"",
                "zentrix.jibri.recordings-dir = \"" + host.path("/srv/recordings") + "\"",
                "zentrix.media.grant-cache = " + GRANT_CACHE_SECONDS + " s", ""));
        sidecar = Daemon.start("sidecar", new ProcessBuilder("java", "-jar",
                        host.path("/usr/share/zentrix-video/zentrix-video.jar").toString(),
                        "serve", "--config", sidecarConfig.toString()).directory(work.toFile()),
                work.resolve("sidecar.log")).awaitPort(sidecarPort, Duration.ofSeconds(60));

        ProcessBuilder nginxCommand = new ProcessBuilder(Installer.harness("nginx-in-root.sh").toString(),
                "-g", "daemon off;");
        nginxCommand.environment().putAll(installer.environment());
        nginx = Daemon.start("nginx", nginxCommand, work.resolve("nginx.out")).awaitPort(httpsPort, Duration.ofSeconds(20));
        https = new Https(DOMAIN, httpsPort, host.certificate());
        token = Files.readString(host.path("/var/lib/zentrix-video/admin-token")).strip();
    }

    @AfterAll
    static void stopEverything() {
        for (AutoCloseable server : new AutoCloseable[] {nginx, sidecar, prosody}) {
            try {
                if (server != null) server.close();
            } catch (Exception e) {
                System.err.println("could not stop " + server + ": " + e);
            }
        }
    }

    @Test
    void prosodyLoadsTheModuleFromTheGeneratedConfigWithoutErrors() {
        String expected = "conference." + DOMAIN + ":zentrix_events\tinfo\tForwarding room events to http://127.0.0.1:"
                + sidecarPort + "/recordings/api/v1/events (hidden domains: recorder." + DOMAIN;
        assertTrue(prosody.log().contains(expected), prosody.log());
        assertEquals(List.of(), prosody.logLines("error"));
    }

    @Test
    void roomEventsReachTheSidecarSignedWithTheInstalledSecret() throws Exception {
        // Jicofo's account creates conferences in Jitsi (the component's admins); so does ours
        prosody.register("focus", "auth." + DOMAIN, "focus-password");
        XmppClients clients = new XmppClients("127.0.0.1", c2sPort, DOMAIN);
        try (XmppClients.Client focus = clients.user("focus", "auth." + DOMAIN, "focus-password");
             XmppClients.Participant in = focus.join("reception1@conference." + DOMAIN, "focus", null)) {
            Awaitility.await("room-created delivered").atMost(Duration.ofSeconds(20)).until(() -> prosody.log().lines()
                    // alone ("Delivered event … (202)") or in a batch with the join ("Delivered batch of 2 events (…) (202) …")
                    .anyMatch(l -> l.contains("Delivered ") && l.contains("type=room-created")
                            && l.contains("room=reception1@conference." + DOMAIN) && l.contains("(202)")));
        }
        assertEquals(List.of(), prosody.logLines("error"), "no event was refused");
    }

    @Test
    void nginxServesTheArchiveUiAndApiFromTheSidecarUnderRecordings() throws IOException {
        Response ui = https.get("/recordings/");
        assertEquals(200, ui.status(), ui.body());
        assertEquals(new String(readIndexHtml(), StandardCharsets.UTF_8), ui.body(), "the sidecar's web/index.html");
        assertEquals(200, https.get("/recordings/js/app.js").status(), "not taken by Jitsi's static-file regex");

        Response health = https.get("/recordings/api/v1/health");
        assertEquals(200, health.status(), health.body());
        assertEquals("ok", new ObjectMapper().readTree(health.body()).path("status").asText());

        Response bare = https.get("/recordings");
        assertEquals(301, bare.status());
        assertEquals("https://" + DOMAIN + ":" + https.port() + "/recordings/", bare.redirectUrl());

        assertEquals(401, https.get("/recordings/api/v1/sessions").status());
        Response sessions = https.get("/recordings/api/v1/sessions", "Authorization: Bearer " + token);
        assertEquals(200, sessions.status(), sessions.body());
        JsonNode body = new ObjectMapper().readTree(sessions.body());
        assertTrue(body.isObject() || body.isArray(), sessions.body());
    }

    @Test
    void jitsiMeetItselfIsStillServed() {
        Response room = https.get("/reception1");
        assertEquals(200, room.status());
        assertTrue(room.body().contains("Jitsi Meet"), room.body());
    }

    @Test
    void theMediaLocationIsInternalSoARequestFromOutsideGets404() {
        host.write(ARCHIVE + "/2026/11/24/42-s1/reception1.mp4", "media bytes");
        Response media = https.get("/zentrix-media/2026/11/24/42-s1/reception1.mp4");
        assertEquals(404, media.status());
        assertTrue(!media.body().contains("media bytes"));
    }

    @Test
    void aRangeRequestForARecordingIsServedByNginxThroughXAccelRedirect() throws Exception {
        Recording rec = archivedRecording("zv-xaccel-range", "reception2", "reception2_2026-11-24-10-00-00.mp4");
        byte[] file = rec.bytes();
        String media = "/recordings/api/v1/sessions/" + rec.session() + "/media";
        String bearer = "Authorization: Bearer " + token;

        // the sidecar itself only authorises: it names the file for nginx and sends no bytes
        HttpResponse<byte[]> direct = sidecar(media, bearer, "Range: bytes=100-1099");
        assertEquals(200, direct.statusCode());
        assertEquals(List.of(MEDIA_PREFIX + rec.path()), direct.headers().allValues("X-Accel-Redirect"));
        assertEquals(0, direct.body().length, "no body from the sidecar");
        assertEquals("video/mp4", direct.headers().firstValue("Content-Type").orElse(""));
        // and asked by nginx's auth_request (the grant header), it names the file and how long nginx may keep the "yes"
        HttpResponse<byte[]> grant = sidecar(media, bearer, "X-Zentrix-Media-Grant: 1", "Range: bytes=100-1099");
        assertEquals(200, grant.statusCode());
        assertEquals(Optional.of(rec.path()), grant.headers().firstValue("X-Zentrix-Media-File"));
        assertEquals(Optional.of(Integer.toString(GRANT_CACHE_SECONDS)), grant.headers().firstValue("X-Accel-Expires"),
                "zentrix.media.grant-cache");
        assertTrue(grant.headers().firstValue("X-Accel-Redirect").isEmpty());
        assertEquals(0, grant.body().length);

        // as a browser asks: compression must not get in the way of ranges (Jitsi's site gzips much)
        Response range = https.get(media, bearer, "Range: bytes=100-1099", "Accept-Encoding: gzip, deflate, br");
        assertEquals(206, range.status(), range.body());
        assertEquals("bytes 100-1099/" + file.length, range.header("Content-Range").orElse(""));
        assertArrayEquals(Arrays.copyOfRange(file, 100, 1100), range.bytes());
        assertMediaHeaders(range);

        Response full = https.get(media, bearer, "Accept-Encoding: gzip, deflate, br");
        assertEquals(200, full.status(), full.body());
        assertArrayEquals(file, full.bytes());
        assertEquals(Optional.of(Integer.toString(file.length)), full.header("Content-Length"));
        assertEquals(Optional.of("bytes"), full.header("Accept-Ranges"), "the player may seek");
        assertMediaHeaders(full);

        Response tail = https.get(media, bearer, "Range: bytes=-300");
        assertEquals(206, tail.status());
        assertArrayEquals(Arrays.copyOfRange(file, file.length - 300, file.length), tail.bytes());
        assertEquals(416, https.get(media, bearer, "Range: bytes=" + file.length + "-").status());

        Response download = https.get(media + "?download=1", bearer);
        assertArrayEquals(file, download.bytes());
        assertEquals(Optional.of("attachment; filename=\"session-" + rec.session() + ".mp4\""),
                download.header("Content-Disposition"), "the sidecar's download name survives the redirect");

        for (String[] headers : List.of(new String[] {"Range: bytes=100-1099"}, new String[0],
                new String[] {"Authorization: Bearer wrong-token", "Range: bytes=100-1099"})) {
            Response refused = https.get(media, headers);
            assertEquals(401, refused.status(), List.of(headers).toString());
            assertTrue(refused.header("Content-Range").isEmpty());
            assertTrue(refused.bytes().length < 200 && refused.body().contains("\"error\""), refused.body());
        }

        Response inside = https.get(MEDIA_PREFIX + rec.path(), "Range: bytes=100-1099");
        assertEquals(404, inside.status(), "the media location is internal");
        assertTrue(inside.bytes().length < 1000, "nginx's 404 page, not the recording");
    }

    @Test
    void seekingReusesTheSidecarsAnswerButSensitiveRecordingsAreDecidedEachTime() throws Exception {
        Recording rec = archivedRecording("zv-grant-cache", "reception3", "reception3_2026-11-24-10-00-00.mp4");
        String media = "/recordings/api/v1/sessions/" + rec.session() + "/media";
        String[] login = login("grant-supervisor", "supervisor");
        // a browser's player: the start, then seeks; the sidecar decides (and audits "play") once, nginx sends every range
        for (int i = 0; i < 4; i++) {
            Response r = https.get(media, login[0], "Range: bytes=" + (i * 100) + "-");
            assertEquals(206, r.status(), r.body());
            assertArrayEquals(Arrays.copyOfRange(rec.bytes(), i * 100, rec.bytes().length), r.bytes());
        }
        assertEquals(1, plays(rec.session()), "one decision, kept by nginx for zentrix.media.grant-cache");
        assertEquals(401, https.get(media, "Range: bytes=100-").status(), "kept for that login only");

        Response flagged = https.request("PUT", "/recordings/api/v1/sessions/" + rec.session() + "/flags",
                "{\"sensitive\":true}", login[0], login[1], "Content-Type: application/json");
        assertEquals(200, flagged.status(), flagged.body());
        String[] other = login("grant-supervisor-2", "supervisor");
        Response noReason = https.get(media, other[0], "Range: bytes=0-");
        assertEquals(403, noReason.status(), "the reason is asked through nginx as well");
        assertTrue(noReason.body().contains("reason_required"), noReason.body());
        // The UI's way: the reason in a POST body, then the player's requests carry none.
        Response given = https.request("POST", "/recordings/api/v1/sessions/" + rec.session() + "/access",
                "{\"reason\":\"complaint review\"}", other[0], other[1], "Content-Type: application/json");
        assertEquals(204, given.status(), given.body());
        for (int i = 0; i < 3; i++) {
            Response r = https.get(media, other[0], "Range: bytes=0-");
            assertEquals(206, r.status(), r.body());
        }
        assertEquals(4, plays(rec.session()), "a sensitive recording: decided and audited every time");
        // the first login gave no reason: its "yes" from before the flag lasts at most zentrix.media.grant-cache (docs/install.md)
        Awaitility.await("the kept answer expires").atMost(Duration.ofSeconds(GRANT_CACHE_SECONDS + 3))
                .pollInterval(Duration.ofMillis(250)).until(() -> https.get(media, login[0], "Range: bytes=0-").status() == 403);
    }

    /** A personal account made with the installed CLI, logged in through nginx: {Cookie header, CSRF header}. */
    private static String[] login(String username, String role) throws Exception {
        Process add = new ProcessBuilder("java", "-jar", host.path("/usr/share/zentrix-video/zentrix-video.jar").toString(),
                "user", "add", username, "--role", role, "--password-stdin", "--config", sidecarConfig.toString())
                .redirectErrorStream(true).start();
        add.getOutputStream().write("grant-cache-password\n".getBytes(StandardCharsets.UTF_8));
        add.getOutputStream().close();
        String out = new String(add.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(add.waitFor(60, TimeUnit.SECONDS) && add.exitValue() == 0, out);
        Response in = https.post("/recordings/api/v1/auth/login", "{\"username\":\"" + username + "\",\"password\":\"grant-cache-password\"}",
                "Content-Type: application/json");
        assertEquals(200, in.status(), in.body());
        String setCookie = in.header("Set-Cookie").orElseThrow();
        assertTrue(setCookie.matches("(?i).*;\\s*Secure(;.*|$)") && setCookie.matches("(?i).*;\\s*Path=/recordings/?(;.*|$)"),
                "installed defaults: the login cookie is Secure and scoped to the base path: " + setCookie);
        String cookie = setCookie.split(";", 2)[0];
        String csrf = new ObjectMapper().readTree(in.body()).path("csrf").asText();
        return new String[] {"Cookie: " + cookie, "X-CSRF-Token: " + csrf};
    }

    /** How many times the audit log says this session's recording was played. */
    private static int plays(long session) throws IOException {
        JsonNode items = new ObjectMapper().readTree(https.get("/recordings/api/v1/audit?action=play&session=" + session,
                        "Authorization: Bearer " + token).body())
                .path("items");
        return items.size();
    }

    @Test
    void recordingsOfRoomsWithAnyNameAreServed() throws Exception {
        // Jibri names the file after the room: spaces, percent signs, question marks, any script
        String name = "зустріч 100% #1?_2026-11-24-10-00-00.mp4";
        Recording rec = archivedRecording("zv-xaccel-names", "zustrich", name);
        assertTrue(rec.path().endsWith("/" + name), rec.path());
        String media = "/recordings/api/v1/sessions/" + rec.session() + "/media";

        Response full = https.get(media, "Authorization: Bearer " + token);
        assertEquals(200, full.status(), full.body());
        assertArrayEquals(rec.bytes(), full.bytes());
        Response range = https.get(media, "Authorization: Bearer " + token, "Range: bytes=10-19");
        assertEquals(206, range.status(), range.body());
        assertArrayEquals(Arrays.copyOfRange(rec.bytes(), 10, 20), range.bytes());
    }

    @Test
    void jibriWebhooksAreNotRelayedFromOutside() {
        // the sidecar trusts loopback for Jibri's unsigned webhooks; through nginx everything is loopback
        Response webhook = https.post("/recordings/api/v1/jibri/v1/status",
                "{\"jibriId\":\"j1\",\"status\":{\"busyStatus\":\"IDLE\",\"health\":{\"healthStatus\":\"HEALTHY\"}}}",
                "Content-Type: application/json");
        assertEquals(403, webhook.status());
    }

    private static void assertMediaHeaders(Response r) {
        assertEquals(Optional.of("video/mp4"), r.header("Content-Type"), "the sidecar's type, not nginx's guess");
        assertEquals(Optional.of("private, no-store"), r.header("Cache-Control"));
        assertTrue(r.header("X-Accel-Redirect").isEmpty(), "not shown to the browser");
        assertTrue(r.header("Content-Encoding").isEmpty(), "sent as stored");
        assertTrue(r.header("ETag").isPresent() && r.header("Last-Modified").isPresent(), "nginx's, from the file");
    }

    /** A recording in the sidecar's archive and the session it belongs to, put there by a finalize hand-over. */
    record Recording(long session, String path, byte[] bytes) {}

    /**
     * Hands a Jibri session folder (an MP4 made by ffmpeg and Jibri's metadata.json) to the sidecar
     * the way the finalize hook does, signed with the secret the installer gave the hook; the sidecar
     * finds no session for it, keeps it as an orphan session of the room, and moves it into the archive.
     */
    private static Recording archivedRecording(String folder, String room, String fileName) throws Exception {
        Path dir = Files.createDirectories(host.path("/srv/recordings").resolve(folder));
        Path mp4 = temp.resolve(folder + ".mp4");
        Process ffmpeg = new ProcessBuilder("ffmpeg", "-nostdin", "-loglevel", "error", "-y",
                "-f", "lavfi", "-i", "testsrc=size=160x120:rate=10", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
                "-t", "2", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest",
                mp4.toString()).redirectErrorStream(true).start();
        String ffmpegOut = new String(ffmpeg.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(ffmpeg.waitFor(60, TimeUnit.SECONDS) && ffmpeg.exitValue() == 0, "ffmpeg: " + ffmpegOut);
        byte[] bytes = Files.readAllBytes(mp4);
        Files.move(mp4, dir.resolve(fileName));
        Files.writeString(dir.resolve("metadata.json"), "{\"meeting_url\":\"https://" + DOMAIN + "/" + room + "\"}");

        String body = "{\"directory\":\"" + dir + "\"}";
        String timestamp = Long.toString(System.currentTimeMillis() / 1000);
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(installedFinalizeSecret().getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        String signature = HexFormat.of().formatHex(mac.doFinal((timestamp + "." + body).getBytes(StandardCharsets.UTF_8)));
        HttpResponse<String> handedOver = HTTP.send(HttpRequest.newBuilder(sidecarUri("/recordings/api/v1/finalize"))
                .header("Content-Type", "application/json").header("X-Zentrix-Timestamp", timestamp)
                .header("X-Zentrix-Signature", "sha256=" + signature)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(202, handedOver.statusCode(), handedOver.body());

        ObjectMapper json = new ObjectMapper();
        String bearer = "Authorization: Bearer " + token;
        long[] session = {0};
        Awaitility.await("session of " + folder + " ok").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    for (JsonNode s : json.readTree(https.get("/recordings/api/v1/sessions?room=" + room, bearer).body()).path("items")) {
                        if ("ok".equals(s.path("status").asText())) session[0] = s.path("id").asLong();
                    }
                    return session[0] != 0;
                });
        String path = null;
        for (JsonNode f : json.readTree(https.get("/recordings/api/v1/sessions/" + session[0], bearer).body()).path("files")) {
            if ("media".equals(f.path("kind").asText())) path = f.path("path").asText();
        }
        assertTrue(path != null, "the session lists its recording");
        assertArrayEquals(bytes, Files.readAllBytes(host.path(ARCHIVE).resolve(path)), "the archived file is the recording");
        assertTrue(!Files.exists(dir), "ingest emptied Jibri's folder");
        return new Recording(session[0], path, bytes);
    }

    /** The secret the installed finalize hook signs with: finalize.env names the file that holds it. */
    private static String installedFinalizeSecret() {
        String env = host.read("/etc/zentrix-video/finalize.env");
        String file = env.lines().filter(l -> l.startsWith("ZENTRIX_FINALIZE_SECRET_FILE=")).findFirst()
                .orElseThrow(() -> new AssertionError("finalize.env names no secret file:\n" + env))
                .substring("ZENTRIX_FINALIZE_SECRET_FILE=".length());
        return host.read(file).strip();
    }

    private static URI sidecarUri(String path) {
        return URI.create("http://127.0.0.1:" + sidecarPort + path);
    }

    /** A GET straight to the sidecar's port, past nginx. */
    private static HttpResponse<byte[]> sidecar(String path, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(sidecarUri(path)).GET();
        for (String h : headers) {
            int colon = h.indexOf(':');
            request.header(h.substring(0, colon).strip(), h.substring(colon + 1).strip());
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static byte[] readIndexHtml() throws IOException {
        return Files.readAllBytes(Installer.repoFile("web/index.html"));
    }

    private static String harness(Installer installer, String script, String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of(Installer.harness(script).toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().putAll(installer.environment());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) throw new AssertionError(script + " failed: " + out);
        return out;
    }
}
