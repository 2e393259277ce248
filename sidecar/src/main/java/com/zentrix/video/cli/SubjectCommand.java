package com.zentrix.video.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.zentrix.video.audit.AuditLog;
import com.zentrix.video.config.ZentrixConfig;
import com.zentrix.video.retention.Deletions;
import com.zentrix.video.store.Database;
import com.zentrix.video.subject.SubjectCriteria;
import com.zentrix.video.subject.Subjects;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code zentrix-video subject find|export|delete}: data-subject requests, audited like the API's. */
@Command(name = "subject", mixinStandardHelpOptions = true,
        description = {"Data-subject requests: every session of one client, found by display name, JWT user id,",
                "e-mail or phone (a session matches when any given criterion does)."},
        subcommands = {SubjectCommand.Find.class, SubjectCommand.Export.class, SubjectCommand.Delete.class})
public final class SubjectCommand implements Runnable {
    @Spec CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** The criteria every subcommand takes. */
    static final class Criteria {
        @Option(names = "--name", paramLabel = "NAME", description = "display name, case-insensitive, exact; a trailing * makes it a prefix")
        String name;
        @Option(names = "--jwt-id", paramLabel = "ID", description = "the client's JWT user id") String jwtId;
        @Option(names = "--email", paramLabel = "EMAIL", description = "the client's e-mail (from the JWT), case-insensitive") String email;
        @Option(names = "--phone", paramLabel = "NUMBER", description = "a phone number; digits only are compared") String phone;

        SubjectCriteria parse() {
            return SubjectCriteria.of(name, jwtId, email, phone);
        }
    }

    /** Parses the criteria (exit 2 when none or bad) and builds the service. */
    abstract static class SubjectData extends DataCommand {
        @Mixin Criteria criteria;

        abstract int run(Subjects subjects, SubjectCriteria c, PrintWriter out) throws IOException;

        @Override
        int run(ZentrixConfig cfg, Database db, PrintWriter out) {
            SubjectCriteria c;
            try {
                c = criteria.parse();
            } catch (IllegalArgumentException e) {
                err().println("zentrix-video subject: " + e.getMessage());
                return 2;
            }
            Clock clock = Clock.systemUTC();
            AuditLog audit = new AuditLog(db.jdbi(), clock);
            Subjects subjects = new Subjects(db.jdbi(), new Deletions(db.jdbi(), cfg.archiveDir(), audit, clock), audit,
                    new ObjectMapper(), clock);
            try {
                return run(subjects, c, out);
            } catch (IOException e) {
                err().println("zentrix-video subject: " + e.getMessage());
                return 1;
            }
        }
    }

    @Command(name = "find", mixinStandardHelpOptions = true, description = "List the client's sessions (audited as subject_search).")
    static final class Find extends SubjectData {
        @Override
        int run(Subjects subjects, SubjectCriteria c, PrintWriter out) {
            List<Map<String, Object>> cards = subjects.find(c, RetentionCommand.cliUser("subject"), null);
            for (Map<String, Object> s : cards) {
                out.printf("session %s started=%s room=%s client=%s jwt_id=%s email=%s phone=%s status=%s%s%n", s.get("id"),
                        Instant.ofEpochMilli(((Number) s.get("started_ms")).longValue()), s.get("room_name"), s.get("client_name"),
                        s.get("client_user_id"), s.get("client_email"), s.get("client_phone"), s.get("status"),
                        Boolean.TRUE.equals(s.get("legal_hold")) ? " LEGAL HOLD" : "");
            }
            out.printf("%d session(s) match %s%n", cards.size(), c);
            return 0;
        }
    }

    @Command(name = "export", mixinStandardHelpOptions = true,
            description = {"Write every session of the client as one zip: sessions.json, audit.json, files/<session>/…",
                    "and manifest.json with each file's SHA-256 (audited as subject_export)."},
            exitCodeListHeading = "Exit codes:%n",
            exitCodeList = {"0:written, every file matched its ingest SHA-256", "1:written, but a file was missing or altered (listed); or an I/O error",
                    "2:usage or config error"})
    static final class Export extends SubjectData {
        @Option(names = "--out", required = true, paramLabel = "FILE.zip", description = "the zip to write (must not exist)") Path outFile;

        @Override
        int run(Subjects subjects, SubjectCriteria c, PrintWriter out) throws IOException {
            if (Files.exists(outFile)) {
                err().println("zentrix-video subject export: " + outFile + " exists; not overwritten");
                return 2;
            }
            Path part = outFile.resolveSibling(outFile.getFileName() + ".part");
            ProgressBar bar = new ProgressBar(out, "export");
            Map<String, Object> manifest;
            try (OutputStream o = Files.newOutputStream(part)) {
                manifest = subjects.export(c, RetentionCommand.cliUser("subject"), null, o, bar);
            } catch (IOException | RuntimeException e) {
                Files.deleteIfExists(part);
                throw e;
            }
            bar.finish();
            Files.move(part, outFile, StandardCopyOption.ATOMIC_MOVE);
            @SuppressWarnings("unchecked") List<Map<String, Object>> files = (List<Map<String, Object>>) manifest.get("files");
            int bad = 0;
            for (Map<String, Object> f : files) {
                if (Boolean.TRUE.equals(f.get("missing"))) out.printf("MISSING file %s of session %s%n", f.get("file_id"), f.get("session_id"));
                else if (!Boolean.TRUE.equals(f.get("matches"))) out.printf("ALTERED %s (SHA-256 differs from ingest)%n", f.get("path"));
                else continue;
                bad++;
            }
            out.printf("wrote %s: %d session(s), %d audit row(s), %d file(s)%n", outFile, ((List<?>) manifest.get("sessions")).size(),
                    manifest.get("audit_rows"), files.size() - bad);
            return bad == 0 ? 0 : 1;
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true,
            description = {"Delete the recordings of every session of the client (crash-safe; cards stay with status",
                    "deleted). Sessions under legal hold, still running or already deleted are skipped and listed."},
            exitCodeListHeading = "Exit codes:%n",
            exitCodeList = {"0:done (skipped sessions are listed)", "1:a deletion failed (listed)", "2:usage or config error"})
    static final class Delete extends SubjectData {
        @Option(names = "--reason", required = true, paramLabel = "R", description = "why (written to the audit and the card)") String reason;

        @Override
        int run(Subjects subjects, SubjectCriteria c, PrintWriter out) {
            if (reason.isBlank()) {
                err().println("zentrix-video subject delete: give a reason");
                return 2;
            }
            ProgressBar bar = new ProgressBar(out, "delete");
            Subjects.Report r = subjects.delete(c, reason.strip(), RetentionCommand.cliUser("subject"), null, bar);
            bar.finish();
            for (long id : r.deleted()) out.printf("deleted the recording of session %d%n", id);
            for (Map<String, Object> s : r.skipped()) out.printf("SKIPPED session %s: %s (%s)%n", s.get("id"), s.get("reason"), s.get("message"));
            out.printf("deleted %d, skipped %d session(s)%n", r.deleted().size(), r.skipped().size());
            return r.skipped().stream().anyMatch(s -> "error".equals(s.get("reason"))) ? 1 : 0;
        }
    }
}
