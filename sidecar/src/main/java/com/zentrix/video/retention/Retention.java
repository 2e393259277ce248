package com.zentrix.video.retention;

import com.zentrix.video.Progress;
import com.zentrix.video.auth.Principal;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The retention job: finishes deletions a crash left, then deletes the recordings of finished
 * sessions the policy lets go. Run by the server every {@code zentrix.retention.interval} and by
 * {@code zentrix-video retention run}; the dry run lists exactly what a run would delete.
 */
public final class Retention {
    private static final Logger log = LoggerFactory.getLogger(Retention.class);

    private final Jdbi jdbi;
    private final RetentionPolicies policies;
    private final Deletions deletions;
    private final Clock clock;

    public Retention(Jdbi jdbi, RetentionPolicies policies, Deletions deletions, Clock clock) {
        this.jdbi = jdbi;
        this.policies = policies;
        this.deletions = deletions;
        this.clock = clock;
    }

    /** A session whose recording goes, why, and the tracked files that go with it. */
    public record Item(long sessionId, String room, long endedMs, String why, List<String> files, boolean resumed) {}

    public record Report(boolean dryRun, List<Item> items, List<String> failures) {}

    /** What a run would delete now: unfinished deletions first, then expired sessions, oldest first. */
    public List<Item> plan() {
        RetentionPolicy policy = policies.effective();
        long now = clock.millis();
        List<Item> out = new ArrayList<>();
        for (long id : deletions.pending()) out.add(item(id, null, 0, "finishing an interrupted deletion", true));
        jdbi.useHandle(h -> h.createQuery("SELECT id, room_name, sensitive, needs_review, reviewed_ms, legal_hold, ended_ms "
                        + "FROM sessions WHERE status IN ('ok', 'technical_error') AND ended_ms IS NOT NULL AND deleting_ms IS NULL "
                        + "ORDER BY ended_ms, id")
                .map((rs, ctx) -> {
                    var facts = new RetentionPolicy.Facts(rs.getString("room_name"), rs.getInt("sensitive") != 0,
                            rs.getInt("needs_review") != 0, rs.getObject("reviewed_ms") != null, rs.getInt("legal_hold") != 0,
                            rs.getLong("ended_ms"));
                    var verdict = policy.decide(facts, now);
                    return verdict.expired() ? new Item(rs.getLong("id"), facts.roomName(), facts.endedMs(), verdict.why(), null, false) : null;
                })
                .forEach(i -> {
                    if (i != null) out.add(i);
                }));
        return out.stream().map(i -> i.files() != null ? i : item(i.sessionId(), i.room(), i.endedMs(), i.why(), i.resumed())).toList();
    }

    private Item item(long id, String room, long endedMs, String why, boolean resumed) {
        List<String> files = jdbi.withHandle(h -> h.createQuery("SELECT path FROM files WHERE session_id = :id AND deleted_ms IS NULL ORDER BY id")
                .bind("id", id).mapTo(String.class).list());
        if (room == null) {
            room = jdbi.withHandle(h -> h.createQuery("SELECT room_name FROM sessions WHERE id = :id").bind("id", id).mapTo(String.class).one());
        }
        return new Item(id, room, endedMs, why, files, resumed);
    }

    public Report run(boolean dryRun, Principal who, Progress progress) {
        List<Item> plan = plan();
        if (dryRun) return new Report(true, plan, List.of());
        List<Item> done = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        long n = 0;
        for (Item i : plan) {
            try {
                if (i.resumed()) {
                    deletions.finish(i.sessionId());
                } else {
                    deletions.delete(i.sessionId(), who, i.why(), null);
                }
                done.add(i);
            } catch (Deletions.Refused e) {
                // A hold or another deletion got there between the plan and now: nothing to do.
                log.info("retention skipped session={} reason={}", i.sessionId(), e.getMessage());
            } catch (RuntimeException e) {
                failures.add("session " + i.sessionId() + ": " + e.getMessage());
                log.error("retention could not delete session={}", i.sessionId(), e);
            }
            progress.at(++n, plan.size(), "session " + i.sessionId());
        }
        if (!plan.isEmpty()) log.info("retention run deleted={} failed={}", done.size(), failures.size());
        return new Report(false, done, failures);
    }
}
