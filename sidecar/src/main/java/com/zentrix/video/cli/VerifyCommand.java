package com.zentrix.video.cli;

import com.zentrix.video.config.ZentrixConfig;
import com.zentrix.video.ingest.FileVerifier;
import com.zentrix.video.store.Database;
import java.io.PrintWriter;
import java.time.Clock;
import picocli.CommandLine.Command;

/** {@code zentrix-video verify}: re-hashes the archive against the SHA-256 taken at ingest. */
@Command(name = "verify", mixinStandardHelpOptions = true,
        description = {"Re-hash every stored recording file and compare it with the SHA-256 taken at ingest.",
                "Missing and altered files are listed; each file's result is recorded and shown on the session card."},
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {"0:every file is intact", "1:missing or altered files (listed)", "2:usage or config error"})
public final class VerifyCommand extends DataCommand {
    @Override
    int run(ZentrixConfig cfg, Database db, PrintWriter out) {
        ProgressBar bar = new ProgressBar(out, "verify");
        FileVerifier.Report r = new FileVerifier(db.jdbi(), cfg.archiveDir(), Clock.systemUTC()).verify(bar);
        bar.finish();
        for (FileVerifier.Problem p : r.problems()) {
            out.printf("%s session %d: %s (%s)%n", p.error().startsWith("missing") ? "MISSING" : "ALTERED", p.sessionId(),
                    cfg.archiveDir().resolve(p.path()), p.error());
        }
        out.printf("%d file(s) checked, %d problem(s)%n", r.checked(), r.problems().size());
        return r.problems().isEmpty() ? 0 : 1;
    }
}
