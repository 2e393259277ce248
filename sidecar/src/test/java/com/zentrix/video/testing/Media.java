package com.zentrix.video.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Real media files for tests, made by ffmpeg: a test pattern with a tone, h264 + aac like Jibri's. */
public final class Media {
    private Media() {}

    public static Path mp4(Path file, double seconds) throws IOException, InterruptedException {
        Files.createDirectories(file.getParent());
        Process p = new ProcessBuilder(List.of("ffmpeg", "-nostdin", "-loglevel", "error", "-y",
                "-f", "lavfi", "-i", "testsrc=size=160x120:rate=10",
                "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
                "-t", Double.toString(seconds), "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
                "-c:a", "aac", "-shortest", file.toString())).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) throw new IOException("ffmpeg failed: " + out);
        return file;
    }

    /** The video stream's duration, counted from its frames by ffprobe (not the container's header). */
    public static double videoStreamSeconds(Path file) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(List.of("ffprobe", "-v", "error", "-select_streams", "v:0", "-count_packets",
                "-show_entries", "stream=nb_read_packets,r_frame_rate", "-of", "default=noprint_wrappers=1", file.toString()))
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        p.waitFor(60, TimeUnit.SECONDS);
        long packets = 0;
        double rate = 0;
        for (String line : out.split("\\R")) {
            if (line.startsWith("nb_read_packets=")) packets = Long.parseLong(line.substring(16).strip());
            if (line.startsWith("r_frame_rate=")) {
                String[] f = line.substring(13).strip().split("/");
                rate = Double.parseDouble(f[0]) / (f.length > 1 ? Double.parseDouble(f[1]) : 1);
            }
        }
        if (rate <= 0) throw new IOException("ffprobe gave no frame rate: " + out);
        return packets / rate;
    }

    public static String sha256(Path f) throws IOException {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            try (InputStream in = new DigestInputStream(Files.newInputStream(f), md)) {
                in.transferTo(OutputStream.nullOutputStream());
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
