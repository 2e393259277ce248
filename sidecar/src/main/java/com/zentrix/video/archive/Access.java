package com.zentrix.video.archive;

import com.zentrix.video.auth.Principal;
import com.zentrix.video.web.ApiException;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The one place that decides who may see a session, as SQL: supervisors and admins see all; an operator
 * only the sessions whose operator is linked to them (by the JID or JWT user id Prosody saw). A session
 * flagged sensitive is further limited by {@link Rule} (zentrix.privacy.sensitive-access), and opening
 * one needs a reason. Every query that reads sessions, notes or media adds this predicate; a session
 * outside it does not exist.
 */
public record Access(String predicate, Map<String, Object> binds) {
    private static final String OWN = "(s.operator_jid = :acc_jid OR s.operator_user_id = :acc_uid)";
    public static final String REASON_HEADER = "X-Access-Reason";

    /**
     * Who may see sensitive sessions: roles ("admin", "supervisor", "operator" — an operator still only
     * among the sessions they see) and "owner" (the session's own operator, whatever their role).
     */
    public record Rule(Set<String> sensitiveAccess) {
        public static final Rule DEFAULT = new Rule(Set.of("admin", "supervisor", "owner"));

        public Access of(Principal p) {
            Map<String, Object> binds = new LinkedHashMap<>();
            // An empty string never matches a stored JID or id, so a principal with neither owns nothing.
            binds.put("acc_jid", p.xmppJid() == null ? "" : p.xmppJid().toLowerCase(Locale.ROOT));
            binds.put("acc_uid", p.jwtUserId() == null ? "" : p.jwtUserId());
            String seen = p.role().seesEverything() ? "1 = 1" : OWN;
            String sensitive;
            if (sensitiveAccess.contains(p.role().wire())) sensitive = null;
            else if (sensitiveAccess.contains("owner")) sensitive = "(s.sensitive = 0 OR " + OWN + ")";
            else sensitive = "s.sensitive = 0";
            return new Access(sensitive == null ? seen : "(" + seen + " AND " + sensitive + ")", Map.copyOf(binds));
        }
    }

    private static final String EVERYTHING = "1 = 1";

    /**
     * Identity only, without the sensitive limit: for figures and the live board, which count sessions
     * and show no recording or note. Supervisors and admins: everything; an operator: their own.
     */
    public static Access identity(Principal p) {
        if (p.role().seesEverything()) return everything();
        // An empty string never matches a stored JID or id, so an operator with neither sees nothing.
        return new Access(OWN, Map.of("acc_jid", p.xmppJid() == null ? "" : p.xmppJid().toLowerCase(Locale.ROOT),
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

    /**
     * The reason given for opening a session (detail or recording): required for a sensitive one, from
     * the X-Access-Reason header or {@code ?reason=}; else 403 reason_required. Null for others.
     */
    public static String reasonToOpen(Map<String, Object> card, Context ctx) {
        if (!Boolean.TRUE.equals(card.get("sensitive"))) return null;
        String r = ctx.header(REASON_HEADER);
        if (r == null || r.isBlank()) r = ctx.queryParam("reason");
        if (r == null || r.isBlank()) {
            throw new ApiException(403, "reason_required", "this recording is sensitive: say why you open it (" + REASON_HEADER + " or ?reason=)");
        }
        r = r.strip();
        return r.length() > 500 ? r.substring(0, 500) : r;
    }

    /** Whether this principal may change flags and add notes on a session it can see (all can). */
    public static boolean canAnnotate(Principal p) {
        return true;
    }
}
