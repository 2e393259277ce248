package com.zentrix.video.ingest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Reads a media file's duration with ffprobe; an unreadable file is reported, never thrown away. When
 * ffprobe gives no verdict (it could not be started, or did not finish within the timeout, as on a
 * saturated host where the niced probe gets almost no CPU), that says nothing about the file: the probe
 * throws {@link Unavailable} and the caller tries again later, instead of calling a good recording
 * unreadable.
 */
public final class MediaProbe {

    public record Result(Long durationMs, String error) {}

    /** ffprobe gave no verdict on the file; try again later. */
    public static final class Unavailable extends IOException {
        Unavailable(String message) {
            super(message);
        }
    }

    /** Far more than a probe of any recording needs; a probe starved of CPU for longer is tried again. */
    static final java.time.Duration TIMEOUT = java.time.Duration.ofMinutes(2);

    private final String ffprobe;
    private final java.time.Duration timeout;

    public MediaProbe(String ffprobe) {
        this(ffprobe, TIMEOUT);
    }

    MediaProbe(String ffprobe, java.time.Duration timeout) {
        this.ffprobe = ffprobe;
        this.timeout = timeout;
    }

    public Result probe(Path file) throws Unavailable {
        ProcessBuilder pb = new ProcessBuilder(LowPriority.command(List.of(ffprobe, "-v", "error", "-show_entries", "format=duration",
                "-of", "default=noprint_wrappers=1:nokey=1", file.toString())));
        try {
            Process p = pb.start();
            p.getOutputStream().close();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new Unavailable("ffprobe gave no answer within " + timeout.toSeconds() + " s on " + file.getFileName());
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (p.exitValue() == 126 || p.exitValue() == 127) { // nice could not start it
                throw new Unavailable("ffprobe could not run: " + err.lines().findFirst().orElse("exit " + p.exitValue()));
            }
            if (p.exitValue() != 0 || out.isEmpty() || out.equals("N/A")) {
                String first = err.isEmpty() ? "no duration" : err.lines().findFirst().orElse(err);
                return new Result(null, first.length() > 300 ? first.substring(0, 300) : first);
            }
            double seconds = Double.parseDouble(out.lines().findFirst().orElse(out));
            return new Result(Math.round(seconds * 1000), null);
        } catch (Unavailable e) {
            throw e;
        } catch (IOException e) {
            throw new Unavailable("ffprobe could not run: " + e.getMessage());
        } catch (NumberFormatException e) {
            return new Result(null, "ffprobe gave no duration");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Unavailable("interrupted while ffprobe read " + file.getFileName());
        }
    }
}
