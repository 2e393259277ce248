package com.zentrix.video.archive;

import com.zentrix.video.auth.Principal;
import com.zentrix.video.web.ApiException;
import io.javalin.http.Context;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The reasons given for opening sensitive sessions, kept per login and session for a while. The web UI
 * gives its reason once, in a POST body ({@code POST /api/v1/sessions/{id}/access}); the session's page
 * and its recording then open without one in the URL. A reason in a URL ({@code ?reason=}, the only way
 * a video element's own request could carry it, as it sends no headers) is written to every web server
 * and proxy log on the way; a body is not. Every view and playback is still audited with the reason.
 * Kept in memory: after a restart, or {@link #KEEP} later, the page asks again.
 */
public final class OpenReasons {
    /** How long a reason given by a login for a session serves that login's requests about it. */
    public static final Duration KEEP = Duration.ofMinutes(30);
    private static final int PRUNE_ABOVE = 10_000;

    private record Given(String reason, long untilMs) {}

    private final Map<String, Given> given = new ConcurrentHashMap<>();
    private final Clock clock;

    public OpenReasons(Clock clock) {
        this.clock = clock;
    }

    /** One login (its CSRF token is its own), or a bearer token's holder, and one session. */
    private static String key(Principal p, long sessionId) {
        return p.userId() + "/" + p.username() + "/" + (p.csrf() == null ? p.via() : p.csrf()) + "/" + sessionId;
    }

    public void give(Principal p, long sessionId, String reason) {
        long now = clock.millis();
        if (given.size() > PRUNE_ABOVE) given.values().removeIf(g -> g.untilMs() <= now);
        given.put(key(p, sessionId), new Given(reason, now + KEEP.toMillis()));
    }

    /**
     * The reason for opening this session, for the audit: null when it is not sensitive; the one given
     * with this request ({@value Access#REASON_HEADER} or {@code ?reason=}, for API clients; kept as if
     * posted) or the one this login posted; else 403 reason_required.
     */
    public String toOpen(boolean sensitive, Principal p, long sessionId, Context ctx) {
        if (!sensitive) return null;
        String r = ctx.header(Access.REASON_HEADER);
        if (r == null || r.isBlank()) r = ctx.queryParam("reason");
        if (r != null && !r.isBlank()) {
            r = cut(r);
            give(p, sessionId, r);
            return r;
        }
        Given g = given.get(key(p, sessionId));
        if (g != null && g.untilMs() > clock.millis()) return g.reason();
        throw new ApiException(403, "reason_required", "this recording is sensitive: say why you open it (POST /api/v1/sessions/"
                + sessionId + "/access {\"reason\": …}, or " + Access.REASON_HEADER + ")");
    }

    static String cut(String reason) {
        String r = reason.strip();
        return r.length() > 500 ? r.substring(0, 500) : r;
    }
}
