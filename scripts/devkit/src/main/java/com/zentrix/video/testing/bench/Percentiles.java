package com.zentrix.video.testing.bench;

import java.util.Arrays;
import java.util.Locale;

/** A latency sample summarised by nearest-rank percentiles; values are in milliseconds. */
public record Percentiles(int count, double p50, double p90, double p95, double p99, double p999, double max,
        double mean) {

    /** From nanosecond samples. */
    public static Percentiles ofNanos(long[] nanos) {
        double[] ms = new double[nanos.length];
        for (int i = 0; i < nanos.length; i++) ms[i] = nanos[i] / 1e6;
        return of(ms);
    }

    public static Percentiles of(double[] ms) {
        if (ms.length == 0) return new Percentiles(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN,
                Double.NaN, Double.NaN);
        double[] s = ms.clone();
        Arrays.sort(s);
        double sum = 0;
        for (double v : s) sum += v;
        return new Percentiles(s.length, rank(s, 50), rank(s, 90), rank(s, 95), rank(s, 99), rank(s, 99.9),
                s[s.length - 1], sum / s.length);
    }

    /** Nearest rank: the smallest value with at least p % of the sample at or below it. */
    private static double rank(double[] sorted, double p) {
        int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    public static String ms(double v) {
        if (Double.isNaN(v)) return "–";
        return String.format(Locale.ROOT, v < 10 ? "%.2f" : "%.1f", v);
    }
}
