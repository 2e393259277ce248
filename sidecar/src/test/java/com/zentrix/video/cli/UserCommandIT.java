package com.zentrix.video.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zentrix.video.testing.ApiClient;
import com.zentrix.video.testing.Sidecar;
import com.zentrix.video.testing.SidecarProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code zentrix-video user add|list|set-role|set-password|disable|enable} as an admin runs it: the jar
 * as its own process on the running sidecar's database, each change seen through the API at once.
 */
class UserCommandIT {
    @TempDir static Path dir;
    static Sidecar sidecar;
    static Path config;

    record Run(int exit, String output) {}

    @BeforeAll
    static void start() {
        Sidecar.Builder b = Sidecar.builder(dir).jibris("http://127.0.0.1:9/jibri/api/v1.0").set("zentrix.auth.cookie-secure", false);
        config = b.writeConfig(dir.resolve("zentrix.conf"));
        sidecar = b.start();
    }

    @AfterAll
    static void stop() {
        sidecar.close();
    }

    static Run zentrix(String stdin, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("java", "-jar", SidecarProcess.JAR.toString()));
        command.addAll(List.of(args));
        command.addAll(List.of("--config", config.toString()));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        try (var in = p.getOutputStream()) {
            if (stdin != null) in.write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "zentrix-video " + String.join(" ", args) + " did not finish");
        return new Run(p.exitValue(), out);
    }

    static ApiClient login(String user, String password) {
        return new ApiClient(sidecar.baseUrl()).loggedIn(user, password);
    }

    @Test
    void anAdminManagesAccountsFromTheCommandLineAndEveryChangeTakesEffectAtOnce() throws Exception {
        Run add = zentrix("first-password-1\n", "user", "add", "oksana", "--role", "operator", "--jid", "oksana@meet.zentrix.local",
                "--password-stdin");
        assertEquals(0, add.exit(), add.output());
        ApiClient oksana = login("oksana", "first-password-1");
        assertEquals("operator", ApiClient.json(oksana.get("/api/v1/me")).get("role").asText());

        Run list = zentrix(null, "user", "list");
        assertEquals(0, list.exit(), list.output());
        assertTrue(list.output().lines().anyMatch(l -> l.startsWith("oksana") && l.contains("operator") && l.contains("active")),
                list.output());

        assertEquals(0, zentrix(null, "user", "set-role", "oksana", "supervisor").exit());
        assertEquals("supervisor", ApiClient.json(login("oksana", "first-password-1").get("/api/v1/me")).get("role").asText());

        // A new password ends the logins made with the old one.
        Run pw = zentrix("second-password-2\n", "user", "set-password", "oksana", "--password-stdin");
        assertEquals(0, pw.exit(), pw.output());
        assertEquals(401, oksana.get("/api/v1/me").statusCode(), "the old login is over");
        assertEquals(401, new ApiClient(sidecar.baseUrl()).login("oksana", "first-password-1", "local").statusCode());
        ApiClient again = login("oksana", "second-password-2");

        assertEquals(0, zentrix(null, "user", "disable", "oksana").exit());
        assertEquals(401, again.get("/api/v1/me").statusCode(), "disabling ends the login");
        assertEquals(401, new ApiClient(sidecar.baseUrl()).login("oksana", "second-password-2", "local").statusCode());
        assertEquals(0, zentrix(null, "user", "enable", "oksana").exit());
        login("oksana", "second-password-2");

        Run unknown = zentrix(null, "user", "set-role", "nobody", "admin");
        assertTrue(unknown.exit() != 0 && unknown.output().contains("nobody"), unknown.output());
        Run badRole = zentrix(null, "user", "set-role", "oksana", "emperor");
        assertTrue(badRole.exit() != 0, badRole.output());
        assertEquals("supervisor", ApiClient.json(login("oksana", "second-password-2").get("/api/v1/me")).get("role").asText(),
                "a refused command changed nothing");
    }
}
