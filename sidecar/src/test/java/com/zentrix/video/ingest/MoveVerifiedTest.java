package com.zentrix.video.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.zentrix.video.testing.Media;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Moving recordings into the archive: a rename on one filesystem, a verified copy across two. */
class MoveVerifiedTest {
    @TempDir Path dir;

    private Path randomFile(Path where, int size) throws IOException {
        byte[] b = new byte[size];
        new Random(size).nextBytes(b);
        Files.createDirectories(where.getParent());
        return Files.write(where, b);
    }

    @Test
    void onOneFilesystemItIsARenameKeepingTheSameFile() throws Exception {
        Path src = randomFile(dir.resolve("jibri/s1/a.mp4"), 300_000);
        Object inode = Files.getAttribute(src, "unix:ino");
        String sha = Media.sha256(src);
        Path dest = Files.createDirectories(dir.resolve("archive/x")).resolve("a.mp4");
        assertEquals(sha, Ingestor.moveVerified(src, dest));
        assertFalse(Files.exists(src));
        assertEquals(inode, Files.getAttribute(dest, "unix:ino"), "renamed, not copied");
    }

    @Test
    void acrossFilesystemsItCopiesVerifiesAndOnlyThenRemovesTheSource() throws Exception {
        Path shm = Path.of("/dev/shm");
        assumeTrue(Files.isDirectory(shm) && !Files.getFileStore(shm).equals(Files.getFileStore(dir)),
                "needs /dev/shm on another filesystem than the temp folder");
        Path other = Files.createTempDirectory(shm, "zv-move");
        try {
            Path src = randomFile(other.resolve("s2/b.mp4"), 1_000_000);
            String sha = Media.sha256(src);
            Path dest = Files.createDirectories(dir.resolve("archive/y")).resolve("b.mp4");
            assertEquals(sha, Ingestor.moveVerified(src, dest));
            assertFalse(Files.exists(src), "source removed after the verified copy");
            assertEquals(sha, Media.sha256(dest));
            assertFalse(Files.exists(dest.resolveSibling("b.mp4.part")));
        } finally {
            try (var s = Files.walk(other)) {
                s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    void aDestinationWithOtherContentIsNeverOverwritten() throws Exception {
        Path src = randomFile(dir.resolve("jibri/s3/c.mp4"), 1000);
        Path dest = randomFile(dir.resolve("archive/z/c.mp4"), 2000);
        String before = Media.sha256(dest);
        assertThrows(IOException.class, () -> Ingestor.moveVerified(src, dest));
        assertTrue(Files.exists(src), "the source stays when the move is refused");
        assertEquals(before, Media.sha256(dest));
    }

    @Test
    void aRepeatAfterACrashBetweenCopyAndRemovalConverges() throws Exception {
        Path src = randomFile(dir.resolve("jibri/s4/d.mp4"), 5000);
        Path dest = dir.resolve("archive/w/d.mp4");
        Files.createDirectories(dest.getParent());
        Files.copy(src, dest); // the copy finished, the process died before removing the source
        String sha = Media.sha256(src);
        assertEquals(sha, Ingestor.moveVerified(src, dest));
        assertFalse(Files.exists(src));
        assertEquals(sha, Media.sha256(dest));
    }
}
