package com.zentrix.video.archive;

import com.zentrix.video.auth.Principal;
import java.util.Map;

/**
 * The one place that decides who may see a session, as SQL: supervisors and admins see all; an operator
 * only the sessions whose operator is linked to them (by the JID or JWT user id Prosody saw). Every
 * query that reads sessions, notes or media adds this predicate; a session outside it does not exist.
 */
public record Access(String predicate, Map<String, Object> binds) {

    private static final String EVERYTHING = "1 = 1";

    public static Access of(Principal p) {
        if (p.role().seesEverything()) return everything();
        // An empty string never matches a stored JID or id, so an operator with neither sees nothing.
        return new Access("(s.operator_jid = :acc_jid OR s.operator_user_id = :acc_uid)",
                Map.of("acc_jid", p.xmppJid() == null ? "" : p.xmppJid().toLowerCase(java.util.Locale.ROOT),
                        "acc_uid", p.jwtUserId() == null ? "" : p.jwtUserId()));
    }

    /** All sessions: supervisors, admins, and the offline report command. */
    public static Access everything() {
        return new Access(EVERYTHING, Map.of());
    }

    /** Whether nothing is hidden (so whole-team aggregates may answer instead of per-operator ones). */
    public boolean unrestricted() {
        return EVERYTHING.equals(predicate);
    }

    /** Whether this principal may change flags and add notes on a session it can see (all can). */
    public static boolean canAnnotate(Principal p) {
        return true;
    }
}
