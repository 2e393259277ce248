package com.zentrix.video.archive;

import com.zentrix.video.auth.Principal;
import java.util.Map;

/**
 * The one place that decides who may see a session, as SQL: supervisors and admins see all; an operator
 * only the sessions whose operator is linked to them (by the JID or JWT user id Prosody saw). Every
 * query that reads sessions, notes or media adds this predicate; a session outside it does not exist.
 */
public record Access(String predicate, Map<String, Object> binds) {

    public static Access of(Principal p) {
        if (p.role().seesEverything()) return new Access("1 = 1", Map.of());
        // An empty string never matches a stored JID or id, so an operator with neither sees nothing.
        return new Access("(s.operator_jid = :acc_jid OR s.operator_user_id = :acc_uid)",
                Map.of("acc_jid", p.xmppJid() == null ? "" : p.xmppJid().toLowerCase(java.util.Locale.ROOT),
                        "acc_uid", p.jwtUserId() == null ? "" : p.jwtUserId()));
    }

    /** Whether this principal may change flags and add notes on a session it can see (all can). */
    public static boolean canAnnotate(Principal p) {
        return true;
    }
}
