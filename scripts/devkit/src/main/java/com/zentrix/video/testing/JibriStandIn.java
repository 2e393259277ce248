package com.zentrix.video.testing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A stand-in for Jibri driven through its HTTP API, for tests and the demo: the same routes, status
 * codes, webhooks, session directory layout, metadata.json and blocking finalize as the real Jibri,
 * with ffmpeg recording a synthetic test pattern instead of a browser in the call.
 *
 * <p>Behaviour matched against jitsi/jibri master (read, not copied; the file each behaviour lives in):
 * <ul>
 *   <li>{@code api/http/HttpApi.kt}: routes under {@code /jibri/api/v1.0}; {@code startService} answers
 *       200 empty once accepted ("start service is largely async"), 412 {@code Jibri is currently busy},
 *       412 with the IllegalStateException text ({@code Call login params missing}, {@code Stream key
 *       missing}, {@code SIP client params missing}), 500 empty for anything else — including a body
 *       Jackson cannot bind (malformed JSON, missing sessionId/callParams/callUrlInfo/sinkType, unknown
 *       sinkType, and unknown properties, which Ktor's default Jackson mapper rejects) and a request
 *       whose Content-Type is not application/json (Ktor's ContentNegotiation then leaves the body
 *       unconverted and {@code receive} fails inside the catch-all);
 *       {@code stopService} always 200. Session webhooks are sent only for HTTP-started sessions: ON
 *       when the service is Running, OFF when Finished, OFF with {@code failure} and
 *       {@code shouldRetry} on an Error.</li>
 *   <li>{@code RecordingSinkType.java}: sinkType is case-insensitive ({@code valueOf(text.toUpperCase())}).</li>
 *   <li>{@code JibriManager.kt}: one session at a time; start and stop are mutually exclusive
 *       ({@code @Synchronized}); BUSY is published before the 200 of startService; stopService blocks
 *       until {@code service.stop()} returned (ffmpeg stopped, metadata written, finalize script
 *       exited), then publishes IDLE, then the HTTP answer goes out; a stop while idle is a no-op.
 *       A service Error or Finished triggers the same stop path.</li>
 *   <li>{@code service/impl/FileRecordingJibriService.kt}, {@code sink/impl/FileSink.kt}: session dir
 *       {@code <recordings>/<sessionId with [^a-zA-Z0-9_-] replaced by _>}, created when the service
 *       starts (after the 200); media file {@code <callName truncated>_<yyyy-MM-dd-HH-mm-ss>.mp4}, local
 *       time of acceptance, whole name at most 125 chars, callName not sanitised; on stop: no media file
 *       → delete the dir, no metadata, no finalize; else metadata.json
 *       {@code {"meeting_url":<callUrl>,"participants":[...]}} then finalize.</li>
 *   <li>{@code service/impl/JibriServiceFinalizeCommandRunner.kt}: finalize runs as
 *       {@code [script, <session dir>]}, synchronously, output logged, waits for the output reader at
 *       most 10 s after exit, exit value only logged.</li>
 *   <li>{@code webhooks/v1/WebhookClient.kt}, {@code webhooks/v1/Events.kt},
 *       {@code status/JibriStatusManager.kt}: POST {@code <subscriber>/v1/status} on busy changes and
 *       every minute, {@code <subscriber>/v1/session/status} for sessions; JSON with nulls included;
 *       2 s request timeout, no retry, non-200 only logged; every subscriber in parallel, the caller
 *       waits for all of them. The body is streamed, so it goes out chunked (no Content-Length).</li>
 *   <li>{@code health/JibriHealth.kt}: {@code {"status":{"busyStatus":..,"health":{"healthStatus":..,"details":{}}}}},
 *       {@code environmentContext} omitted (always null for HTTP-started sessions).</li>
 *   <li>{@code capture/ffmpeg/FfmpegCapturer.kt}, {@code capture/ffmpeg/OutputParser.kt},
 *       {@code capture/ffmpeg/FfmpegStatusStateMachine.kt}, {@code util/ProcessStatePublisher.kt}: the
 *       capturer is Running at ffmpeg's first progress line; a graceful stop makes ffmpeg print its
 *       exit line, which the still-running output tail turns into Finished — so the real Jibri sends
 *       session OFF as soon as ffmpeg has exited, <em>before</em> metadata.json and the finalize
 *       script (the tail thread sends it while the stop thread carries on). This stand-in does the
 *       same by default; {@link #offWebhookAfterFinalize(boolean)} moves OFF after the finalize.
 *       ffmpeg exiting on its own gives Error(SESSION, last output line) (QuitUnexpectedly), so OFF
 *       carries that line as the failure detail, shouldRetry true.</li>
 *   <li>{@code selenium/Errors.kt}: "Failed to join the call" (SESSION scope, shouldRetry true).</li>
 * </ul>
 *
 * <p>Deliberate differences: ffmpeg is stopped by writing {@code q} to its stdin (Jibri sends SIGINT;
 * both make ffmpeg write the moov atom); there is no browser, so the join is a configurable delay;
 * participants are always {@code []} (as in most real deployments, jitsi/jibri#283); STREAM and GATEWAY
 * requests pass Jibri's validation and are then refused with 500. A stop while still joining sends no
 * session webhook at all, as in Jibri (no component reached Running or Finished).
 *
 * <p>Faults (settable at any time, also by CLI flags): {@link #busyAlways}, {@link #failStart500},
 * {@link #failToJoin}, {@link #dieMidRecordingAfter} (SIGKILL: the mp4 has no moov atom, finalize still
 * runs on it — what a crashed ffmpeg leaves the real Jibri), {@link #skipFinalize},
 * {@link #corruptMp4} (the mp4 is cut to a third before finalize), {@link #endCallAfter} (the call
 * ends by itself, as Jibri's empty-call check does: OFF without failure, then finalize),
 * {@link #loseStops} (stopService requests lost on the way: the connection closes with no answer and
 * the recording goes on, as when a proxy or the network drops them), {@link #answerStartsLate} (a start
 * taken but answered after the caller's timeout).
 */
public final class JibriStandIn implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(JibriStandIn.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String API = "/jibri/api/v1.0";
    private static final int MAX_FILENAME_LENGTH = 125; // FileSink.MAX_FILENAME_LENGTH
    private static final DateTimeFormatter FILE_TIMESTAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd-HH-mm-ss");
    private static final Duration WEBHOOK_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration FFMPEG_STOP_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration FINALIZE_OUTPUT_GRACE = Duration.ofSeconds(10);

    // Jackson (FAIL_ON_UNKNOWN_PROPERTIES, on by default in Ktor's mapper) rejects any other property.
    private static final Set<String> START_FIELDS =
            Set.of("sessionId", "callParams", "callLoginParams", "sinkType", "youTubeStreamKey", "sipClientParams");
    private static final Set<String> CALL_PARAMS_FIELDS = Set.of(
            "callUrlInfo", "email", "passcode", "callStatsUsernameOverride", "displayName", "extraUrlParams");
    private static final Set<String> CALL_URL_INFO_FIELDS = Set.of("baseUrl", "callName", "tenant", "urlParams");
    private static final Set<String> LOGIN_FIELDS = Set.of("domain", "port", "username", "password", "randomizeUsername");

    /** Jibri's busy status as reported by /health and the status webhook. */
    public enum BusyStatus { IDLE, BUSY }

    /** Where the stand-in is in a session's life; {@link #awaitPhase} waits for one. */
    public enum Phase { IDLE, JOINING, RECORDING, STOPPING }

    /** One startService request as received, whatever its answer. {@code body} is null when not JSON. */
    public record StartRequest(Instant receivedAt, String rawBody, JsonNode body, int status, String answer) {
        public String sessionId() {
            return body == null ? null : body.path("sessionId").asText(null);
        }
    }

    /** One stopService request; {@code sessionId} is the session it stopped, null when idle. */
    public record StopRequest(Instant receivedAt, Instant answeredAt, String sessionId) { }

    /**
     * How a session ended. {@code endReason}: stopService, failed-to-join, ffmpeg-exited,
     * call-ended, error. {@code finalizeExitCode} is null when finalize did not run.
     */
    public record SessionOutcome(String sessionId, Path directory, Path mediaFile, Instant acceptedAt,
                                 Instant recordingStartedAt, Instant endedAt, String endReason, JsonNode failure,
                                 boolean metadataWritten, Integer finalizeExitCode, String finalizeOutput) { }

    // ---- configuration (fixed at start) ----
    private final Path recordingsDir;
    private final Path finalizeScript;
    private final int nice;
    /** Jibri's 10 s; a niced stand-in on a saturated host gets longer, as its own machine would not need it. */
    private final Duration ffmpegStopTimeout;
    private final Map<String, String> finalizeEnvironment;
    private final String jibriId;
    private final Duration maxRecording;
    private final String ffmpegBinary;
    private final String videoSource;
    private final String audioSource;
    private final List<String> webhookSubscribers = new CopyOnWriteArrayList<>();

    // ---- faults and timings (settable at runtime) ----
    private volatile Duration joinDelay;
    private volatile Duration joinTimeout;
    private volatile boolean busyAlways;
    private volatile boolean failStart500;
    private volatile boolean failToJoin;
    private volatile Duration dieMidRecordingAfter;
    private volatile boolean skipFinalize;
    private volatile boolean corruptMp4;
    private final java.util.concurrent.atomic.AtomicInteger lostStops = new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.concurrent.atomic.AtomicInteger lostOns = new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.concurrent.atomic.AtomicInteger lateStarts = new java.util.concurrent.atomic.AtomicInteger();
    private volatile Duration lateStartDelay = Duration.ZERO;
    private final java.util.concurrent.atomic.AtomicInteger stopsLost = new java.util.concurrent.atomic.AtomicInteger();
    private volatile Duration endCallAfter;
    private volatile boolean offWebhookAfterFinalize;

    // ---- state ----
    /** Plays JibriManager's monitor: start, stop and the state transitions happen under it. */
    private final ReentrantLock manager = new ReentrantLock();
    private final Object phaseMonitor = new Object();
    private volatile Session current;
    private volatile Phase phase = Phase.IDLE;
    private volatile BusyStatus busyStatus = BusyStatus.IDLE;
    private volatile boolean healthy = true;
    private volatile boolean closed;
    private final List<StartRequest> startRequests = new CopyOnWriteArrayList<>();
    private final List<StopRequest> stopRequests = new CopyOnWriteArrayList<>();
    private final List<SessionOutcome> outcomes = new CopyOnWriteArrayList<>();
    private final Map<String, Instant> mediaZero = new java.util.concurrent.ConcurrentHashMap<>();

    private final HttpServer server;
    private final HttpClient webhookClient;
    private final ExecutorService httpExecutor = Executors.newCachedThreadPool(daemon("jibri-standin-http"));
    private final ExecutorService workers = Executors.newCachedThreadPool(daemon("jibri-standin-worker"));
    /** One thread, so webhooks leave in the order they were produced (BUSY, ON, OFF, IDLE). */
    private final ExecutorService webhookSender = Executors.newSingleThreadExecutor(daemon("jibri-standin-webhook"));
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(daemon("jibri-standin-timer"));

    private JibriStandIn(Builder b) throws IOException {
        this.recordingsDir = b.recordingsDir.toAbsolutePath();
        this.finalizeScript = b.finalizeScript;
        this.finalizeEnvironment = Map.copyOf(b.finalizeEnvironment);
        this.jibriId = b.jibriId;
        this.maxRecording = b.maxRecording;
        this.ffmpegBinary = b.ffmpeg;
        this.nice = b.nice;
        this.ffmpegStopTimeout = b.nice == 0 ? FFMPEG_STOP_TIMEOUT : FFMPEG_STOP_TIMEOUT.multipliedBy(4);
        this.videoSource = b.videoSource;
        this.audioSource = b.audioSource;
        this.joinDelay = b.joinDelay;
        this.joinTimeout = b.joinTimeout;
        this.webhookSubscribers.addAll(b.webhooks);
        Files.createDirectories(recordingsDir);
        this.webhookClient = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(WEBHOOK_TIMEOUT)
                .executor(workers)
                .build();
        this.server = HttpServer.create(new InetSocketAddress(b.host, b.port), 50);
        server.createContext(API + "/health", this::handleHealth);
        server.createContext(API + "/startService", this::handleStart);
        server.createContext(API + "/stopService", this::handleStop);
        server.createContext("/", ex -> respond(ex, 404, null, null));
        server.setExecutor(httpExecutor);
        server.start();
        if (!b.statusInterval.isZero()) {
            long ms = b.statusInterval.toMillis();
            scheduler.scheduleAtFixedRate(() -> webhookSender.submit(() -> deliver("/v1/status", statusEvent())),
                    ms, ms, TimeUnit.MILLISECONDS);
        }
        log.info("Jibri stand-in {} listening on {} (recordings {}, finalize {}, webhooks {})",
                jibriId, baseUrl(), recordingsDir, finalizeScript, webhookSubscribers);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Settings fixed for the stand-in's life; faults are set on the running instance. */
    public static final class Builder {
        private String host = "127.0.0.1"; // Jibri's external-api-host default since jitsi/jibri#603
        private int port;
        private Path recordingsDir;
        private Path finalizeScript;
        private final Map<String, String> finalizeEnvironment = new LinkedHashMap<>();
        private final List<String> webhooks = new ArrayList<>();
        private String jibriId = "jibri-standin";
        private Duration joinDelay = Duration.ofSeconds(1);
        private Duration joinTimeout = Duration.ofSeconds(30); // Jibri's wait for the call page to join
        private Duration maxRecording = Duration.ofHours(1);
        private Duration statusInterval = Duration.ofMinutes(1); // WebhookClient's periodic status
        private String ffmpeg = "ffmpeg";
        private int nice;
        private String videoSource = "testsrc=size=320x240:rate=15";
        private String audioSource = "sine=frequency=440:sample_rate=48000";

        private Builder() { }

        public Builder host(String host) { this.host = host; return this; }
        /** 0 (the default) picks a free port; see {@link JibriStandIn#port()}. */
        public Builder port(int port) { this.port = port; return this; }
        public Builder recordingsDir(Path dir) { this.recordingsDir = dir; return this; }
        /** Jibri's {@code jibri.recording.finalize-script}; null runs none. */
        public Builder finalizeScript(Path script) { this.finalizeScript = script; return this; }
        /** Extra environment for the finalize script (Jibri passes its own environment through). */
        public Builder finalizeEnvironment(String name, String value) { finalizeEnvironment.put(name, value); return this; }
        /** A {@code jibri.webhook.subscribers} entry, e.g. {@code http://127.0.0.1:8095/api/v1/jibri}. */
        public Builder webhookSubscriber(String baseUrl) { webhooks.add(stripSlash(baseUrl)); return this; }
        public Builder jibriId(String id) { this.jibriId = id; return this; }
        public Builder joinDelay(Duration d) { this.joinDelay = d; return this; }
        public Builder joinTimeout(Duration d) { this.joinTimeout = d; return this; }
        /** Safety cap handed to ffmpeg as {@code -t}; reaching it counts as ffmpeg exiting on its own. */
        public Builder maxRecording(Duration d) { this.maxRecording = d; return this; }
        /** Period of the unsolicited status webhook; zero disables it. */
        public Builder statusInterval(Duration d) { this.statusInterval = d; return this; }
        public Builder ffmpeg(String binary) { this.ffmpeg = binary; return this; }
        /**
         * Runs its ffmpeg and finalize script at this CPU niceness ({@code nice -n}). A real Jibri has a
         * machine of its own (one browser and one ALSA loopback per Jibri); a test that puts a hundred
         * stand-ins on the sidecar's two cores uses this so that their load does not stand in for the
         * sidecar's own. 0 (the default) runs them as they are. A niced ffmpeg is given 40 s instead of
         * Jibri's 10 s to write its file's end after the stop: starved of CPU it would otherwise be killed
         * and leave a file without its moov atom, which a Jibri on its own machine does not.
         */
        public Builder nice(int n) { this.nice = n; return this; }
        /**
         * The lavfi sources ffmpeg records (default a 320x240 15 fps test pattern and a 440 Hz tone); a
         * tiny picture lets one machine run a hundred stand-ins at once, still h264 + aac in an mp4.
         */
        public Builder capture(String lavfiVideo, String lavfiAudio) {
            this.videoSource = lavfiVideo;
            this.audioSource = lavfiAudio;
            return this;
        }

        public JibriStandIn start() throws IOException {
            Objects.requireNonNull(recordingsDir, "recordingsDir");
            return new JibriStandIn(this);
        }
    }

    // =====================================================================================
    // Accessors for tests
    // =====================================================================================

    public int port() { return server.getAddress().getPort(); }

    /** e.g. {@code http://127.0.0.1:2222/jibri/api/v1.0} */
    public String baseUrl() {
        return "http://" + server.getAddress().getAddress().getHostAddress() + ":" + port() + API;
    }

    public Path recordingsDir() { return recordingsDir; }
    public String jibriId() { return jibriId; }
    public BusyStatus busyStatus() { return busyStatus; }
    public Phase phase() { return phase; }
    public Optional<String> currentSessionId() {
        Session s = current;
        return s == null ? Optional.empty() : Optional.of(s.sessionId);
    }
    /** The media file of the current session (it may not exist yet). */
    public Optional<Path> currentMediaFile() {
        Session s = current;
        return s == null ? Optional.empty() : Optional.of(s.mediaFile);
    }
    public List<StartRequest> startRequests() { return List.copyOf(startRequests); }
    public List<StopRequest> stopRequests() { return List.copyOf(stopRequests); }
    public List<SessionOutcome> outcomes() { return List.copyOf(outcomes); }
    public Optional<SessionOutcome> lastOutcome() {
        List<SessionOutcome> all = outcomes();
        return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
    }

    public void addWebhookSubscriber(String baseUrl) { webhookSubscribers.add(stripSlash(baseUrl)); }

    /** Waits until the stand-in is in {@code wanted}; throws {@link IllegalStateException} on timeout. */
    public void awaitPhase(Phase wanted, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (phaseMonitor) {
            while (phase != wanted) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new IllegalStateException("Jibri stand-in still " + phase + " after " + timeout
                            + ", wanted " + wanted);
                }
                TimeUnit.NANOSECONDS.timedWait(phaseMonitor, left);
            }
        }
    }

    /** Waits until ffmpeg is recording and returns the media file. */
    public Path awaitRecording(Duration timeout) throws InterruptedException {
        awaitPhase(Phase.RECORDING, timeout);
        return currentMediaFile().orElseThrow();
    }

    public void awaitIdle(Duration timeout) throws InterruptedException {
        awaitPhase(Phase.IDLE, timeout);
    }

    // =====================================================================================
    // Faults and timings
    // =====================================================================================

    public JibriStandIn busyAlways(boolean on) { busyAlways = on; return this; }
    public JibriStandIn failStart500(boolean on) { failStart500 = on; return this; }
    /** The call is never joined: after the join timeout the session fails as in Jibri. */
    public JibriStandIn failToJoin(boolean on) { failToJoin = on; return this; }
    /** SIGKILL ffmpeg this long after it started recording; null disables. */
    public JibriStandIn dieMidRecordingAfter(Duration after) { dieMidRecordingAfter = after; return this; }
    public JibriStandIn skipFinalize(boolean on) { skipFinalize = on; return this; }
    public JibriStandIn corruptMp4(boolean on) { corruptMp4 = on; return this; }
    /** The next {@code count} stopService requests are lost: the connection closes unanswered, nothing stops. */
    public JibriStandIn loseStops(int count) { lostStops.set(count); return this; }
    /**
     * The next {@code count} session ON webhooks never arrive, as when the subscriber does not answer
     * within Jibri's 2 s request timeout: Jibri logs it and never sends that ON again (WebhookClient.kt).
     */
    public JibriStandIn loseOnWebhooks(int count) { lostOns.set(count); return this; }
    /**
     * The next {@code count} starts it takes are answered only {@code delay} later, as from a Jibri (or a
     * proxy before it) too loaded to answer in time: the session is already taken and goes on, and a
     * stopService meanwhile is handled as usual (the answer is held outside JibriManager's lock).
     */
    public JibriStandIn answerStartsLate(int count, Duration delay) {
        lateStartDelay = delay;
        lateStarts.set(count);
        return this;
    }
    /** How many stopService requests were lost so far. */
    public int stopsLost() { return stopsLost.get(); }
    /** The call ends by itself this long after recording started (Jibri's empty-call check); null disables. */
    public JibriStandIn endCallAfter(Duration after) { endCallAfter = after; return this; }
    /**
     * The call ends now, as Jibri's own checks end it (selenium/status_checks: EmptyCallStatusCheck →
     * CallEmpty, LocalParticipantKicked → Finished): OFF without failure, then finalize. Returns at once.
     */
    public void endCall() {
        workers.submit(() -> {
            log.info("The call ended by itself (Finished)");
            stopService("call-ended");
        });
    }

    /** Send session OFF after the finalize script instead of right after ffmpeg exits (Jibri's order). */
    public JibriStandIn offWebhookAfterFinalize(boolean on) { offWebhookAfterFinalize = on; return this; }
    public JibriStandIn joinDelay(Duration d) { joinDelay = d; return this; }
    public JibriStandIn joinTimeout(Duration d) { joinTimeout = d; return this; }

    // =====================================================================================
    // HTTP API
    // =====================================================================================

    private void handleHealth(HttpExchange ex) throws IOException {
        if (!ex.getRequestURI().getPath().equals(API + "/health")) { respond(ex, 404, null, null); return; }
        if (!"GET".equals(ex.getRequestMethod())) { respond(ex, 405, null, null); return; }
        ObjectNode health = JsonNodeFactory.instance.objectNode();
        health.set("status", statusNode());
        respond(ex, 200, "application/json", JSON.writeValueAsString(health));
    }

    private void handleStart(HttpExchange ex) throws IOException {
        if (!ex.getRequestURI().getPath().equals(API + "/startService")) { respond(ex, 404, null, null); return; }
        if (!"POST".equals(ex.getRequestMethod())) { respond(ex, 405, null, null); return; }
        Instant receivedAt = Instant.now();
        String raw = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        JsonNode body = null;
        int status;
        String answer = null;
        boolean late = false;
        try {
            if (!isJson(ex.getRequestHeaders().getFirst("Content-Type"))) {
                // Ktor's ContentNegotiation converts only application/json; receive() then fails → 500
                throw new IllegalArgumentException("Content-Type is not application/json: "
                        + ex.getRequestHeaders().getFirst("Content-Type"));
            }
            body = JSON.readTree(raw);
            StartParams params = StartParams.parse(body);
            if (failStart500) {
                throw new IllegalArgumentException("fault failStart500");
            }
            accept(params);
            status = 200;
            late = lateStarts.getAndUpdate(n -> Math.max(0, n - 1)) > 0;
        } catch (BusyException e) {
            status = 412;
            answer = "Jibri is currently busy";
        } catch (IllegalStateException e) {
            status = 412;
            answer = e.getMessage();
        } catch (JsonProcessingException | IllegalArgumentException e) {
            log.info("startService refused with 500: {}", e.getMessage());
            status = 500;
        } catch (RuntimeException e) {
            log.error("startService failed", e);
            status = 500;
        }
        startRequests.add(new StartRequest(receivedAt, raw, body, status, answer));
        if (late) {
            log.info("fault answerStartsLate: the start is taken, answering in {} ms", lateStartDelay.toMillis());
            try {
                Thread.sleep(lateStartDelay.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        respond(ex, status, answer == null ? null : "text/plain; charset=UTF-8", answer);
    }

    private void handleStop(HttpExchange ex) throws IOException {
        if (!ex.getRequestURI().getPath().equals(API + "/stopService")) { respond(ex, 404, null, null); return; }
        if (!"POST".equals(ex.getRequestMethod())) { respond(ex, 405, null, null); return; }
        Instant receivedAt = Instant.now();
        ex.getRequestBody().readAllBytes();
        if (lostStops.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            stopsLost.incrementAndGet();
            log.info("fault loseStops: stopService lost, the recording goes on");
            ex.close(); // no answer: the caller sees the connection close
            return;
        }
        String stopped = stopService("stopService");
        stopRequests.add(new StopRequest(receivedAt, Instant.now(), stopped)); // before the answer, so tests see it
        respond(ex, 200, null, null);
    }

    private static boolean isJson(String contentType) {
        if (contentType == null) {
            return false;
        }
        int semicolon = contentType.indexOf(';');
        String type = (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).trim();
        return type.equalsIgnoreCase("application/json");
    }

    private static void respond(HttpExchange ex, int status, String contentType, String body) throws IOException {
        try {
            if (body == null) {
                ex.sendResponseHeaders(status, -1);
                return;
            }
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", contentType);
            ex.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(bytes);
            }
        } finally {
            ex.close();
        }
    }

    // =====================================================================================
    // Sessions (JibriManager + FileRecordingJibriService)
    // =====================================================================================

    private static final class BusyException extends RuntimeException {
        BusyException() { super("busy", null, false, false); }
    }

    /** The part of Jibri's StartServiceParams a FILE session uses. */
    private record StartParams(String sessionId, String baseUrl, String callName, List<String> urlParams) {

        static StartParams parse(JsonNode body) {
            if (body == null || !body.isObject()) {
                throw new IllegalArgumentException("body is not a JSON object");
            }
            requireKnownFields(body, START_FIELDS, "StartServiceParams");
            String sessionId = requiredText(body, "sessionId");
            JsonNode callParams = requiredObject(body, "callParams");
            requireKnownFields(callParams, CALL_PARAMS_FIELDS, "CallParams");
            JsonNode urlInfo = requiredObject(callParams, "callUrlInfo");
            requireKnownFields(urlInfo, CALL_URL_INFO_FIELDS, "CallUrlInfo");
            String sinkText = requiredText(body, "sinkType");
            String sinkType = sinkText.toUpperCase(Locale.ROOT);
            JsonNode login = body.get("callLoginParams");
            boolean hasLogin = login != null && !login.isNull();
            if (hasLogin) {
                if (!login.isObject()) {
                    throw new IllegalArgumentException("callLoginParams is not an object");
                }
                requireKnownFields(login, LOGIN_FIELDS, "XmppCredentials");
            }
            switch (sinkType) {
                case "FILE" -> {
                    if (!hasLogin) {
                        throw new IllegalStateException("Call login params missing");
                    }
                }
                case "STREAM" -> {
                    if (body.path("youTubeStreamKey").isMissingNode() || body.get("youTubeStreamKey").isNull()) {
                        throw new IllegalStateException("Stream key missing");
                    }
                    if (!hasLogin) {
                        throw new IllegalStateException("Call login params missing");
                    }
                    throw new IllegalArgumentException("the stand-in records files only (sinkType STREAM)");
                }
                case "GATEWAY" -> {
                    if (body.path("sipClientParams").isMissingNode() || body.get("sipClientParams").isNull()) {
                        throw new IllegalStateException("SIP client params missing");
                    }
                    throw new IllegalArgumentException("the stand-in records files only (sinkType GATEWAY)");
                }
                default -> throw new IllegalArgumentException("unknown sinkType " + sinkText);
            }
            List<String> urlParams = new ArrayList<>();
            urlInfo.path("urlParams").forEach(p -> urlParams.add(p.asText()));
            return new StartParams(sessionId, optionalText(urlInfo, "baseUrl"), optionalText(urlInfo, "callName"),
                    urlParams);
        }

        /** CallUrlInfo.callUrl: what metadata.json's meeting_url holds. */
        String callUrl() {
            String url = baseUrl + "/" + callName;
            return urlParams.isEmpty() ? url : url + "#" + String.join("&", urlParams);
        }

        private static void requireKnownFields(JsonNode node, Set<String> known, String type) {
            for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
                String name = it.next();
                if (!known.contains(name)) {
                    throw new IllegalArgumentException("unrecognized field \"" + name + "\" in " + type);
                }
            }
        }

        private static String requiredText(JsonNode node, String field) {
            JsonNode v = node.get(field);
            // Jackson binds any scalar to a String; null, objects and arrays fail a non-null Kotlin String
            if (v == null || v.isNull() || !v.isValueNode()) {
                throw new IllegalArgumentException("missing or invalid " + field);
            }
            return v.asText();
        }

        private static JsonNode requiredObject(JsonNode node, String field) {
            JsonNode v = node.get(field);
            if (v == null || !v.isObject()) {
                throw new IllegalArgumentException("missing or invalid " + field);
            }
            return v;
        }

        private static String optionalText(JsonNode node, String field) {
            JsonNode v = node.get(field);
            if (v == null || v.isNull()) {
                return "";
            }
            if (!v.isValueNode()) {
                throw new IllegalArgumentException("invalid " + field);
            }
            return v.asText();
        }
    }

    /** One recording session from acceptance to the end of its stop. */
    private final class Session {
        final String sessionId;
        final StartParams params;
        final Path directory;
        final Path mediaFile;
        final Instant acceptedAt = Instant.now();
        final CountDownLatch cancelled = new CountDownLatch(1);
        final AtomicBoolean offSent = new AtomicBoolean();
        final List<ScheduledFuture<?>> timers = new CopyOnWriteArrayList<>();
        volatile boolean stopRequested;
        volatile Process ffmpeg;
        volatile Future<?> ffmpegReader;
        volatile String lastFfmpegLine = "";
        volatile Instant recordingStartedAt;
        volatile JsonNode failure;

        Session(StartParams params) {
            this.sessionId = params.sessionId();
            this.params = params;
            this.directory = recordingsDir.resolve(sanitize(sessionId));
            String suffix = "_" + LocalDateTime.now().format(FILE_TIMESTAMP) + ".mp4";
            String name = params.callName();
            int keep = Math.max(0, MAX_FILENAME_LENGTH - suffix.length());
            this.mediaFile = directory.resolve((name.length() > keep ? name.substring(0, keep) : name) + suffix);
        }
    }

    /** Jibri's session directory name: every char outside [a-zA-Z0-9_-] becomes '_'. */
    public static String sanitize(String sessionId) {
        return sessionId.replaceAll("[^a-zA-Z0-9_-]", "_");
    }

    private void accept(StartParams params) {
        manager.lock();
        try {
            if (busyAlways || current != null) {
                log.info("Jibri is busy, can't start service (session {})", params.sessionId());
                throw new BusyException();
            }
            Session session = new Session(params);
            current = session;
            setPhase(Phase.JOINING);
            log.info("Starting a file recording, sessionId={}, call={}/{}, writing to {}",
                    session.sessionId, params.baseUrl(), params.callName(), session.directory);
            busyStatus = BusyStatus.BUSY;
            sendAndWait("/v1/status", statusEvent()); // published inside JibriManager.startService, before the 200
            workers.submit(() -> runSession(session));
        } finally {
            manager.unlock();
        }
    }

    /** FileRecordingJibriService.start(): directory, join, then the capturer. */
    private void runSession(Session s) {
        try {
            Files.createDirectories(s.directory);
        } catch (IOException e) {
            log.error("Could not create {}", s.directory, e);
            fail(s, "SYSTEM", "Could not creat recordings director", true, "error"); // Jibri's own text
            return;
        }
        if (failToJoin) {
            if (!awaitCancel(s, joinTimeout)) {
                log.error("Failed to join conference: timeout waiting for conferenceJoined event (session {})",
                        s.sessionId);
                fail(s, "SESSION", "Failed to join the call", true, "failed-to-join");
            }
            return;
        }
        if (awaitCancel(s, joinDelay)) {
            return;
        }
        manager.lock();
        try {
            if (current != s || s.stopRequested || closed) {
                return;
            }
            startFfmpeg(s);
        } finally {
            manager.unlock();
        }
    }

    private List<String> niced(List<String> command) {
        if (nice == 0) return command;
        List<String> niced = new ArrayList<>(List.of("nice", "-n", Integer.toString(nice)));
        niced.addAll(command);
        return niced;
    }

    private boolean awaitCancel(Session s, Duration d) {
        try {
            return s.cancelled.await(d.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        }
    }

    private void startFfmpeg(Session s) {
        List<String> command = List.of(ffmpegBinary, "-hide_banner", "-y",
                "-re", "-f", "lavfi", "-i", videoSource,
                "-re", "-f", "lavfi", "-i", audioSource,
                // a keyframe every 2 s, as Jibri's capture (-g 60 at -r 30: jitsi/jibri scripts/start-ffmpeg.sh,
                // G = FRAMERATE * 2): what a stream-copy cut can land on
                "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-force_key_frames", "expr:gte(t,n_forced*2)",
                "-c:a", "aac", "-t", String.valueOf(maxRecording.toSeconds()),
                // a test pattern is the same every time; real calls never are, so neither are the files
                "-metadata", "comment=" + s.sessionId,
                s.mediaFile.toString());
        log.info("Selenium joined the call, starting the capturer: {}", command);
        try {
            Process p = new ProcessBuilder(niced(command)).redirectErrorStream(true).start();
            s.ffmpeg = p;
            s.ffmpegReader = workers.submit(() -> readFfmpeg(s, p));
        } catch (IOException e) {
            log.error("Error starting ffmpeg", e);
            // FfmpegFailedToStart: SYSTEM scope; reported from another thread, as Jibri's status handlers do
            workers.submit(() -> fail(s, "SYSTEM", "Ffmpeg failed to start", true, "error"));
        }
    }

    /** Plays ProcessStatePublisher + OutputParser: Running at the first progress line, exit detection. */
    private void readFfmpeg(Session s, Process p) {
        StringBuilder line = new StringBuilder();
        try (InputStream in = p.getInputStream()) {
            int c;
            while ((c = in.read()) != -1) {
                if (c == '\r' || c == '\n') {
                    if (line.length() > 0) {
                        onFfmpegLine(s, line.toString().trim());
                        line.setLength(0);
                    }
                } else {
                    line.append((char) c);
                }
            }
            if (line.length() > 0) {
                onFfmpegLine(s, line.toString().trim());
            }
            p.waitFor();
        } catch (IOException e) {
            log.debug("ffmpeg output closed: {}", e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        if (!s.stopRequested && !closed) {
            log.info("Ffmpeg quit abruptly (exit {}). Last output line: {}", exitValue(p), s.lastFfmpegLine);
            // the stop path waits for this thread, so hand the stop to another one
            workers.submit(() -> fail(s, "SESSION", s.lastFfmpegLine, true, "ffmpeg-exited"));
        }
    }

    private void onFfmpegLine(Session s, String text) {
        s.lastFfmpegLine = text;
        log.trace("ffmpeg: {}", text);
        noteMediaZero(s, text);
        if (s.recordingStartedAt == null && text.startsWith("frame=")) {
            s.recordingStartedAt = Instant.now();
            // not the manager lock: a stop holding it waits for this thread (ffmpeg's output must keep flowing)
            synchronized (s) {
                if (s.stopRequested) {
                    return;
                }
                setPhase(Phase.RECORDING);
            }
            scheduleFaults(s);
            log.info("Current service started up successfully, sending status on (session {})", s.sessionId);
            if (lostOns.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                log.info("fault loseOnWebhooks: the ON webhook of session {} is lost (its delivery timed out)", s.sessionId);
                return;
            }
            sendAndWait("/v1/session/status", sessionEvent(s.sessionId, "ON", null, null));
        }
    }

    /**
     * The wall-clock time of the file's first instant, for tests that measure what a recording holds:
     * with -re, media time t is produced no earlier than zero + t, and a progress line says how far
     * the output got ("time=…"), so every line's (now − time) is an upper bound of zero; the smallest
     * over the first seconds is kept (late by the encoder's and muxer's lag, tens of ms).
     */
    private void noteMediaZero(Session s, String text) {
        int i = text.indexOf("time=");
        if (!text.startsWith("frame=") || i < 0) return;
        String[] hms = text.substring(i + 5).split("\\s")[0].split(":");
        if (hms.length != 3 || hms[0].startsWith("-")) return;
        try {
            long ms = Math.round((Long.parseLong(hms[0]) * 3600 + Long.parseLong(hms[1]) * 60 + Double.parseDouble(hms[2])) * 1000);
            if (ms > 5000) return;
            Instant zero = Instant.now().minusMillis(ms);
            mediaZero.merge(s.sessionId, zero, (a, b) -> a.isBefore(b) ? a : b);
        } catch (NumberFormatException e) {
            // "time=N/A" before the first packet
        }
    }

    /** When the recording of this session began, on this machine's clock (see {@link #noteMediaZero}); null if never. */
    public Instant mediaZeroAt(String sessionId) {
        return mediaZero.get(sessionId);
    }

    private void scheduleFaults(Session s) {
        Duration die = dieMidRecordingAfter;
        if (die != null) {
            s.timers.add(scheduler.schedule(() -> {
                Process p = s.ffmpeg;
                if (p != null && p.isAlive() && !s.stopRequested) {
                    log.info("Fault dieMidRecording: killing ffmpeg (pid {}) with SIGKILL", p.pid());
                    p.destroyForcibly();
                }
            }, die.toMillis(), TimeUnit.MILLISECONDS));
        }
        Duration end = endCallAfter;
        if (end != null) {
            s.timers.add(scheduler.schedule(() -> workers.submit(() -> {
                log.info("Fault endCallAfter: the call ended by itself (session {})", s.sessionId);
                stop(s, "call-ended");
            }), end.toMillis(), TimeUnit.MILLISECONDS));
        }
    }

    /** A service Error: OFF with the failure first (the HTTP API's status handler), then the stop. */
    private void fail(Session s, String scope, String detail, boolean shouldRetry, String reason) {
        if (current != s || s.stopRequested) {
            return;
        }
        ObjectNode failure = JsonNodeFactory.instance.objectNode();
        failure.put("reason", "ERROR");
        ObjectNode error = failure.putObject("error");
        error.put("scope", scope);
        error.put("detail", detail);
        s.failure = failure;
        if ("SYSTEM".equals(scope)) {
            healthy = false; // JibriManager reports UNHEALTHY after a SYSTEM-scope error
        }
        if (s.offSent.compareAndSet(false, true)) {
            log.info("Current service had an error {} {}, sending status off (session {})", scope, detail, s.sessionId);
            sendAndWait("/v1/session/status", sessionEvent(s.sessionId, "OFF", failure, shouldRetry));
        }
        stop(s, reason);
    }

    /** JibriManager.stopService for whatever is current; returns the session id it stopped. */
    private String stopService(String reason) {
        manager.lock();
        try {
            Session s = current;
            if (s == null) {
                log.info("No service active, ignoring stop");
                return null;
            }
            stop(s, reason);
            return s.sessionId;
        } finally {
            manager.unlock();
        }
    }

    /** JibriManager.stopService + FileRecordingJibriService.stop for one session. */
    private void stop(Session s, String reason) {
        manager.lock();
        try {
            synchronized (s) {
                if (current != s || s.stopRequested) {
                    return;
                }
                s.stopRequested = true;
                setPhase(Phase.STOPPING);
            }
            s.cancelled.countDown();
            s.timers.forEach(t -> t.cancel(false));
            log.info("Stopping the current service (session {}, reason {})", s.sessionId, reason);

            boolean ffmpegStarted = s.ffmpeg != null;
            stopFfmpeg(s);
            if (ffmpegStarted && !offWebhookAfterFinalize) {
                sendOff(s); // Jibri: ffmpeg's exit line → Finished → OFF, before metadata and finalize
            }

            boolean metadataWritten = false;
            Integer finalizeExit = null;
            String finalizeOutput = null;
            if (!Files.exists(s.mediaFile)) {
                log.info("No media was recorded, deleting directory and skipping metadata file & finalize");
                try {
                    Files.deleteIfExists(s.directory);
                } catch (IOException e) {
                    log.error("Problem deleting session recording directory {}", s.directory, e);
                }
            } else {
                if (corruptMp4) {
                    truncateToAThird(s.mediaFile);
                }
                metadataWritten = writeMetadata(s);
                if (skipFinalize) {
                    log.info("Fault skipFinalize: not running the finalize script for {}", s.directory);
                } else if (finalizeScript == null) {
                    log.info("No finalize script configured, nothing to run");
                } else {
                    FinalizeResult r = runFinalize(s.directory);
                    finalizeExit = r.exitCode;
                    finalizeOutput = r.output;
                }
            }
            if (ffmpegStarted && offWebhookAfterFinalize) {
                sendOff(s);
            }
            outcomes.add(new SessionOutcome(s.sessionId, s.directory, s.mediaFile, s.acceptedAt,
                    s.recordingStartedAt, Instant.now(), reason, s.failure, metadataWritten, finalizeExit,
                    finalizeOutput));
            current = null;
            busyStatus = BusyStatus.IDLE;
            sendAndWait("/v1/status", statusEvent());
            setPhase(Phase.IDLE);
        } finally {
            manager.unlock();
        }
    }

    private void sendOff(Session s) {
        if (s.offSent.compareAndSet(false, true)) {
            log.info("Current service finished, sending status off (session {})", s.sessionId);
            sendAndWait("/v1/session/status", sessionEvent(s.sessionId, "OFF", null, null));
        }
    }

    private void stopFfmpeg(Session s) {
        Process p = s.ffmpeg;
        if (p == null) {
            return;
        }
        if (p.isAlive()) {
            try {
                // 'q' asks ffmpeg to finish the file (moov atom) as SIGINT does for Jibri
                OutputStream stdin = p.getOutputStream();
                stdin.write('q');
                stdin.flush();
                stdin.close();
            } catch (IOException e) {
                log.debug("ffmpeg stdin closed: {}", e.getMessage());
            }
            try {
                if (!p.waitFor(ffmpegStopTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    log.error("Error trying to gracefully stop ffmpeg, destroying forcibly");
                    p.destroyForcibly().waitFor(FFMPEG_STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        Future<?> reader = s.ffmpegReader;
        if (reader != null) {
            try {
                reader.get(FFMPEG_STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException e) {
                log.error("ffmpeg output reader did not finish: {}", e.toString());
            }
        }
        log.info("ffmpeg exited with value {}", exitValue(p));
    }

    private static String exitValue(Process p) {
        try {
            return String.valueOf(p.exitValue());
        } catch (IllegalThreadStateException e) {
            return "(still running)";
        }
    }

    private static void truncateToAThird(Path file) {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            long size = f.length();
            f.setLength(size / 3);
            log.info("Fault corruptMp4: truncated {} from {} to {} bytes", file, size, size / 3);
        } catch (IOException e) {
            log.error("Fault corruptMp4: could not truncate {}", file, e);
        }
    }

    private boolean writeMetadata(Session s) {
        if (!Files.isWritable(s.directory)) {
            log.error("Unable to write metadata file to recording directory {}", recordingsDir);
            return false;
        }
        ObjectNode metadata = JsonNodeFactory.instance.objectNode();
        metadata.put("meeting_url", s.params.callUrl());
        metadata.putArray("participants");
        try {
            Files.writeString(s.directory.resolve("metadata.json"), JSON.writeValueAsString(metadata));
            return true;
        } catch (IOException e) {
            log.error("Error writing metadata", e);
            return false;
        }
    }

    private record FinalizeResult(Integer exitCode, String output) { }

    /** JibriServiceFinalizeCommandRunner.doFinalize: run, log output, wait, log the exit value. */
    private FinalizeResult runFinalize(Path directory) {
        List<String> command = List.of(finalizeScript.toString(), directory.toAbsolutePath().toString());
        log.info("Finalizing the jibri service operation using command {}", command);
        StringBuffer output = new StringBuffer();
        try {
            ProcessBuilder pb = new ProcessBuilder(niced(command)).redirectErrorStream(true);
            pb.environment().putAll(finalizeEnvironment);
            Process p = pb.start();
            p.getOutputStream().close();
            Future<?> reader = workers.submit(() -> {
                try (var lines = new java.io.BufferedReader(
                        new java.io.InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                    String l;
                    while ((l = lines.readLine()) != null) {
                        log.info("finalize: {}", l);
                        output.append(l).append('\n');
                    }
                }
                return null;
            });
            int exit = p.waitFor();
            try {
                reader.get(FINALIZE_OUTPUT_GRACE.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                log.error("Timed out waiting for process logger task to complete");
                reader.cancel(true);
            } catch (ExecutionException e) {
                log.error("Exception while waiting for process logger task to complete", e);
            }
            log.info("Finalize script finished with exit value {}", exit);
            return new FinalizeResult(exit, output.toString());
        } catch (IOException e) {
            log.error("Failed to run finalize script", e);
            return new FinalizeResult(null, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new FinalizeResult(null, output.toString());
        }
    }

    private void setPhase(Phase p) {
        synchronized (phaseMonitor) {
            phase = p;
            phaseMonitor.notifyAll();
        }
    }

    // =====================================================================================
    // Webhooks (WebhookClient)
    // =====================================================================================

    private ObjectNode statusNode() {
        ObjectNode status = JsonNodeFactory.instance.objectNode();
        status.put("busyStatus", busyStatus.name());
        ObjectNode health = status.putObject("health");
        health.put("healthStatus", healthy ? "HEALTHY" : "UNHEALTHY");
        ObjectNode details = health.putObject("details");
        if (!healthy) {
            ObjectNode component = details.putObject("JibriManager");
            component.put("healthStatus", "UNHEALTHY");
            component.put("detail", "");
        }
        return status;
    }

    private ObjectNode statusEvent() {
        ObjectNode event = JsonNodeFactory.instance.objectNode();
        event.put("jibriId", jibriId);
        event.set("status", statusNode());
        return event;
    }

    private ObjectNode sessionEvent(String sessionId, String status, JsonNode failure, Boolean shouldRetry) {
        ObjectNode event = JsonNodeFactory.instance.objectNode();
        event.put("jibriId", jibriId);
        ObjectNode session = event.putObject("session");
        session.put("sessionId", sessionId);
        session.put("status", status);
        session.putNull("sipAddress");
        session.set("failure", failure == null ? JsonNodeFactory.instance.nullNode() : failure);
        if (shouldRetry == null) {
            session.putNull("shouldRetry");
        } else {
            session.put("shouldRetry", shouldRetry);
        }
        return event;
    }

    /** Like WebhookClient's runBlocking: returns once every subscriber answered or timed out. */
    private void sendAndWait(String path, ObjectNode event) {
        if (closed) {
            return;
        }
        Future<?> f;
        try {
            f = webhookSender.submit(() -> deliver(path, event));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            return; // closing
        }
        try {
            f.get(WEBHOOK_TIMEOUT.toMillis() * 3, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            log.error("Webhook delivery of {} did not finish: {}", path, e.toString());
        }
    }

    private void deliver(String path, ObjectNode event) {
        byte[] body;
        try {
            body = JSON.writeValueAsBytes(event);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        List<CompletableFuture<?>> all = new ArrayList<>();
        for (String subscriber : webhookSubscribers) {
            String url = subscriber + path;
            HttpRequest request = HttpRequest.newBuilder(URI.create(url))
                    .timeout(WEBHOOK_TIMEOUT)
                    .header("Content-Type", "application/json")
                    // a stream of unknown length: sent with Transfer-Encoding: chunked, as Jibri's client does
                    .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body)))
                    .build();
            all.add(webhookClient.sendAsync(request, HttpResponse.BodyHandlers.discarding())
                    .handle((response, error) -> {
                        if (error != null) {
                            log.error("Webhook {} failed: {}", url, error.toString());
                        } else if (response.statusCode() != 200) {
                            log.error("Error updating webhook subscriber {}: HTTP {}", url, response.statusCode());
                        } else {
                            log.debug("Webhook {} answered 200", url);
                        }
                        return null;
                    }));
        }
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).join();
    }

    // =====================================================================================
    // Lifecycle
    // =====================================================================================

    /** Stops the HTTP server and kills any ffmpeg; no finalize, no webhooks. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        server.stop(0);
        Session s = current;
        if (s != null) {
            s.stopRequested = true;
            s.cancelled.countDown();
            Process p = s.ffmpeg;
            if (p != null) {
                p.destroyForcibly();
                try {
                    p.waitFor(5, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        scheduler.shutdownNow();
        webhookSender.shutdownNow();
        workers.shutdownNow();
        httpExecutor.shutdownNow();
        log.info("Jibri stand-in {} closed", jibriId);
    }

    private static String stripSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    private static ThreadFactory daemon(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    // =====================================================================================
    // Command line (the demo runs the stand-in as its own process)
    // =====================================================================================

    private static final String USAGE = """
            Usage: JibriStandIn --recordings-dir DIR [options]
              --port N                  HTTP API port (default 2222, 0 = any free port)
              --host ADDR               address to bind (default 127.0.0.1, as Jibri)
              --recordings-dir DIR      jibri.recording.recordings-directory
              --finalize-script PATH    jibri.recording.finalize-script
              --webhook URL             a jibri.webhook.subscribers entry (repeatable)
              --jibri-id ID             jibri.id (default jibri-standin)
              --join-delay-ms N         time to "join the call" before ffmpeg starts (default 1000)
              --join-timeout-ms N       how long a failing join takes to give up (default 30000)
              --max-recording-seconds N ffmpeg -t safety cap (default 3600)
              --status-interval-seconds N  periodic status webhook (default 60, 0 = off)
            Faults:
              --busy-always --fail-start-500 --fail-to-join --skip-finalize --corrupt-mp4
              --die-mid-recording-seconds N  --end-call-after-seconds N  --off-after-finalize
            Prints "JIBRI_STANDIN_READY <api base url>" on stdout when it listens; stops on SIGTERM.
            """;

    public static void main(String[] args) throws Exception {
        Builder b = builder().port(2222);
        List<Runnable> faults = new ArrayList<>();
        List<JibriStandIn> holder = new ArrayList<>(1);
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--port" -> b.port(Integer.parseInt(value(args, ++i, a)));
                case "--host" -> b.host(value(args, ++i, a));
                case "--recordings-dir" -> b.recordingsDir(Path.of(value(args, ++i, a)));
                case "--finalize-script" -> b.finalizeScript(Path.of(value(args, ++i, a)));
                case "--webhook" -> b.webhookSubscriber(value(args, ++i, a));
                case "--jibri-id" -> b.jibriId(value(args, ++i, a));
                case "--join-delay-ms" -> b.joinDelay(Duration.ofMillis(Long.parseLong(value(args, ++i, a))));
                case "--join-timeout-ms" -> b.joinTimeout(Duration.ofMillis(Long.parseLong(value(args, ++i, a))));
                case "--max-recording-seconds" ->
                        b.maxRecording(Duration.ofSeconds(Long.parseLong(value(args, ++i, a))));
                case "--status-interval-seconds" ->
                        b.statusInterval(Duration.ofSeconds(Long.parseLong(value(args, ++i, a))));
                case "--busy-always" -> faults.add(() -> holder.get(0).busyAlways(true));
                case "--fail-start-500" -> faults.add(() -> holder.get(0).failStart500(true));
                case "--fail-to-join" -> faults.add(() -> holder.get(0).failToJoin(true));
                case "--skip-finalize" -> faults.add(() -> holder.get(0).skipFinalize(true));
                case "--corrupt-mp4" -> faults.add(() -> holder.get(0).corruptMp4(true));
                case "--off-after-finalize" -> faults.add(() -> holder.get(0).offWebhookAfterFinalize(true));
                case "--die-mid-recording-seconds" -> {
                    Duration d = Duration.ofSeconds(Long.parseLong(value(args, ++i, a)));
                    faults.add(() -> holder.get(0).dieMidRecordingAfter(d));
                }
                case "--end-call-after-seconds" -> {
                    Duration d = Duration.ofSeconds(Long.parseLong(value(args, ++i, a)));
                    faults.add(() -> holder.get(0).endCallAfter(d));
                }
                case "-h", "--help" -> {
                    System.out.print(USAGE);
                    return;
                }
                default -> usageError("unknown option " + a);
            }
        }
        if (b.recordingsDir == null) {
            usageError("--recordings-dir is required");
        }
        JibriStandIn standIn = b.start();
        holder.add(standIn);
        faults.forEach(Runnable::run);
        CountDownLatch done = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            standIn.close();
            done.countDown();
        }, "jibri-standin-shutdown"));
        System.out.println("JIBRI_STANDIN_READY " + standIn.baseUrl());
        System.out.flush();
        done.await();
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            usageError(option + " needs a value");
        }
        return args[i];
    }

    private static void usageError(String message) {
        System.err.println("JibriStandIn: " + message);
        System.err.print(USAGE);
        System.exit(64);
    }
}
