package com.zentrix.video;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import com.zentrix.video.analytics.AnalyticsApi;
import com.zentrix.video.analytics.AnalyticsQueries;
import com.zentrix.video.analytics.ZoneTable;
import com.zentrix.video.archive.Access;
import com.zentrix.video.archive.Flags;
import com.zentrix.video.archive.MediaApi;
import com.zentrix.video.archive.Notes;
import com.zentrix.video.archive.OpenReasons;
import com.zentrix.video.archive.SessionApi;
import com.zentrix.video.audit.AuditApi;
import com.zentrix.video.audit.AuditLog;
import com.zentrix.video.auth.AuthApi;
import com.zentrix.video.auth.JitsiLogin;
import com.zentrix.video.auth.JwtLogin;
import com.zentrix.video.auth.LoginLimiter;
import com.zentrix.video.auth.LoginSessions;
import com.zentrix.video.auth.Principal;
import com.zentrix.video.auth.Users;
import com.zentrix.video.retention.Deletions;
import com.zentrix.video.retention.Retention;
import com.zentrix.video.retention.RetentionApi;
import com.zentrix.video.retention.RetentionPolicies;
import com.zentrix.video.subject.SubjectApi;
import com.zentrix.video.subject.Subjects;
import com.zentrix.video.web.ApiException;
import com.zentrix.video.web.Bodies;
import com.zentrix.video.archive.SessionQueries;
import com.zentrix.video.config.ZentrixConfig;
import com.zentrix.video.events.EventIntake;
import com.zentrix.video.events.EventJournal;
import com.zentrix.video.events.EventParser;
import com.zentrix.video.events.EventSequencer;
import com.zentrix.video.events.ProsodySnapshots;
import com.zentrix.video.events.ProsodyNotice;
import com.zentrix.video.recording.RecordingNotice;
import com.zentrix.video.ingest.Sweeper;
import com.zentrix.video.ingest.FinalizeEndpoint;
import com.zentrix.video.ingest.Ingestor;
import com.zentrix.video.ingest.MediaProbe;
import com.zentrix.video.ingest.PrewarmCut;
import com.zentrix.video.jibri.JibriControl;
import com.zentrix.video.jibri.JibriWebhooks;
import com.zentrix.video.jibri.http.HttpJibriPool;
import com.zentrix.video.jibri.xmpp.BreweryWatcher;
import com.zentrix.video.jibri.xmpp.FocusJibriControl;
import com.zentrix.video.live.AlertWebhook;
import com.zentrix.video.live.LiveBoard;
import com.zentrix.video.web.Metrics;
import com.zentrix.video.recording.OccupantClassifier;
import com.zentrix.video.recording.RecordingCoordinator;
import com.zentrix.video.recording.RecordingPolicy;
import com.zentrix.video.recording.SessionStore;
import com.zentrix.video.store.Database;
import com.zentrix.video.web.Signatures;
import com.zentrix.video.web.WebServer;
import io.javalin.Javalin;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The composition root: builds every object once and wires them. Nothing else creates services. */
public final class App implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(App.class);

    private final ZentrixConfig config;
    private final Database db;
    private final EventJournal journal;
    private final ScheduledExecutorService loop;
    private final ExecutorService io;
    private final ExecutorService stopper;
    private final ExecutorService ingest;
    private final ScheduledExecutorService maintenance;
    private final ScheduledExecutorService health;
    private final ScheduledExecutorService live;
    private final BreweryWatcher brewery;
    private final Javalin web;
    private final RecordingCoordinator coordinator;
    private final String adminToken;

    private App(ZentrixConfig config, Clock clock) {
        this.config = config;
        this.db = Database.open(config.databasePath());
        ZoneTable.ensure(db.jdbi(), config.timeZone());
        ObjectMapper json = new ObjectMapper().registerModule(new JavaTimeModule())
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
        this.adminToken = adminToken(config);
        try {
            Files.createDirectories(config.archiveDir());
            Files.createDirectories(config.archiveDir().resolve(".incoming"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the archive folder " + config.archiveDir(), e);
        }

        this.loop = Executors.newSingleThreadScheduledExecutor(named("recording-loop"));
        this.io = Executors.newCachedThreadPool(named("jibri-start"));
        this.stopper = Executors.newCachedThreadPool(named("jibri-stop"));
        this.ingest = Executors.newSingleThreadExecutor(named("ingest"));
        this.maintenance = Executors.newSingleThreadScheduledExecutor(named("maintenance"));
        this.health = Executors.newSingleThreadScheduledExecutor(named("jibri-health"));
        this.live = Executors.newScheduledThreadPool(2, named("live-board"));

        SessionStore sessions = new SessionStore(db.jdbi());
        Signatures prosodySignatures = new Signatures(config.prosody().secret(), config.security().maxClockSkew());
        HttpJibriPool httpPool = "xmpp".equals(config.jibri().mode()) ? null
                : new HttpJibriPool(config.jibri(), config.jitsiBaseUrl(), json);
        JibriControl jibri = "xmpp".equals(config.jibri().mode())
                ? new FocusJibriControl(config.jibri().focus(), prosodySignatures, json, clock)
                : httpPool;
        this.coordinator = new RecordingCoordinator(
                new RecordingPolicy(config.recording().gracePeriod(), config.recording().maxLength(),
                        config.recording().prewarm().maxWait()),
                new OccupantClassifier(config.occupants()), new SessionStore(db.ownConnection("recording-loop")), jibri, loop, io, stopper, clock,
                config.jibri().retryInitialDelay(), config.jibri().retryMaxDelay(),
                config.privacy().noticeUrl().isBlank() ? RecordingNotice.NONE
                        : new ProsodyNotice(config.privacy().noticeUrl(), config.privacy().noticeText(), prosodySignatures, json, clock),
                config.recording().prewarm()::covers)
                .recorderWatch(config.jibri().assumeCapturingAfter(), config.jibri().unreachableAfter());
        this.journal = new EventJournal(db.ownConnection("event-journal"), clock);
        EventSequencer sequencer = new EventSequencer(loop, config.prosody().reorderWindow(), coordinator::onEvent);
        EventParser parser = new EventParser(json);
        EventIntake intake = new EventIntake(prosodySignatures, parser, journal, sequencer, config.prosody().maxEventBytes(),
                config.prosody().maxSnapshotBytes(), clock);
        intake.onSnapshot(coordinator::reconcile);
        JibriWebhooks webhooks = new JibriWebhooks(json, coordinator, config.jibri().webhookAllowed());
        AuditLog audit = new AuditLog(db.jdbi(), clock);
        MediaProbe probe = new MediaProbe("ffprobe");
        Ingestor ingestor = new Ingestor(db.jdbi(), config.archiveDir(), probe, sessions, json, ingest,
                clock, config.timeZone(), config.finalizeHook().sweepInterval(),
                new PrewarmCut(db.jdbi(), config.archiveDir(), config.recording().prewarm().ffmpeg(),
                        probe, audit, config.recording().prewarm().margin(), clock));
        FinalizeEndpoint finalize = new FinalizeEndpoint(
                new Signatures(config.finalizeHook().secret(), config.security().maxClockSkew()), ingestor,
                config.jibri().recordingsDir(), config.archiveDir().resolve(".incoming"),
                config.finalizeHook().maxUploadBytes(), json, clock);
        int sealed = audit.sealLegacy();
        if (sealed > 0) log.info("sealed {} audit rows written before the hash chain", sealed);
        AuditApi auditApi = new AuditApi(db.jdbi(), config.timeZone());
        Users users = new Users(db.jdbi());
        ZentrixConfig.Auth authCfg = config.auth();
        AuthApi auth = new AuthApi(users, new LoginSessions(db.jdbi(), clock, authCfg.sessionTtl()),
                new LoginLimiter(clock, authCfg.failedLoginsPerMinute()),
                authCfg.jitsi().enabled() ? new JitsiLogin(authCfg.jitsi()) : null, authCfg.jitsi().autoCreateOperators(),
                authCfg.jwt().enabled() ? new JwtLogin(authCfg.jwt()) : null, authCfg.jwt().autoCreateOperators(),
                audit, json, clock, config.http().pathPrefix(), authCfg.cookieSecure(), authCfg.sessionTtl(), adminToken);
        Notes.Json bodies = ctx -> Bodies.json(ctx, json, 16 * 1024);
        Access.Rule access = new Access.Rule(config.privacy().sensitiveAccess());
        OpenReasons reasons = new OpenReasons(clock);
        SessionApi sessionApi = new SessionApi(new SessionQueries(db.jdbi()), audit, config.timeZone(), access, reasons, bodies);
        Notes notes = new Notes(db.jdbi(), audit, clock, bodies, access);
        Flags flags = new Flags(db.jdbi(), audit, clock, bodies, access);
        MediaApi media = new MediaApi(db.jdbi(), config.archiveDir(), audit, config.media(), access, reasons);
        AnalyticsApi analytics = new AnalyticsApi(new AnalyticsQueries(db.jdbi()), clock, config.timeZone());
        ZentrixConfig.Live liveCfg = config.live();
        LiveBoard board = new LiveBoard(coordinator::rooms, db.jdbi(), clock, liveCfg.alertAfter(),
                new AlertWebhook(liveCfg.webhookUrl(), new Signatures(liveCfg.webhookSecret(), config.security().maxClockSkew()),
                        liveCfg.webhookAttempts(), liveCfg.webhookTimeout(), json, live, clock));
        String prefix = config.http().pathPrefix();
        this.brewery = config.jibri().brewery().enabled() ? new BreweryWatcher(config.jibri().brewery(), clock) : null;
        if (brewery != null) brewery.start();
        byte[] openApi = resource("/openapi.json");
        RetentionPolicies retentionPolicies = new RetentionPolicies(db.jdbi(), config.retention(), audit, clock);
        Deletions deletions = new Deletions(db.jdbi(), config.archiveDir(), audit, clock);
        Retention retention = new Retention(db.jdbi(), retentionPolicies, deletions, clock);
        RetentionApi retentionApi = new RetentionApi(db.jdbi(), retentionPolicies, deletions, audit, json, clock);
        SubjectApi subjectApi = new SubjectApi(new Subjects(db.jdbi(), deletions, audit, json, clock), json, clock);

        this.web = WebServer.create(config.http().pathPrefix(), config.http().trustedProxies(), json, app -> {
            app.get("/api/v1/health", ctx -> ctx.json(Map.of("status", "ok")));
            app.post("/api/v1/events", intake::handle);
            app.post("/api/v1/jibri/v1/status", webhooks::status);
            app.post("/api/v1/jibri/v1/session/status", webhooks::sessionStatus);
            app.post("/api/v1/finalize", finalize::finalizeFolder);
            app.put("/api/v1/finalize/upload/{dir}/{file}", finalize::upload);
            app.post("/api/v1/auth/login", auth::login);
            app.post("/api/v1/auth/jwt", auth::jwt);
            app.get("/api/v1/auth/jwt", auth::jwt);
            // Everything else under /api/ needs a login (cookie + CSRF for changes) or the API token.
            app.before("/api/*", ctx -> {
                if (!PUBLIC_API.contains(ctx.path().substring(prefix.length())) && !isSignedPeerPath(ctx.path().substring(prefix.length()))) {
                    auth.authenticate(ctx);
                }
            });
            app.post("/api/v1/auth/logout", auth::logout);
            app.get("/api/v1/me", auth::me);
            app.get("/api/v1/sessions", sessionApi::list);
            app.get("/api/v1/sessions/{id}", sessionApi::get);
            app.post("/api/v1/sessions/{id}/access", sessionApi::giveReason);
            app.get("/api/v1/sessions/{id}/media", media::media);
            app.get("/api/v1/sessions/{id}/notes", notes::list);
            app.post("/api/v1/sessions/{id}/notes", notes::add);
            app.put("/api/v1/notes/{noteId}", notes::edit);
            app.delete("/api/v1/notes/{noteId}", notes::delete);
            app.put("/api/v1/sessions/{id}/flags", flags::set);
            app.post("/api/v1/sessions/{id}/reviewed", flags::reviewed);
            app.get("/api/v1/review-queue", sessionApi::reviewQueue);
            app.get("/api/v1/analytics/{table}", analytics::table);
            app.get("/api/v1/live", ctx -> ctx.json(board.view(Access.identity(AuthApi.principal(ctx)))));
            app.get("/api/v1/openapi.json", ctx -> ctx.contentType("application/json").result(openApi));
            app.get("/api/v1/retention", retentionApi::getPolicy);
            app.put("/api/v1/retention", retentionApi::putPolicy);
            app.delete("/api/v1/retention", retentionApi::resetPolicy);
            app.post("/api/v1/sessions/{id}/legal-hold", retentionApi::hold);
            app.delete("/api/v1/sessions/{id}/legal-hold", retentionApi::release);
            app.delete("/api/v1/sessions/{id}/recording", retentionApi::deleteRecording);
            app.get("/api/v1/subject", subjectApi::find);
            app.get("/api/v1/subject/export", subjectApi::export);
            app.post("/api/v1/subject/delete", subjectApi::delete);
            app.get("/api/v1/audit", auditApi::list);
            app.get("/api/v1/audit.csv", auditApi::csv);
            app.get("/api/v1/rooms", ctx -> {
                if (!AuthApi.principal(ctx).role().seesEverything()) throw ApiException.forbidden("the live rooms are for supervisors and admins");
                ctx.json(Map.of("rooms", coordinator.rooms(), "jibris", webhooks.statuses()));
            });
            app.get("/api/v1/jibris", ctx -> {
                if (!AuthApi.principal(ctx).role().seesEverything()) throw ApiException.forbidden("recorder status is for supervisors and admins");
                Map<String, Object> out = new java.util.LinkedHashMap<>();
                out.put("brewery", brewery == null ? null : brewery.view());
                out.put("webhooks", webhooks.statuses());
                ctx.json(out);
            });
            app.get("/api/v1/metrics", ctx -> {
                if (AuthApi.principal(ctx).role() != com.zentrix.video.auth.Role.ADMIN) throw ApiException.forbidden("metrics are for admins");
                ctx.contentType("text/plain; version=0.0.4").result(Metrics.render(brewery == null ? null : brewery.counts(), db.jdbi()));
            });
        });

        long checkMs = liveCfg.checkInterval().toMillis();
        live.scheduleWithFixedDelay(guard("live board", () -> {
            try {
                board.check();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }), checkMs, checkMs, TimeUnit.MILLISECONDS);

        // The backlog of hand-overs left by a restart waits until the rooms have been put right (Prosody's
        // first snapshot applied, or the time that may take): hashing and probing files must not slow the
        // decisions that matter then. The files stay where they are meanwhile; new hand-overs go at once.
        java.util.concurrent.atomic.AtomicBoolean backlogResumed = new java.util.concurrent.atomic.AtomicBoolean();
        Runnable resumeBacklog = () -> {
            if (backlogResumed.getAndSet(true)) return;
            int resumed = ingestor.resumePending();
            if (resumed > 0) log.info("resuming {} unfinished finalize hand-overs", resumed);
        };
        long every = Math.max(1, Math.min(30, config.finalizeHook().timeout().toSeconds() / 4));
        loop.scheduleWithFixedDelay(() -> coordinator.expireMissingFinalizes(config.finalizeHook().timeout()),
                every, every, TimeUnit.SECONDS);

        // Nothing lost: running sessions are taken back, then put right against Prosody's occupancy,
        // Jibri's busy state and the recordings directory, at start and periodically.
        try {
            Duration waitForSnapshot = config.recording().gracePeriod().plus(config.recording().restartWait());
            coordinator.adoptOpenSessions(waitForSnapshot, config.prosody().snapshotUrl().isBlank() ? null
                    : waitForSnapshot.plus(config.prosody().reconcileInterval()).plus(config.recording().restartWait()));
        } catch (Exception e) {
            throw new IllegalStateException("could not take back the running sessions", e);
        }
        // On its own thread: asking a hundred Jibris must never delay the first snapshot after a restart.
        if (httpPool != null) health.scheduleWithFixedDelay(guard("jibri health", httpPool::refreshHealth), 0, 2, TimeUnit.SECONDS);
        Sweeper sweeper = new Sweeper(config.jibri().recordingsDir(), ingestor, db.jdbi(), clock, config.finalizeHook().sweepAfter());
        long sweepMs = config.finalizeHook().sweepInterval().toMillis();
        maintenance.scheduleWithFixedDelay(guard("sweep", () -> {
            ingestor.retryFailed();
            sweeper.sweep();
        }), sweepMs, sweepMs, TimeUnit.MILLISECONDS);
        if (config.retention().enabled()) {
            long retentionMs = config.retention().interval().toMillis();
            Principal job = new Principal(0, "retention", "Retention job", com.zentrix.video.auth.Role.ADMIN, null, null, null, "system");
            maintenance.scheduleWithFixedDelay(guard("retention", () -> retention.run(false, job, com.zentrix.video.Progress.NONE)),
                    Math.min(retentionMs, 60_000), retentionMs, TimeUnit.MILLISECONDS);
        }
        if (!config.prosody().snapshotUrl().isBlank()) {
            ProsodySnapshots snapshots = new ProsodySnapshots(config.prosody().snapshotUrl(), prosodySignatures, parser, clock);
            long reconcileMs = config.prosody().reconcileInterval().toMillis();
            maintenance.scheduleWithFixedDelay(guard("reconcile", () -> {
                snapshots.fetch().ifPresent(s -> sequencer.resyncAll(s, snap -> {
                    coordinator.reconcile(snap);
                    resumeBacklog.run();
                }));
                coordinator.checkRecorders();
            }), 0, reconcileMs, TimeUnit.MILLISECONDS);
            maintenance.schedule(guard("hand-over backlog", resumeBacklog),
                    config.recording().restartWait().plus(config.prosody().reconcileInterval()).toMillis(), TimeUnit.MILLISECONDS);
        } else {
            resumeBacklog.run();
            long reconcileMs = config.prosody().reconcileInterval().toMillis();
            maintenance.scheduleWithFixedDelay(guard("recorder check", coordinator::checkRecorders), reconcileMs, reconcileMs,
                    TimeUnit.MILLISECONDS);
        }
    }

    /** API paths that authenticate themselves (signatures, login forms) or need none (health). */
    private static final java.util.Set<String> PUBLIC_API = java.util.Set.of("/api/v1/health", "/api/v1/events",
            "/api/v1/auth/login", "/api/v1/auth/jwt", "/api/v1/finalize");

    private static boolean isSignedPeerPath(String path) {
        return path.startsWith("/api/v1/finalize/upload/") || path.startsWith("/api/v1/jibri/");
    }

    public static App start(ZentrixConfig config, Clock clock) {
        config.requireSecrets();
        App app = new App(config, clock);
        app.web.start(config.http().host(), config.http().port());
        log.info("Zentrix Video listening on http://{}:{}{}/ (database {}, archive {}, jibri {})", config.http().host(),
                app.port(), config.http().pathPrefix(), config.databasePath(), config.archiveDir(), "xmpp".equals(config.jibri().mode()) ? "through Jicofo via " + config.jibri().focus().controlUrl() : config.jibri().baseUrls());
        return app;
    }

    public int port() {
        return web.port();
    }

    public String adminToken() {
        return adminToken;
    }

    private static String adminToken(ZentrixConfig config) {
        if (!config.security().adminToken().isBlank()) return config.security().adminToken();
        Path file = config.databasePath().toAbsolutePath().getParent().resolve("admin-token");
        try {
            if (Files.isRegularFile(file)) return Files.readString(file, StandardCharsets.UTF_8).strip();
            byte[] b = new byte[24];
            new SecureRandom().nextBytes(b);
            String token = HexFormat.of().formatHex(b);
            Files.writeString(file, token + "\n", StandardCharsets.UTF_8);
            try {
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException ignored) {
                // not a POSIX filesystem
            }
            log.info("generated an admin API token in {}", file);
            return token;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or write the admin token file " + file, e);
        }
    }

    /** A periodic task whose failure is logged and does not stop the schedule. */
    private static Runnable guard(String what, Runnable r) {
        return () -> {
            try {
                r.run();
            } catch (RuntimeException e) {
                log.error("{} failed", what, e);
            }
        };
    }

    private static byte[] resource(String name) {
        try (var in = App.class.getResourceAsStream(name)) {
            if (in == null) throw new IllegalStateException(name + " is missing from the jar");
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + name + " from the jar", e);
        }
    }

    private static ThreadFactory named(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    @Override
    public void close() {
        web.stop();
        if (brewery != null) brewery.close();
        try {
            journal.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        maintenance.shutdownNow();
        health.shutdownNow();
        live.shutdownNow();
        loop.shutdownNow();
        io.shutdownNow();
        stopper.shutdownNow();
        ingest.shutdown();
        try {
            ingest.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        db.close();
    }
}
