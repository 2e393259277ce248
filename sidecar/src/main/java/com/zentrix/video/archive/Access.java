package com.zentrix.video.archive;

import com.zentrix.video.auth.Principal;
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
    /**
     * "The session's operator is this person", as simple as their identities allow: with one identity
     * it is a single indexed equality, so SQLite walks that operator's index in date order and a page
     * costs the same whether they have ten sessions or a hundred thousand (docs/BENCHMARKS.md).
     */
    private static String own(Principal p) {
        boolean jid = p.xmppJid() != null && !p.xmppJid().isBlank();
        boolean uid = p.jwtUserId() != null && !p.jwtUserId().isBlank();
        if (jid && uid) return "(s.operator_jid = :acc_jid OR s.operator_user_id = :acc_uid)";
        if (jid) return "s.operator_jid = :acc_jid";
        if (uid) return "s.operator_user_id = :acc_uid";
        return "0 = 1"; // no identity links this principal to any session
    }
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
            String own = own(p);
            String seen = p.role().seesEverything() ? "1 = 1" : own;
            String sensitive;
            if (sensitiveAccess.contains(p.role().wire())) sensitive = null;
            else if (sensitiveAccess.contains("owner")) sensitive = "(s.sensitive = 0 OR " + own + ")";
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
        return new Access(own(p), Map.of("acc_jid", p.xmppJid() == null ? "" : p.xmppJid().toLowerCase(Locale.ROOT),
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
}
