package com.zentrix.video.jibri.xmpp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.zentrix.video.config.ZentrixConfig;
import com.zentrix.video.jibri.JibriControl;
import com.zentrix.video.web.Signatures;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records the way Jitsi does: asks mod_zentrix_events ({@code POST <base>/jibri}, docs/protocol.md
 * "Recording through Jicofo") to send Jitsi's Jibri IQ to the room's focus from the operator's own
 * session. Jicofo checks the operator is a moderator, picks a Jibri from its brewery and answers with
 * its session id ({@code jitsi/jicofo: jibri/JibriRecorder.kt handleStartRequest}) or an error
 * ({@code not-allowed}, {@code resource-constraint} "all Jibris are busy", {@code service-unavailable}
 * "no Jibris available"). What happens next arrives as recording-status events.
 */
public final class FocusJibriControl implements JibriControl {
    private static final Logger log = LoggerFactory.getLogger(FocusJibriControl.class);

    /**
     * Jicofo's refusals that carry no text, explained (jitsi/jicofo: jibri/BaseJibri.kt
     * verifyModeratorRole, doHandleIQRequest).
     */
    private static final java.util.Map<String, String> MEANING = java.util.Map.of(
            "not-allowed", "the operator is not a moderator in the room",
            "forbidden", "the operator is not a member of the conference",
            "item-not-found", "no recording is running in the room");

    private final ZentrixConfig.Focus config;
    private final URI url;
    private final Signatures signatures;
    private final ObjectMapper json;
    private final Clock clock;
    private final HttpClient http;

    public FocusJibriControl(ZentrixConfig.Focus config, Signatures signatures, ObjectMapper json, Clock clock) {
        this.config = config;
        this.url = URI.create(config.controlUrl());
        this.signatures = signatures;
        this.json = json;
        this.clock = clock;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).version(HttpClient.Version.HTTP_1_1).build();
    }

    /** What the module answered: Jicofo's result or error, or the module's own refusal. */
    record Answer(boolean accepted, String sessionId, String focus, String why, String code) {
        Answer(boolean accepted, String sessionId, String focus, String why) {
            this(accepted, sessionId, focus, why, null);
        }
    }

    @Override
    public StartResult start(String jibriSessionId, Target target) {
        if (target.staffOccupant() == null) {
            return StartResult.failed("no operator in the room to ask Jicofo on behalf of");
        }
        ObjectNode body = request("start", target);
        body.put("app_data", config.appData().replace("{session}", jibriSessionId));
        Answer a = send(body);
        if (!a.accepted()) return StartResult.failed(a.why());
        if (a.sessionId() == null || a.sessionId().isBlank()) {
            return StartResult.failed("Jicofo accepted the recording but gave no session id");
        }
        return StartResult.ok("jicofo:" + a.focus(), a.sessionId());
    }

    /** Jicofo publishes the recorder's state in the room; there is nothing to poll. */
    @Override
    public Boolean busy(String jibriUrl) {
        return null;
    }

    /** Returns once Jicofo has taken the stop; Jibri stops (and finalizes) after, and Jicofo says off. */
    @Override
    public void stop(String jibriUrl, String jibriSessionId, Target target) throws IOException {
        ObjectNode body = request("stop", target);
        body.put("session_id", jibriSessionId);
        Answer a = send(body);
        if (!a.accepted() && ("not-in-room".equals(a.code()) || "not-allowed".equals(a.code()))) {
            throw new NoModerator("no moderator in the room to stop the recording through Jicofo: " + a.why());
        }
        if (!a.accepted()) throw new IOException("stopping through Jicofo failed: " + a.why());
    }

    private ObjectNode request(String action, Target target) {
        ObjectNode body = json.createObjectNode();
        body.put("action", action);
        body.put("room", target.roomJid());
        if (target.staffOccupant() != null) body.put("occupant", target.staffOccupant());
        return body;
    }

    private Answer send(ObjectNode request) {
        byte[] body = request.toString().getBytes(StandardCharsets.UTF_8);
        String ts = Long.toString(clock.instant().getEpochSecond());
        byte[] head = ("POST " + url.getRawPath() + "\n").getBytes(StandardCharsets.UTF_8);
        byte[] payload = new byte[head.length + body.length];
        System.arraycopy(head, 0, payload, 0, head.length);
        System.arraycopy(body, 0, payload, head.length, body.length);
        String action = request.path("action").asText();
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(url).timeout(config.timeout())
                    .header("Content-Type", "application/json")
                    .header(Signatures.TIMESTAMP_HEADER, ts).header(Signatures.SIGNATURE_HEADER, signatures.sign(ts, payload))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
            JsonNode answer = parse(r.body());
            if (r.statusCode() == 200 && "result".equals(answer.path("type").asText())) {
                log.info("Jicofo took the {} room={} as={} jibriSession={}", action, request.path("room").asText(),
                        answer.path("sender").asText(), answer.path("session_id").asText(null));
                return new Answer(true, answer.path("session_id").asText(null), answer.path("focus").asText(""), null);
            }
            String why;
            String code;
            if (r.statusCode() == 200 && "error".equals(answer.path("type").asText())) {
                String condition = answer.path("condition").asText("undefined-condition");
                code = condition;
                String text = answer.path("text").asText("");
                if (text.isBlank()) text = MEANING.getOrDefault(condition, "");
                why = "Jicofo refused: " + condition + (text.isBlank() ? "" : ": " + text)
                        + " (asked as " + answer.path("sender").asText("?") + ")";
            } else if (answer.hasNonNull("error")) {
                code = answer.path("error").asText();
                why = "Prosody module: " + answer.path("error").asText() + ": " + answer.path("message").asText("HTTP " + r.statusCode());
            } else {
                code = null;
                why = "Prosody module answered HTTP " + r.statusCode();
            }
            log.info("Jibri {} not taken room={}: {}", action, request.path("room").asText(), why);
            return new Answer(false, null, null, why, code);
        } catch (ConnectException e) {
            return new Answer(false, null, null, "Prosody module at " + url + ": connection refused");
        } catch (HttpTimeoutException e) {
            return new Answer(false, null, null, "Prosody module at " + url + ": no answer within " + config.timeout().toSeconds() + " s");
        } catch (IOException e) {
            return new Answer(false, null, null, "Prosody module at " + url + ": " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Answer(false, null, null, "interrupted");
        }
    }

    private JsonNode parse(String body) {
        try {
            JsonNode n = json.readTree(body == null ? "" : body);
            return n == null ? json.createObjectNode() : n;
        } catch (IOException e) {
            return json.createObjectNode();
        }
    }

    /** Jicofo keeps the room's recording status in the focus's presence, which the snapshot carries. */
    @Override
    public boolean stateInRoom() {
        return true;
    }

    @Override
    public boolean stopWaitsForFinalize() {
        return false; // Jicofo answers the stop at once and stops its Jibri in the background
    }
}
