package com.zentrix.video.cli;

import com.zentrix.video.Progress;
import java.io.PrintWriter;

/**
 * Draws {@link Progress} on the terminal: a bar redrawn in place when a console is attached, else
 * (a log, a pipe) one line per tenth, so a long job always shows it is alive.
 */
final class ProgressBar implements Progress {
    private static final int WIDTH = 30;
    private final PrintWriter out;
    private final String label;
    private final boolean tty;
    private long lastTenth = -1;
    private boolean drawn;

    ProgressBar(PrintWriter out, String label) {
        this.out = out;
        this.label = label;
        this.tty = System.console() != null;
    }

    @Override
    public void at(long done, long total, String what) {
        int pct = total <= 0 ? 100 : (int) Math.min(100, done * 100 / total);
        if (tty) {
            int filled = pct * WIDTH / 100;
            out.print("\r" + label + " [" + "#".repeat(filled) + " ".repeat(WIDTH - filled) + "] " + pct + "% " + done + "/" + total);
            drawn = true;
        } else {
            long tenth = pct / 10;
            if (tenth == lastTenth) return;
            lastTenth = tenth;
            out.println(label + " " + pct + "% " + done + "/" + total + (what == null ? "" : " (" + what + ")"));
        }
        out.flush();
    }

    /** Ends the bar's line. */
    void finish() {
        if (tty && drawn) out.println();
        out.flush();
    }
}
