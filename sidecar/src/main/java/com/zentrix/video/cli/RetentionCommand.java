package com.zentrix.video.cli;

import com.zentrix.video.audit.AuditLog;
import com.zentrix.video.auth.Principal;
import com.zentrix.video.auth.Role;
import com.zentrix.video.config.ZentrixConfig;
import com.zentrix.video.retention.Deletions;
import com.zentrix.video.retention.Retention;
import com.zentrix.video.retention.RetentionPolicies;
import com.zentrix.video.retention.RetentionPolicy;
import com.zentrix.video.store.Database;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code zentrix-video retention run|policy}: delete expired recordings now; show or set the policy. */
@Command(name = "retention", mixinStandardHelpOptions = true,
        description = "How long recordings are kept, and deleting the ones whose time is up.",
        subcommands = {RetentionCommand.Run.class, RetentionCommand.Policy.class})
public final class RetentionCommand implements Runnable {
    @Spec CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Who the CLI acts as in the audit: the operating-system account that ran it. */
    static Principal cliUser(String what) {
        String name = "cli:" + System.getProperty("user.name", "unknown") + (what == null ? "" : "/" + what);
        return new Principal(0, name, name, Role.ADMIN, null, null, null, "cli");
    }

    @Command(name = "run", mixinStandardHelpOptions = true,
            description = {"Delete the media and metadata files of every finished session the retention policy lets go,",
                    "and finish deletions a crash interrupted. Cards stay, with status deleted and who, why and when.",
                    "Sessions under legal hold or waiting for review are never deleted. Safe to interrupt and re-run."},
            exitCodeListHeading = "Exit codes:%n",
            exitCodeList = {"0:done (or nothing to do)", "1:some deletions failed (listed)", "2:usage or config error"})
    static final class Run extends DataCommand {
        @Option(names = "--dry-run", description = "list exactly what would be deleted, delete nothing") boolean dryRun;

        @Override
        int run(ZentrixConfig cfg, Database db, PrintWriter out) {
            Clock clock = Clock.systemUTC();
            AuditLog audit = new AuditLog(db.jdbi(), clock);
            Retention retention = new Retention(db.jdbi(), new RetentionPolicies(db.jdbi(), cfg.retention(), audit, clock),
                    new Deletions(db.jdbi(), cfg.archiveDir(), audit, clock), clock);
            if (dryRun) {
                var plan = retention.plan();
                for (Retention.Item i : plan) {
                    out.printf("would delete session %d room=%s ended=%s: %s%n", i.sessionId(), i.room(),
                            i.endedMs() == 0 ? "-" : Instant.ofEpochMilli(i.endedMs()), i.why());
                    for (String f : i.files()) out.printf("    %s%n", cfg.archiveDir().resolve(f));
                }
                out.printf("dry run: %d session(s), %d file(s) would be deleted%n", plan.size(),
                        plan.stream().mapToInt(i -> i.files().size()).sum());
                return 0;
            }
            ProgressBar bar = new ProgressBar(out, "retention");
            Retention.Report r = retention.run(false, cliUser("retention"), bar);
            bar.finish();
            out.printf("deleted the recordings of %d session(s)%n", r.items().size());
            r.failures().forEach(f -> err().println("failed: " + f));
            return r.failures().isEmpty() ? 0 : 1;
        }
    }

    @Command(name = "policy", mixinStandardHelpOptions = true,
            description = {"Show the retention policy in force, or change it (stored in the database; overrides the",
                    "zentrix.retention keys of the config). Periods are days; 0 = keep for ever."})
    static final class Policy extends DataCommand {
        @Option(names = "--default-days", paramLabel = "DAYS") Long defaultDays;
        @Option(names = "--sensitive-days", paramLabel = "DAYS") Long sensitiveDays;
        @Option(names = "--needs-review-days", paramLabel = "DAYS", description = "for sessions reviewed after a review flag") Long reviewDays;
        @Option(names = "--room", paramLabel = "NAME=DAYS", description = "a room (or prefix*) rule; repeat; replaces the room rules")
        Map<String, Long> rooms;
        @Option(names = "--reset", description = "forget the stored policy: the config's applies again") boolean reset;

        @Override
        int run(ZentrixConfig cfg, Database db, PrintWriter out) {
            Clock clock = Clock.systemUTC();
            RetentionPolicies policies = new RetentionPolicies(db.jdbi(), cfg.retention(), new AuditLog(db.jdbi(), clock), clock);
            if (reset) {
                policies.reset(cliUser(null), null);
            } else if (defaultDays != null || sensitiveDays != null || reviewDays != null || rooms != null) {
                RetentionPolicy next;
                try {
                    next = policies.effective().with(defaultDays, sensitiveDays, reviewDays, rooms);
                } catch (IllegalArgumentException e) {
                    err().println("zentrix-video retention: " + e.getMessage());
                    return 1;
                }
                policies.set(next, cliUser(null), null);
            }
            out.printf("%s (from %s)%n", policies.effective().toMap(),
                    policies.stored().isPresent() ? "the database" : "the config");
            return 0;
        }
    }
}
