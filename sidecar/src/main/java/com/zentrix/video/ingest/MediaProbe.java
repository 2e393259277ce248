package com.zentrix.video.ingest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Reads a media file's duration with ffprobe; an unreadable file is reported, never thrown away. */
public final class MediaProbe {

    public record Result(Long durationMs, String error) {}

    private final String ffprobe;

    public MediaProbe(String ffprobe) {
        this.ffprobe = ffprobe;
    }

    public Result probe(Path file) {
        ProcessBuilder pb = new ProcessBuilder(LowPriority.command(List.of(ffprobe, "-v", "error", "-show_entries", "format=duration",
                "-of", "default=noprint_wrappers=1:nokey=1", file.toString())));
        try {
            Process p = pb.start();
            p.getOutputStream().close();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Result(null, "ffprobe timed out");
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (p.exitValue() == 126 || p.exitValue() == 127) { // nice could not start it
                return new Result(null, "ffprobe could not run: " + err.lines().findFirst().orElse("exit " + p.exitValue()));
            }
            if (p.exitValue() != 0 || out.isEmpty() || out.equals("N/A")) {
                String first = err.isEmpty() ? "no duration" : err.lines().findFirst().orElse(err);
                return new Result(null, first.length() > 300 ? first.substring(0, 300) : first);
            }
            double seconds = Double.parseDouble(out.lines().findFirst().orElse(out));
            return new Result(Math.round(seconds * 1000), null);
        } catch (IOException e) {
            return new Result(null, "ffprobe could not run: " + e.getMessage());
        } catch (NumberFormatException e) {
            return new Result(null, "ffprobe gave no duration");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(null, "interrupted");
        }
    }
}
