package com.zentrix.video.jibri;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.zentrix.video.recording.RecordingCoordinator;
import com.zentrix.video.web.ApiException;
import com.zentrix.video.web.Bodies;
import io.javalin.http.Context;
import java.io.IOException;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Jibri's webhooks ({@code jitsi/jibri: src/main/kotlin/org/jitsi/jibri/webhooks/v1/WebhookClient.kt}):
 * {@code <prefix>/v1/status} and {@code <prefix>/v1/session/status}, posted chunked and without
 * credentials, so they are taken only from allowed addresses. The HTTP API never says how a session
 * ended; these do.
 */
public final class JibriWebhooks {
    private static final Logger log = LoggerFactory.getLogger(JibriWebhooks.class);
    private static final int MAX_BYTES = 16 * 1024;

    private final ObjectMapper json;
    private final RecordingCoordinator coordinator;
    private final Set<String> allowed;
    private final Map<String, String> jibriStatus = new ConcurrentHashMap<>();

    public JibriWebhooks(ObjectMapper json, RecordingCoordinator coordinator, Set<String> allowed) {
        this.json = json;
        this.coordinator = coordinator;
        this.allowed = allowed;
    }

    private JsonNode read(Context ctx) {
        String ip = ctx.req().getRemoteAddr();
        if (!allowed.contains(ip)) {
            log.warn("jibri webhook refused from {}", ip);
            throw ApiException.forbidden("webhooks are accepted only from configured Jibri addresses");
        }
        try {
            JsonNode node = json.readTree(Bodies.readLimited(ctx, MAX_BYTES));
            if (node == null || !node.isObject()) throw ApiException.badRequest("bad_webhook", "body must be a JSON object");
            return node;
        } catch (IOException e) {
            throw ApiException.badRequest("bad_webhook", "body is not valid JSON");
        }
    }

    public void status(Context ctx) {
        JsonNode body = read(ctx);
        String id = body.path("jibriId").asText("");
        if (id.isEmpty()) throw ApiException.badRequest("bad_webhook", "field 'jibriId' is missing");
        JsonNode st = body.path("status");
        String summary = st.path("busyStatus").asText("?") + "/" + st.path("health").path("healthStatus").asText("?");
        String previous = jibriStatus.put(id, summary);
        if (!summary.equals(previous)) log.info("jibri {} is {}", id, summary);
        ctx.status(200);
    }

    public void sessionStatus(Context ctx) {
        JsonNode body = read(ctx);
        JsonNode session = body.path("session");
        String sessionId = session.path("sessionId").asText("");
        String status = session.path("status").asText("");
        if (sessionId.isEmpty()) throw ApiException.badRequest("bad_webhook", "field 'session.sessionId' is missing");
        if (!status.equals("ON") && !status.equals("OFF")) {
            throw ApiException.badRequest("bad_webhook", "field 'session.status' must be ON or OFF");
        }
        JsonNode failure = session.path("failure");
        String why = null;
        if (!failure.isMissingNode() && !failure.isNull()) {
            String detail = failure.path("error").path("detail").asText("");
            why = failure.path("reason").asText("ERROR") + (detail.isEmpty() ? "" : ": " + detail);
        }
        log.info("jibri {} session {} is {}{}", body.path("jibriId").asText("?"), sessionId, status,
                why == null ? "" : " failure=" + why);
        coordinator.onRecorderStatus(sessionId, status.equals("ON"), why);
        ctx.status(200);
    }

    /** Last status each Jibri reported (busy/health), by Jibri id. */
    public Map<String, String> statuses() {
        return Map.copyOf(jibriStatus);
    }
}
