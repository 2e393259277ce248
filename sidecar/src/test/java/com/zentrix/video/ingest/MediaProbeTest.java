package com.zentrix.video.ingest;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zentrix.video.testing.Media;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real ffprobe: a verdict on the file (its duration, or why it is unreadable) is a result; no
 * verdict (not started, not finished in time) is {@link MediaProbe.Unavailable}, so that a recording is
 * never called unreadable because the host was busy.
 */
class MediaProbeTest {
    @TempDir Path dir;

    @Test
    void aRecordingHasItsDuration() throws Exception {
        Path mp4 = Media.mp4(dir.resolve("call.mp4"), 3);
        MediaProbe.Result r = new MediaProbe("ffprobe").probe(mp4);
        assertNull(r.error());
        assertTrue(Math.abs(r.durationMs() - 3000) < 200, "duration " + r.durationMs());
    }

    @Test
    void aBrokenFileIsAVerdict() throws Exception {
        Path mp4 = Media.mp4(dir.resolve("call.mp4"), 3);
        byte[] all = Files.readAllBytes(mp4);
        Files.write(mp4, java.util.Arrays.copyOf(all, all.length / 3));
        MediaProbe.Result r = new MediaProbe("ffprobe").probe(mp4);
        assertNull(r.durationMs());
        assertNotNull(r.error());
    }

    @Test
    void noFfprobeIsNoVerdict() throws Exception {
        Path mp4 = Media.mp4(dir.resolve("call.mp4"), 1);
        MediaProbe.Unavailable e = assertThrows(MediaProbe.Unavailable.class,
                () -> new MediaProbe(dir.resolve("no-such-ffprobe").toString()).probe(mp4));
        assertTrue(e.getMessage().startsWith("ffprobe could not run"), e.getMessage());
    }

    @Test
    void aProbeThatDoesNotFinishInTimeIsNoVerdict() throws Exception {
        Path mp4 = Media.mp4(dir.resolve("call.mp4"), 1);
        // An ffprobe starved of CPU: it answers, but only after the timeout.
        Path slow = dir.resolve("slow-ffprobe");
        Files.writeString(slow, "#!/bin/sh\nsleep 5\nexec ffprobe \"$@\"\n");
        Files.setPosixFilePermissions(slow, PosixFilePermissions.fromString("rwxr-xr-x"));
        MediaProbe.Unavailable e = assertThrows(MediaProbe.Unavailable.class,
                () -> new MediaProbe(slow.toString(), Duration.ofMillis(500)).probe(mp4));
        assertTrue(e.getMessage().contains("no answer within"), e.getMessage());
        long patient = new MediaProbe(slow.toString(), Duration.ofSeconds(30)).probe(mp4).durationMs();
        assertTrue(Math.abs(patient - 1000) < 200, "the same probe, given time, reads " + patient + " ms");
    }
}
