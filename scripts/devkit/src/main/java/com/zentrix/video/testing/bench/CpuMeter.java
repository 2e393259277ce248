package com.zentrix.video.testing.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Where the two cores went during a run, as cores used on average: the sidecar, Prosody (when there is
 * one), this harness (load generator, XMPP clients, Jibri stand-in), and everything else on the machine
 * (from /proc/stat): other people's builds on a shared machine show up there and make a run suspect.
 */
final class CpuMeter {
    /** Average cores used over the interval, by whom. */
    record Usage(double sidecar, double prosody, double harness, double others) {}

    private final ProcessHandle sidecar;
    private final ProcessHandle prosody;
    private long startNanos;
    private Duration sidecarStart;
    private Duration prosodyStart;
    private long harnessStart;
    private long[] machineStart;

    /** {@code prosody} may be null. */
    CpuMeter(ProcessHandle sidecar, ProcessHandle prosody) {
        this.sidecar = sidecar;
        this.prosody = prosody;
    }

    void start() {
        startNanos = System.nanoTime();
        sidecarStart = cpu(sidecar);
        prosodyStart = cpu(prosody);
        harnessStart = harnessCpuNanos();
        machineStart = machineTicks();
    }

    Usage stop() {
        double wall = System.nanoTime() - startNanos;
        double sidecarCores = cpu(sidecar).minus(sidecarStart).toNanos() / wall;
        double prosodyCores = cpu(prosody).minus(prosodyStart).toNanos() / wall;
        double harnessCores = (harnessCpuNanos() - harnessStart) / wall;
        long[] end = machineTicks();
        double others = Double.NaN;
        if (machineStart != null && end != null && end[1] > machineStart[1]) {
            int cores = Runtime.getRuntime().availableProcessors();
            double machine = cores * (double) (end[0] - machineStart[0]) / (end[1] - machineStart[1]);
            others = Math.max(0, machine - sidecarCores - prosodyCores - harnessCores);
        }
        return new Usage(sidecarCores, prosodyCores, harnessCores, others);
    }

    private static Duration cpu(ProcessHandle p) {
        return p == null ? Duration.ZERO : p.info().totalCpuDuration().orElse(Duration.ZERO);
    }

    private static long harnessCpuNanos() {
        var os = ManagementFactory.getOperatingSystemMXBean();
        return os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getProcessCpuTime() : 0;
    }

    /** {busy, total} jiffies over all cores, from the first line of /proc/stat; null off Linux. */
    private static long[] machineTicks() {
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long total = 0;
            for (int i = 1; i < f.length && i <= 8; i++) total += Long.parseLong(f[i]);
            long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]); // idle + iowait
            return new long[] {total - idle, total};
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
