package com.zentrix.video.ingest;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Media tools (ffprobe at ingest, ffmpeg for a pre-warm cut) run at a lower CPU priority than the
 * sidecar itself ({@code nice -n 10}): probing or cutting a backlog of files must never slow a recording
 * decision. Measured in ChurnCrashIT's restart, where dozens of hand-overs are ingested while the rooms
 * are put right (docs/RELIABILITY.md). Without {@code nice} on the host, the tool runs as it is.
 */
final class LowPriority {
    private static final Path NICE = Path.of("/usr/bin/nice");

    private LowPriority() {}

    static List<String> command(List<String> command) {
        if (!Files.isExecutable(NICE)) return command;
        List<String> niced = new ArrayList<>(List.of(NICE.toString(), "-n", "10"));
        niced.addAll(command);
        return niced;
    }
}
