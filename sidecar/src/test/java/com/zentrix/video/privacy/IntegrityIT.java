package com.zentrix.video.privacy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zentrix.video.testing.Archive;
import com.zentrix.video.testing.Cli;
import com.zentrix.video.testing.Sidecar;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `zentrix-video verify` re-hashes the archive: an altered or missing recording is caught and the card shows it. */
class IntegrityIT {
    @TempDir static Path dir;
    static Sidecar sidecar;
    static Path conf;
    static long altered;
    static long missing;
    static long intact;

    @BeforeAll
    static void start() throws Exception {
        Sidecar.Builder b = Sidecar.builder(dir).jibris("http://127.0.0.1:9/jibri/api/v1.0");
        conf = b.writeConfig(dir.resolve("zentrix.conf"));
        sidecar = b.start();
        Archive archive = new Archive(sidecar);
        altered = archive.recordedSession("window-1", "olena@meet.zentrix.local", "Петро", 1.0);
        missing = archive.recordedSession("window-1", "olena@meet.zentrix.local", "Ганна", 1.0);
        intact = archive.recordedSession("window-1", "olena@meet.zentrix.local", "Остап", 1.0);
    }

    @AfterAll
    static void stop() {
        sidecar.close();
    }

    static Path media(long session) {
        String rel = sidecar.db().withHandle(h -> h.createQuery("SELECT path FROM files WHERE session_id = :s AND kind = 'media'")
                .bind("s", session).mapTo(String.class).one());
        return sidecar.archiveDir().resolve(rel);
    }

    @Test
    void anAlteredOrMissingMediaFileIsCaughtByVerifyAndTheCardLosesItsVerifiedMark() throws Exception {
        assertTrue(sidecar.getJson("/api/v1/sessions/" + intact).get("verified").isNull(), "not checked yet");
        Cli clean = Cli.run("verify", "--config", conf.toString());
        assertEquals(0, clean.exitCode(), clean.toString());
        assertTrue(clean.out().contains("0 problem(s)") && clean.out().contains("100%"), clean.toString());
        assertTrue(sidecar.getJson("/api/v1/sessions/" + altered).get("verified").asBoolean());

        // Same size, one byte changed in the middle: only the hash can tell.
        Path a = media(altered);
        byte[] bytes = Files.readAllBytes(a);
        bytes[bytes.length / 2] ^= 0x01;
        Files.write(a, bytes, StandardOpenOption.TRUNCATE_EXISTING);
        Files.delete(media(missing));

        Cli r = Cli.run("verify", "--config", conf.toString());
        assertEquals(1, r.exitCode(), r.toString());
        assertTrue(r.out().contains("ALTERED session " + altered + ": " + a), r.toString());
        assertTrue(r.out().contains("MISSING session " + missing), r.toString());
        assertTrue(r.out().contains("2 problem(s)"), r.toString());
        assertEquals(false, sidecar.getJson("/api/v1/sessions/" + altered).get("verified").asBoolean());
        assertEquals(false, sidecar.getJson("/api/v1/sessions/" + missing).get("verified").asBoolean());
        assertTrue(sidecar.getJson("/api/v1/sessions/" + intact).get("verified").asBoolean());
        assertTrue(sidecar.getJson("/api/v1/sessions/" + altered).get("files").get(0).get("verify_error").asText().startsWith("altered"));
    }
}
