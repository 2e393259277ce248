package com.zentrix.video.install;

import static com.zentrix.video.install.testing.JitsiHost.DOMAIN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.zentrix.video.install.testing.Installer;
import com.zentrix.video.install.testing.Installer.Result;
import com.zentrix.video.install.testing.JitsiHost;
import com.zentrix.video.install.testing.Tree;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * scripts/install.sh on a fixture laid out like a Jitsi quick-install host with Jibri: what it adds,
 * that a second run changes nothing, that --uninstall gives every file back byte for byte, that a
 * dry run touches nothing, and that a failing nginx -t or prosodyctl check undoes the whole run.
 * Prosody and nginx are checked by the real prosodyctl and nginx (see src/test/sh).
 */
class InstallerIT {
    private static final String PROSODY_CONF = "/etc/prosody/conf.avail/" + DOMAIN + ".cfg.lua";
    private static final String NGINX_SITE = "/etc/nginx/sites-available/" + DOMAIN + ".conf";
    private static final String JIBRI_CONF = "/etc/jitsi/jibri/jibri.conf";
    private static final String DATA = "/var/lib/zentrix-video";

    @TempDir
    Path temp;

    JitsiHost host;
    Installer installer;

    @BeforeEach
    void freshHost() throws IOException {
        host = JitsiHost.create(Files.createDirectories(temp.resolve("root")));
        installer = new Installer(host, Files.createDirectories(temp.resolve("work")));
    }

    @Test
    void installEnablesTheModuleOnTheMucAndAddsEveryPiece() throws Exception {
        installer.install().expectSuccess();

        String prosody = host.read(PROSODY_CONF);
        String conference = section(prosody, "Component \"conference." + DOMAIN + "\" \"muc\"", "\nComponent ");
        assertTrue(conference.contains("modules_enabled = {\n"
                + "        -- BEGIN zentrix-video module: managed by Zentrix Video's scripts/install.sh, removed by --uninstall\n"
                + "        \"zentrix_events\";\n"
                + "        -- END zentrix-video module\n"
                + "        \"muc_meeting_id\";"), conference);
        assertTrue(conference.contains("    zentrix_events_url = \"http://127.0.0.1:8095/recordings/api/v1/events\"\n"
                + "    zentrix_events_secret_file = \"/etc/zentrix-video/prosody-events.secret\"\n"
                + "    zentrix_hidden_domains = { \"recorder." + DOMAIN + "\" }\n"), conference);
        assertEquals(1, count(prosody, "zentrix_events_url"), "only the conference component gets the options");
        assertEquals(-1, Files.mismatch(host.path("/usr/share/jitsi-meet/prosody-plugins/mod_zentrix_events.lua"),
                Installer.repoFile("prosody-module/mod_zentrix_events.lua")));

        String prosodySecret = host.read("/etc/zentrix-video/prosody-events.secret").strip();
        String finalizeSecret = host.read("/etc/zentrix-video/finalize.secret").strip();
        assertTrue(prosodySecret.matches("[0-9a-f]{64}") && finalizeSecret.matches("[0-9a-f]{64}"));
        assertFalse(prosodySecret.equals(finalizeSecret), "each party has its own secret");
        assertEquals("100640", mode("/etc/zentrix-video/prosody-events.secret"));
        assertEquals("100640", mode("/etc/zentrix-video/finalize.secret"));
        assertEquals("100640", mode("/etc/zentrix-video/finalize.env"));
        assertEquals("100640", mode("/etc/zentrix-video/zentrix.conf"));

        Config sidecar = ConfigFactory.parseFile(host.path("/etc/zentrix-video/zentrix.conf").toFile()).resolve();
        assertEquals(prosodySecret, sidecar.getString("zentrix.prosody.secret"));
        assertEquals(finalizeSecret, sidecar.getString("zentrix.finalize.secret"));
        assertEquals("/recordings", sidecar.getString("zentrix.http.base-path"));
        assertEquals("https://" + DOMAIN, sidecar.getString("zentrix.jitsi.base-url"));
        assertEquals("/srv/recordings", sidecar.getString("zentrix.jibri.recordings-dir"), "read from jibri.conf");
        assertEquals("fixtureRecorderPass", sidecar.getString("zentrix.jibri.call-login.password"));
        assertEquals("/var/lib/zentrix-video/archive", sidecar.getString("zentrix.archive.dir"));
        assertTrue(sidecar.getBoolean("zentrix.media.x-accel-redirect"), "nginx sends the recordings");
        assertEquals("/zentrix-media/", sidecar.getString("zentrix.media.x-accel-prefix"));
        assertTrue(host.read("/etc/zentrix-video/finalize.env").contains("ZENTRIX_SIDECAR_URL=http://127.0.0.1:8095/recordings\n"));

        // Jibri reads jibri.conf with Typesafe Config, like this
        Config jibri = ConfigFactory.parseFile(host.path(JIBRI_CONF).toFile()).resolve();
        assertEquals("/usr/share/zentrix-video/zentrix-finalize.sh", jibri.getString("jibri.recording.finalize-script"));
        assertEquals("/srv/recordings", jibri.getString("jibri.recording.recordings-directory"));
        assertEquals(List.of("http://127.0.0.1:8095/recordings/api/v1/jibri"), jibri.getStringList("jibri.webhook.subscribers"));

        String nginx = host.read(NGINX_SITE);
        String tlsServer = nginx.substring(nginx.indexOf("listen 443 ssl"));
        assertTrue(tlsServer.contains("    location ^~ /recordings/ {\n        proxy_pass http://zentrix_video_sidecar;\n"), tlsServer);
        String http = host.read("/etc/nginx/conf.d/zentrix-video.conf");
        assertTrue(http.contains("upstream zentrix_video_sidecar {\n    server 127.0.0.1:8095;\n"), http);
        assertTrue(http.contains("proxy_cache_path /var/lib/zentrix-video/nginx-grants "), "nginx keeps media grants in our data folder");
        assertTrue(tlsServer.contains("        alias " + sidecar.getString("zentrix.archive.dir") + "/$zentrix_media_file;\n"),
                "granted recordings are sent from the sidecar's archive");
        assertTrue(tlsServer.contains("    location ^~ /zentrix-media/ {\n        internal;\n        alias "
                + sidecar.getString("zentrix.archive.dir") + "/;\n"), "the media location serves the sidecar's archive");
        assertFalse(nginx.substring(0, nginx.indexOf("listen 443 ssl")).contains("zentrix"), "the port-80 redirect server is left alone");

        String unit = host.read("/etc/systemd/system/zentrix-video.service");
        for (String line : List.of("User=zentrix", "NoNewPrivileges=yes", "ProtectSystem=strict", "ProtectHome=yes",
                "PrivateTmp=yes", "ReadWritePaths=/var/lib/zentrix-video /srv/recordings",
                "ExecStart=" + javaPath() + " -jar /usr/share/zentrix-video/zentrix-video.jar serve --config /etc/zentrix-video/zentrix.conf")) {
            assertTrue(unit.contains("\n" + line + "\n"), "unit has " + line);
        }
        verifyUnitWithSystemd(host.path("/etc/systemd/system/zentrix-video.service"));

        assertEquals(-1, Files.mismatch(host.path("/usr/share/zentrix-video/zentrix-video.jar"), Installer.sidecarJar()));
        assertEquals("100755", mode("/usr/share/zentrix-video/zentrix-finalize.sh"));
        assertEquals("40751", mode(DATA));
        assertEquals("42750", mode(DATA + "/archive"));
        for (String edited : List.of(PROSODY_CONF, NGINX_SITE, JIBRI_CONF)) {
            assertTrue(host.exists("/var/backups/zentrix-video/original" + edited), "backup of " + edited);
        }
        assertTrue(Files.isSymbolicLink(host.path("/etc/prosody/conf.d/" + DOMAIN + ".cfg.lua")), "Jitsi's link is kept");
    }

    @Test
    void withJibriElsewhereJibriConfIsLeftAloneAndTheSnippetIsPrinted() throws Exception {
        String jibriBefore = host.read(JIBRI_CONF);

        Result result = installer.install("--jibri", "remote", "--jibri-url", "http://10.0.0.21:2222/jibri/api/v1.0")
                .expectSuccess();

        assertEquals(jibriBefore, host.read(JIBRI_CONF));
        assertFalse(host.exists("/etc/zentrix-video/finalize.env"));
        assertEquals("100600", mode("/etc/zentrix-video/finalize.secret"), "no jibri group to share it with here");
        Config sidecar = ConfigFactory.parseFile(host.path("/etc/zentrix-video/zentrix.conf").toFile()).resolve();
        assertEquals(List.of("http://10.0.0.21:2222/jibri/api/v1.0"), sidecar.getStringList("zentrix.jibri.base-urls"));
        for (String line : List.of("ZENTRIX_SIDECAR_URL=https://" + DOMAIN + "/recordings", "ZENTRIX_FINALIZE_MODE=upload",
                "jibri.recording.finalize-script = \"/usr/share/zentrix-video/zentrix-finalize.sh\"")) {
            assertTrue(result.output().contains(line), "snippet has " + line + ":\n" + result.output());
        }
        assertFalse(host.read("/etc/systemd/system/zentrix-video.service").contains("/srv/recordings"));
    }

    @Test
    void runningItAgainChangesNothing() {
        installer.install().expectSuccess();
        Tree installed = host.snapshot();

        Result again = installer.install().expectSuccess();

        assertEquals(List.of(), installed.differencesTo(host.snapshot()), again.output());
        assertTrue(again.output().contains("Nothing to change"), again.output());
        assertTrue(again.output().contains("Prosody secret: kept"), again.output());
    }

    @Test
    void aLocalConfThatMovesTheArchiveAwayFromNginxIsPointedOut() {
        installer.install().expectSuccess();
        host.write("/etc/zentrix-video/local.conf", "zentrix.archive.dir = \"/srv/archive\"\n");

        Result moved = installer.install().expectSuccess();
        assertTrue(moved.output().contains("WARNING: /etc/zentrix-video/local.conf moves the archive to /srv/archive, "
                + "but nginx sends recordings from " + DATA + "/archive"), moved.output());
        assertTrue(moved.output().contains("Nothing to change"), moved.output());

        host.write("/etc/zentrix-video/local.conf", "zentrix {\n  archive { dir = \"/srv/archive\" }\n}\n");
        assertTrue(installer.install().expectSuccess().output().contains("moves the archive to /srv/archive"));

        host.write("/etc/zentrix-video/local.conf", "zentrix {\n  archive { dir = \"/srv/archive\" }\n"
                + "  media.x-accel-redirect = false\n}\n");
        Result sidecarSends = installer.install().expectSuccess();
        assertFalse(sidecarSends.output().contains("moves the archive"), sidecarSends.output());
    }

    @Test
    void uninstallGivesEveryFileBackByteForByteAndKeepsRecordingsUntilPurge() throws IOException {
        Tree original = host.snapshot();
        installer.install().expectSuccess();
        host.write(DATA + "/archive/2026/11/24/42-s1/reception1_2026-11-24-10-00-00.mp4", "not really a video");

        Result removed = installer.uninstall().expectSuccess();

        Tree afterUninstall = host.snapshot();
        assertEquals(List.of(), original.differencesTo(afterUninstall.without(p -> p.startsWith(DATA))), removed.output());
        assertEquals("not really a video", host.read(DATA + "/archive/2026/11/24/42-s1/reception1_2026-11-24-10-00-00.mp4"));
        assertTrue(removed.output().contains("Kept: " + DATA + " "), removed.output());

        Result refused = installer.run("--purge");   // not a terminal and no --yes
        assertEquals(1, refused.exitCode(), refused.output());
        assertEquals(afterUninstall, host.snapshot());

        Result purged = installer.run("--purge", "--yes").expectSuccess();
        assertEquals(List.of(), original.differencesTo(host.snapshot()), purged.output());
    }

    @Test
    void purgeOnAnInstalledHostRemovesEverything() throws IOException {
        Tree original = host.snapshot();
        installer.install().expectSuccess();
        host.write(DATA + "/zentrix.db", "sqlite");

        installer.run("--purge", "--yes").expectSuccess();

        assertEquals(List.of(), original.differencesTo(host.snapshot()));
    }

    @Test
    void dryRunsChangeNothing() {
        Tree original = host.snapshot();
        Result plan = installer.install("--dry-run").expectSuccess();
        assertEquals(List.of(), original.differencesTo(host.snapshot()));
        assertTrue(plan.output().contains("[dry-run] would edit " + PROSODY_CONF), plan.output());
        assertTrue(plan.output().contains("+        \"zentrix_events\";"), "shows the diff:\n" + plan.output());
        assertTrue(plan.output().contains("[dry-run] would create /etc/systemd/system/zentrix-video.service"));
        assertFalse(plan.output().matches("(?s).*[0-9a-f]{64}.*"), "never prints a secret");

        installer.install().expectSuccess();
        Tree installed = host.snapshot();
        Result unplan = installer.uninstall("--dry-run").expectSuccess();
        assertEquals(List.of(), installed.differencesTo(host.snapshot()));
        assertTrue(unplan.output().contains("[dry-run] would remove the Zentrix Video blocks from " + NGINX_SITE), unplan.output());
        installer.run("--purge", "--dry-run").expectSuccess();
        assertEquals(List.of(), installed.differencesTo(host.snapshot()));
    }

    @Test
    void aFailingNginxCheckUndoesTheWholeRun() {
        // the admin already serves something at /recordings/: nginx -t fails on the duplicate location
        String site = host.read(NGINX_SITE);
        host.write(NGINX_SITE, site.replace("    location = /external_api.js {",
                "    location /recordings/ {\n        root /srv/old-recordings;\n    }\n\n    location = /external_api.js {"));
        Tree before = host.snapshot();

        Result result = installer.install();

        assertEquals(1, result.exitCode(), result.output());
        assertTrue(result.output().contains("duplicate location \"/recordings/\""), result.output());
        assertTrue(result.output().contains("every change of this run was undone"), result.output());
        assertEquals(List.of(), before.differencesTo(host.snapshot()));
    }

    @Test
    void aFailingProsodyCheckUndoesTheWholeRun() {
        Tree before = host.snapshot();

        Result result = installer.env("ZX_BREAK_WHEN_CONTAINS", "zentrix_events").install();

        assertEquals(1, result.exitCode(), result.output());
        assertTrue(result.output().contains("prosodyctl check config FAILED"), result.output());
        assertEquals(List.of(), before.differencesTo(host.snapshot()));
    }

    @Test
    void aFailingReRunGoesBackToTheInstalledState() {
        installer.install().expectSuccess();
        Tree installed = host.snapshot();

        Result result = installer.env("ZX_BREAK_WHEN_CONTAINS", "127.0.0.1:9095").install("--port", "9095");

        assertEquals(1, result.exitCode(), result.output());
        assertTrue(result.output().contains("update /etc/zentrix-video/zentrix.conf"), "the run did change files:\n" + result.output());
        assertEquals(List.of(), installed.differencesTo(host.snapshot()));
    }

    @Test
    void aMissingJavaIsNamedAndNothingIsTouched() {
        Tree before = host.snapshot();

        Result result = installer.install("--java", temp.resolve("no-such-java").toString());

        assertEquals(69, result.exitCode(), result.output());
        assertTrue(result.output().contains("Java 17 or newer"), result.output());
        assertTrue(result.output().contains("apt-get install openjdk-17-jre-headless"), result.output());
        assertEquals(List.of(), before.differencesTo(host.snapshot()));
    }

    private String mode(String hostPath) throws IOException {
        return Integer.toOctalString((Integer) Files.getAttribute(host.path(hostPath), "unix:mode", LinkOption.NOFOLLOW_LINKS));
    }

    private static String section(String text, String start, String end) {
        int from = text.indexOf(start);
        int to = text.indexOf(end, from + start.length());
        return text.substring(from, to < 0 ? text.length() : to);
    }

    private static int count(String text, String needle) {
        return text.split(java.util.regex.Pattern.quote(needle), -1).length - 1;
    }

    private static String javaPath() throws IOException {
        Process p = new ProcessBuilder("bash", "-c", "command -v java").start();
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    }

    /** systemd's own checker, where it exists (it needs no running systemd). */
    private static void verifyUnitWithSystemd(Path unit) throws Exception {
        if (new ProcessBuilder("bash", "-c", "command -v systemd-analyze").start().waitFor() != 0) {
            return; // not installed here (it comes with systemd)
        }
        Process p = new ProcessBuilder("systemd-analyze", "verify", unit.toString()).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), output);
        assertEquals("", output.strip(), "systemd-analyze verify has no complaints");
    }
}
