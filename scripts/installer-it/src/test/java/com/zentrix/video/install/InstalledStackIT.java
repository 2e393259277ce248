package com.zentrix.video.install;

import static com.zentrix.video.install.testing.JitsiHost.DOMAIN;
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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
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
 */
class InstalledStackIT {
    private static final String ARCHIVE = "/var/lib/zentrix-video/archive";

    @TempDir
    static Path temp;

    static JitsiHost host;
    static ProsodyServer prosody;
    static Daemon sidecar;
    static Daemon nginx;
    static Https https;
    static int sidecarPort;
    static int c2sPort;

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
        Path sidecarConfig = work.resolve("sidecar.conf");
        Files.writeString(sidecarConfig, String.join("\n",
                "include file(\"" + host.path("/etc/zentrix-video/zentrix.conf") + "\")",
                "zentrix.http.port = " + sidecarPort,
                "zentrix.database.path = \"" + host.path("/var/lib/zentrix-video/zentrix.db") + "\"",
                "zentrix.archive.dir = \"" + host.path(ARCHIVE) + "\"",
                "zentrix.jibri.recordings-dir = \"" + host.path("/srv/recordings") + "\"", ""));
        sidecar = Daemon.start("sidecar", new ProcessBuilder("java", "-jar",
                        host.path("/usr/share/zentrix-video/zentrix-video.jar").toString(),
                        "serve", "--config", sidecarConfig.toString()).directory(work.toFile()),
                work.resolve("sidecar.log")).awaitPort(sidecarPort, Duration.ofSeconds(60));

        ProcessBuilder nginxCommand = new ProcessBuilder(Installer.harness("nginx-in-root.sh").toString(),
                "-g", "daemon off;");
        nginxCommand.environment().putAll(installer.environment());
        nginx = Daemon.start("nginx", nginxCommand, work.resolve("nginx.out")).awaitPort(httpsPort, Duration.ofSeconds(20));
        https = new Https(DOMAIN, httpsPort, host.certificate());
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
                    .anyMatch(l -> l.contains("Delivered event") && l.contains("type=room-created")
                            && l.contains("room=reception1@conference." + DOMAIN) && l.endsWith("(202)")));
        }
        assertEquals(List.of(), prosody.logLines("error"), "no event was refused");
    }

    @Test
    void nginxServesTheArchiveUiAndApiFromTheSidecarUnderRecordings() throws IOException {
        Response ui = https.get("/recordings/");
        assertEquals(200, ui.status(), ui.body());
        assertEquals(new String(readIndexHtml(), StandardCharsets.UTF_8), ui.body(), "the sidecar's web/index.html");
        assertEquals(200, https.get("/recordings/flow.js").status(), "not taken by Jitsi's static-file regex");

        Response health = https.get("/recordings/api/v1/health");
        assertEquals(200, health.status(), health.body());
        assertEquals("ok", new ObjectMapper().readTree(health.body()).path("status").asText());

        Response bare = https.get("/recordings");
        assertEquals(301, bare.status());
        assertEquals("https://" + DOMAIN + ":" + https.port() + "/recordings/", bare.redirectUrl());

        String token = Files.readString(host.path("/var/lib/zentrix-video/admin-token")).strip();
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
    void jibriWebhooksAreNotRelayedFromOutside() {
        // the sidecar trusts loopback for Jibri's unsigned webhooks; through nginx everything is loopback
        Response webhook = https.post("/recordings/api/v1/jibri/v1/status",
                "{\"jibriId\":\"j1\",\"status\":{\"busyStatus\":\"IDLE\",\"health\":{\"healthStatus\":\"HEALTHY\"}}}",
                "Content-Type: application/json");
        assertEquals(403, webhook.status());
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
