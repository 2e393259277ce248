package com.zentrix.video.audit;

import com.zentrix.video.auth.Principal;
import java.time.Clock;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/** Who did what to which session, when, from where: every view, playback, download, note and flag change. */
public final class AuditLog {
    private final Jdbi jdbi;
    private final Clock clock;

    public AuditLog(Jdbi jdbi, Clock clock) {
        this.jdbi = jdbi;
        this.clock = clock;
    }

    public void record(Principal who, String action, Long sessionId, String detail, String ip) {
        jdbi.useHandle(h -> record(h, who, action, sessionId, detail, ip));
    }

    /** Inside the caller's transaction, so the change and its audit row commit together. */
    public void record(Handle h, Principal who, String action, Long sessionId, String detail, String ip) {
        h.createUpdate("INSERT INTO audit (at_ms, user_id, username, action, session_id, detail, ip) "
                        + "VALUES (:at, :uid, :user, :action, :sid, :detail, :ip)")
                .bind("at", clock.millis()).bind("uid", who == null || who.userId() == 0 ? null : who.userId())
                .bind("user", who == null ? null : who.username()).bind("action", action).bind("sid", sessionId)
                .bind("detail", detail).bind("ip", ip).execute();
    }
}
