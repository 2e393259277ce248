package com.zentrix.video.cli;

import com.zentrix.video.audit.AuditVerifier;
import com.zentrix.video.config.ZentrixConfig;
import com.zentrix.video.store.Database;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Spec;

/** {@code zentrix-video audit verify}: checks the audit log's hash chain. */
@Command(name = "audit", mixinStandardHelpOptions = true, description = "The tamper-evident audit log.",
        subcommands = AuditCommand.Verify.class)
public final class AuditCommand implements Runnable {
    @Spec CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = {"Walk the audit log's hash chain from the first row and report the first row that was",
                    "edited, deleted or inserted. (Removing the newest rows only is not detectable from the chain itself.)"},
            exitCodeListHeading = "Exit codes:%n", exitCodeList = {"0:the chain is intact", "1:the chain is broken (the row is named)",
                    "2:usage or config error"})
    static final class Verify extends DataCommand {
        @Override
        int run(ZentrixConfig cfg, Database db, PrintWriter out) {
            ProgressBar bar = new ProgressBar(out, "audit verify");
            AuditVerifier.Result r = new AuditVerifier(db.jdbi()).verify(bar);
            bar.finish();
            if (r.firstBreak().isPresent()) {
                AuditVerifier.Break b = r.firstBreak().get();
                out.printf("BROKEN at row %d: %s (%d rows before it are intact)%n", b.id(), b.problem(), r.checked());
                return 1;
            }
            out.printf("OK: %d audit rows, chain intact%n", r.checked());
            return 0;
        }
    }
}
