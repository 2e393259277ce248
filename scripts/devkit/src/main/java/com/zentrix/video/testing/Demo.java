package com.zentrix.video.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;

/**
 * The demo: the real sidecar jar, a real Prosody with our module, a Jibri stand-in running the real
 * finalize hook, and a scripted call (operator joins, client joins, talks, leaves). Prints where to
 * see the recorded session, then keeps everything running until Ctrl-C (or exits with --exit).
 *
 * <pre>Demo --jar sidecar/target/zentrix-video.jar --dir run/demo [--port 8095] [--talk-seconds 10] [--exit]</pre>
 */
public final class Demo {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Demo() {}

    public static void main(String[] args) throws Exception {
        Path jar = Path.of("sidecar/target/zentrix-video.jar");
        Path dir = Path.of("run/demo");
        int port = 8095;
        int talk = 10;
        boolean exit = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--jar" -> jar = Path.of(args[++i]);
                case "--dir" -> dir = Path.of(args[++i]);
                case "--port" -> port = Integer.parseInt(args[++i]);
                case "--talk-seconds" -> talk = Integer.parseInt(args[++i]);
                case "--exit" -> exit = true;
                default -> {
                    System.err.println("Demo: unknown option " + args[i]);
                    System.exit(64);
                }
            }
        }
        if (port == 0) port = freePort();
        dir = dir.toAbsolutePath();
        Files.createDirectories(dir);
        Path recordings = Files.createDirectories(dir.resolve("jibri-recordings"));
        String prosodySecret = secret(dir, "prosody.secret");
        String finalizeSecret = secret(dir, "finalize.secret");
        String adminToken = secret(dir, "admin.token");
        String sidecarUrl = "http://127.0.0.1:" + port;
        Path finalizeScript = ProsodyServer.findModuleDir().getParent().resolve("jibri-finalize/zentrix-finalize.sh");

        step("Jibri stand-in (records a test pattern with ffmpeg, runs " + finalizeScript.getFileName() + ")");
        JibriStandIn jibri = JibriStandIn.builder().port(0).recordingsDir(recordings).finalizeScript(finalizeScript)
                .finalizeEnvironment("ZENTRIX_FINALIZE_ENV", "/nonexistent")
                .finalizeEnvironment("ZENTRIX_SIDECAR_URL", sidecarUrl)
                .finalizeEnvironment("ZENTRIX_FINALIZE_SECRET", finalizeSecret)
                .finalizeEnvironment("ZENTRIX_FINALIZE_MODE", "local")
                .webhookSubscriber(sidecarUrl + "/api/v1/jibri").jibriId("demo-jibri").start();

        step("sidecar " + jar + " on " + sidecarUrl);
        Path conf = dir.resolve("zentrix.conf");
        Files.writeString(conf, String.join("\n",
                "zentrix.http.port = " + port,
                "zentrix.database.path = \"" + dir.resolve("zentrix.db") + "\"",
                "zentrix.archive.dir = \"" + dir.resolve("archive") + "\"",
                "zentrix.jibri.recordings-dir = \"" + recordings + "\"",
                "zentrix.jibri.base-urls = [\"" + jibri.baseUrl() + "\"]",
                "zentrix.jibri.call-login.domain = \"recorder.meet.zentrix.local\"",
                "zentrix.occupants.ignored-domains = [\"recorder.meet.zentrix.local\"]",
                "zentrix.jitsi.base-url = \"https://meet.zentrix.local\"",
                "zentrix.prosody.secret = \"" + prosodySecret + "\"",
                "zentrix.finalize.secret = \"" + finalizeSecret + "\"",
                "zentrix.security.admin-token = \"" + adminToken + "\"",
                "zentrix.recording.grace-period = 3 s",
                "# plain http on localhost: the login cookie cannot be Secure here",
                "zentrix.auth.cookie-secure = false", ""));
        step("demo accounts (zentrix-video user add)");
        String[][] accounts = {
            {"admin", "admin", "Адміністратор", null},
            {"supervisor", "supervisor", "Супервізор Софія", null},
            {"operator", "operator", "Оператор Олена", "operator@meet.zentrix.local"}};
        for (String[] a : accounts) {
            List<String> cmd = new java.util.ArrayList<>(List.of("java", "-jar", jar.toAbsolutePath().toString(), "user", "add", a[0],
                    "--role", a[1], "--name", a[2], "--password-stdin", "--config", conf.toString()));
            if (a[3] != null) cmd.addAll(List.of("--jid", a[3]));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.getOutputStream().write((a[0] + "-demo\n").getBytes());
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes()).strip();
            p.waitFor();
            System.out.println("    " + (out.contains("already exists") ? a[0] + " exists" : out));
        }
        Process sidecar = new ProcessBuilder("java", "-jar", jar.toAbsolutePath().toString(), "serve", "--config", conf.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("sidecar.log").toFile()).start();
        HttpClient http = HttpClient.newHttpClient();
        waitFor(() -> get(http, sidecarUrl + "/api/v1/health", null) == 200, Duration.ofSeconds(30), "the sidecar", dir.resolve("sidecar.log"));

        step("Prosody with mod_zentrix_events");
        ProsodyServer prosody = ProsodyServer.builder().directory(dir.resolve("prosody"))
                .eventsUrl(sidecarUrl + "/api/v1/events").eventsSecret(prosodySecret).recorderHost(true).start();
        prosody.register("operator", "operator-pass");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            prosody.close();
            jibri.close();
            sidecar.destroy();
        }, "demo-stop"));

        XmppClients xmpp = new XmppClients(prosody);
        String room = xmpp.roomJid("reception-1545");
        step("scripted call in " + room + ": the operator joins (nothing is recorded yet)");
        try (XmppClients.Client op = xmpp.user("operator", "operator-pass")) {
            op.join(room, "operator", "Оператор Олена");
            Thread.sleep(2000);
            step("a client joins: recording starts");
            try (XmppClients.Client guest = xmpp.guest()) {
                XmppClients.Participant client = guest.join(room, "client", "Клієнт Петро");
                Thread.sleep(talk * 1000L);
                step("the client leaves: recording stops after the grace period");
                client.leave();
            }
            Thread.sleep(4000);
        }

        String listUrl = sidecarUrl + "/api/v1/sessions";
        waitFor(() -> {
            JsonNode items = JSON.readTree(body(http, listUrl, adminToken)).path("items");
            return items.size() > 0 && List.of("ok", "technical_error").contains(items.get(0).path("status").asText());
        }, Duration.ofSeconds(60), "the recorded session", dir.resolve("sidecar.log"));
        JsonNode s = JSON.readTree(body(http, listUrl, adminToken)).path("items").get(0);
        System.out.println();
        System.out.printf("Recorded session %d in room %s: status %s, %d s, coverage %s%n", s.path("id").asLong(),
                s.path("room_name").asText(), s.path("status").asText(), s.path("duration_ms").asLong() / 1000,
                s.path("coverage").isNull() ? "n/a" : Math.round(s.path("coverage").asDouble() * 100) + "%");
        System.out.println("  Archive UI:     " + sidecarUrl + "/");
        System.out.println("                  log in as operator / operator-demo (the operator of this call), supervisor / supervisor-demo,");
        System.out.println("                  admin / admin-demo");
        System.out.println("  Sessions (API): curl -H 'Authorization: Bearer " + adminToken + "' " + listUrl);
        System.out.println("  API reference:  curl -H 'Authorization: Bearer " + adminToken + "' " + sidecarUrl + "/api/v1/openapi.json");
        System.out.println("  Archive:        " + dir.resolve("archive"));
        System.out.println("  Logs:           " + dir.resolve("sidecar.log"));
        System.out.flush();
        if (!"ok".equals(s.path("status").asText())) {
            System.err.println("Demo: the session did not end ok: " + s.path("reason").asText());
            System.exit(1);
        }
        String problem = checkUi(sidecarUrl, s.path("id").asLong());
        if (problem != null) {
            System.err.println("Demo: " + problem);
            System.exit(1);
        }
        if (exit) System.exit(0);
        System.out.println("Running; Ctrl-C stops the demo.");
        sidecar.waitFor();
    }

    /** What the printed lines promise: the UI's login page answers, and the demo operator sees the session. */
    private static String checkUi(String sidecarUrl, long sessionId) throws Exception {
        HttpClient browser = HttpClient.newBuilder().cookieHandler(new java.net.CookieManager()).build();
        HttpResponse<String> page = browser.send(HttpRequest.newBuilder(URI.create(sidecarUrl + "/")).build(),
                HttpResponse.BodyHandlers.ofString());
        if (page.statusCode() != 200 || !page.body().contains("js/app.js")) return "the archive UI did not answer at " + sidecarUrl + "/";
        String form = JSON.createObjectNode().put("username", "operator").put("password", "operator-demo").put("method", "local").toString();
        HttpResponse<String> login = browser.send(HttpRequest.newBuilder(URI.create(sidecarUrl + "/api/v1/auth/login"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(form)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (login.statusCode() != 200) return "the demo operator cannot log in: " + login.statusCode() + " " + login.body();
        HttpResponse<String> list = browser.send(HttpRequest.newBuilder(URI.create(sidecarUrl + "/api/v1/sessions")).build(),
                HttpResponse.BodyHandlers.ofString());
        for (JsonNode item : JSON.readTree(list.body()).path("items")) {
            if (item.path("id").asLong() == sessionId) return null;
        }
        return "the demo operator does not see session " + sessionId + " in the archive: " + list.body();
    }

    private interface Check {
        boolean ok() throws Exception;
    }

    private static void waitFor(Check check, Duration timeout, String what, Path log) throws Exception {
        Instant end = Instant.now().plus(timeout);
        while (Instant.now().isBefore(end)) {
            try {
                if (check.ok()) return;
            } catch (IOException e) {
                // not up yet
            }
            Thread.sleep(200);
        }
        System.err.println("Demo: gave up waiting for " + what + "; see " + log);
        System.exit(1);
    }

    private static int get(HttpClient http, String url, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url));
        if (token != null) b.header("Authorization", "Bearer " + token);
        return http.send(b.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static String body(HttpClient http, String url, String token) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + token).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    /** A random secret kept in the demo folder, so a second run reuses it. */
    private static String secret(Path dir, String name) throws IOException {
        Path f = dir.resolve(name);
        if (Files.exists(f)) return Files.readString(f).strip();
        byte[] b = new byte[18];
        new SecureRandom().nextBytes(b);
        String s = HexFormat.of().formatHex(b);
        Files.writeString(f, s);
        return s;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static void step(String what) {
        System.out.println("==> " + what);
        System.out.flush();
    }
}
