package com.zentrix.video.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A small tmpfs mounted on a test folder: a filesystem that really fills up (ENOSPC) and is not the
 * one the rest of the test lives on. Needs root (CI runs as root); anywhere else the test is skipped
 * with a clear message rather than failed.
 */
public final class Tmpfs implements AutoCloseable {
    private final Path mountPoint;
    private boolean mounted;

    private Tmpfs(Path mountPoint) {
        this.mountPoint = mountPoint;
    }

    /** Mounts a tmpfs of {@code kib} KiB on {@code mountPoint} (created if missing), or aborts the test. */
    public static Tmpfs mount(Path mountPoint, int kib) throws IOException, InterruptedException {
        Files.createDirectories(mountPoint);
        Tmpfs t = new Tmpfs(mountPoint);
        String out;
        try {
            out = t.run("mount", "-t", "tmpfs", "-o", "size=" + kib + "k,mode=0755", "tmpfs", mountPoint.toString());
        } catch (IOException noMount) {
            out = noMount.toString();
        }
        String why = out;
        Assumptions.assumeTrue(out == null, () -> "needs root to mount a tmpfs (as in CI): mount said " + why);
        t.mounted = true;
        return t;
    }

    public Path path() {
        return mountPoint;
    }

    /** Fills the filesystem with {@code name} until the kernel says no space is left, then frees {@code leaveBytes}. */
    public Path fill(String name, long leaveBytes) throws IOException {
        Path filler = mountPoint.resolve(name);
        byte[] block = new byte[4096];
        try (OutputStream out = Files.newOutputStream(filler)) {
            while (true) out.write(block);
        } catch (IOException full) {
            if (!String.valueOf(full.getMessage()).contains("No space left on device")) throw full;
        }
        try (var ch = java.nio.channels.FileChannel.open(filler, java.nio.file.StandardOpenOption.WRITE)) {
            ch.truncate(Math.max(0, ch.size() - leaveBytes));
        }
        return filler;
    }

    public long usableBytes() throws IOException {
        return Files.getFileStore(mountPoint).getUsableSpace();
    }

    /** Unmounts (lazily, so a file a dying process still holds cannot keep it mounted). */
    @Override
    public void close() throws IOException, InterruptedException {
        if (!mounted) return;
        String out = run("umount", "-l", mountPoint.toString());
        if (out != null) throw new IOException("umount " + mountPoint + " failed: " + out);
        mounted = false;
    }

    /** Null on success, else what the command printed. */
    private String run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(List.of(command)).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).strip();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return "timed out";
        }
        return p.exitValue() == 0 ? null : "exit " + p.exitValue() + ": " + out;
    }
}
