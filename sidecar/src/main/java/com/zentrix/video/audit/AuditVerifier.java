package com.zentrix.video.audit;

import com.zentrix.video.Progress;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/** Walks the audit chain from the first row and finds the first one that was edited, removed or inserted. */
public final class AuditVerifier {
    private static final int PAGE = 5000;

    private final Jdbi jdbi;

    public AuditVerifier(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    /** The first row where the chain breaks, with what is wrong. */
    public record Break(long id, String problem) {}

    public record Result(long checked, Optional<Break> firstBreak) {}

    public Result verify(Progress progress) {
        long total = jdbi.withHandle(h -> h.createQuery("SELECT count(*) FROM audit").mapTo(Long.class).one());
        String prev = AuditLog.GENESIS;
        long prevId = 0;
        long checked = 0;
        while (true) {
            long after = prevId;
            var rows = jdbi.withHandle(h -> h.createQuery("SELECT id, at_ms, user_id, username, action, session_id, detail, ip, "
                            + "prev_hash, hash FROM audit WHERE id > :after ORDER BY id LIMIT " + PAGE)
                    .bind("after", after)
                    .map((rs, ctx) -> new Row(AuditLog.Entry.from(rs), rs.getString("prev_hash"), rs.getString("hash"))).list());
            if (rows.isEmpty()) return new Result(checked, Optional.empty());
            for (Row r : rows) {
                long id = r.entry().id();
                if (r.hash() == null) return broken(checked, id, "row " + id + " is not sealed (no hash): written around the chain");
                if (!prev.equals(r.prevHash())) {
                    String why = id > prevId + 1
                            ? "row(s) " + (prevId + 1) + (id - 1 > prevId + 1 ? ".." + (id - 1) : "") + " before row " + id + " were deleted"
                            : "row " + id + " does not follow row " + prevId + " (inserted, or the chain was rewritten)";
                    return broken(checked, id, why);
                }
                if (!r.entry().hash(prev).equals(r.hash())) {
                    return broken(checked, id, "row " + id + " was edited (its content does not match its hash)");
                }
                prev = r.hash();
                prevId = id;
                checked++;
                if (checked % 500 == 0 || checked == total) progress.at(checked, total, "row " + id);
            }
        }
    }

    private static Result broken(long checked, long id, String problem) {
        return new Result(checked, Optional.of(new Break(id, problem)));
    }

    private record Row(AuditLog.Entry entry, String prevHash, String hash) {}
}
