package com.zentrix.video.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.List;
import java.util.Set;

/** The whole configuration, read once from HOCON into typed records. Nothing else reads keys. */
public record ZentrixConfig(
        Http http,
        Path databasePath,
        Path archiveDir,
        Security security,
        Auth auth,
        Media media,
        Prosody prosody,
        Finalize finalizeHook,
        Jibri jibri,
        String jitsiBaseUrl,
        Occupants occupants,
        Recording recording,
        Retention retention,
        Privacy privacy,
        ZoneId timeZone,
        Live live) {

    /**
     * trustedProxies: peer addresses (nginx in front of us) whose X-Forwarded-For names the real client;
     * from any other peer the header is ignored, so nobody can choose the address the audit trail and the
     * login limiter see.
     */
    public record Http(String host, int port, String basePath, String publicUrl, Set<String> trustedProxies) {
        /** The base path with a leading and without a trailing slash; "" for the root. */
        public String pathPrefix() {
            String p = basePath.strip();
            while (p.endsWith("/")) p = p.substring(0, p.length() - 1);
            if (!p.isEmpty() && !p.startsWith("/")) p = "/" + p;
            return p;
        }
    }

    public record Security(String adminToken, Duration maxClockSkew) {}

    public record JitsiLogin(boolean enabled, String host, int port, String domain, boolean autoCreateOperators,
            String security) {}

    public record JwtLogin(boolean enabled, String appId, String appSecret, List<String> audiences,
            boolean autoCreateOperators) {}

    public record Auth(boolean cookieSecure, Duration sessionTtl, int failedLoginsPerMinute, JitsiLogin jitsi, JwtLogin jwt) {}

    public record Media(boolean xAccelRedirect, String xAccelPrefix, Duration grantCache) {}

    public record Prosody(String secret, int maxEventBytes, Duration reorderWindow, String snapshotUrl,
            Duration reconcileInterval, int maxSnapshotBytes) {}

    public record Finalize(String secret, long maxUploadBytes, Duration timeout, Duration sweepInterval, Duration sweepAfter) {}

    public record CallLogin(String domain, String username, String password) {}

    public record Jibri(
            String mode,
            List<String> baseUrls,
            Path recordingsDir,
            Duration requestTimeout,
            Duration stopTimeout,
            Duration assumeCapturingAfter,
            Duration unreachableAfter,
            CallLogin callLogin,
            Set<String> webhookAllowed,
            Duration retryInitialDelay,
            Duration retryMaxDelay,
            Brewery brewery,
            Focus focus) {}

    /** Mode "xmpp": mod_zentrix_events' endpoint that sends the Jibri IQ to the room's focus, and how long to wait. */
    public record Focus(String controlUrl, Duration timeout, String appData) {}

    public record Brewery(boolean enabled, String host, int port, String domain, String username, String password,
            String security, String muc, String nickname) {}

    public record Occupants(
            Set<String> staffDomains,
            boolean staffJwtModerators,
            Set<String> staffAccounts,
            Set<String> ignoredDomains) {}

    public record Recording(Duration gracePeriod, Duration maxLength, Duration restartWait, Prewarm prewarm) {}

    /**
     * Pre-warm: in the listed rooms (exact names, or prefixes ending in *) the recorder starts while the
     * operator waits; at ingest the file is cut to the client's join minus margin. maxWait ends a
     * warm-up no client joined.
     */
    public record Prewarm(List<String> rooms, Duration margin, Duration maxWait, String ffmpeg) {
        /** Whether the room (its name, as in the room JID's node) records in pre-warm mode. */
        public boolean covers(String roomName) {
            if (roomName == null) return false;
            String name = roomName.toLowerCase(java.util.Locale.ROOT);
            for (String r : rooms) {
                String p = r.strip().toLowerCase(java.util.Locale.ROOT);
                if (p.endsWith("*") ? name.startsWith(p.substring(0, p.length() - 1)) : name.equals(p)) return true;
            }
            return false;
        }
    }

    public record Live(Duration alertAfter, Duration checkInterval, String webhookUrl, String webhookSecret, int webhookAttempts,
            Duration webhookTimeout) {}

    /** Keep periods (zero = for ever); rooms maps a room name or a prefix ending in * to its period. */
    public record Retention(boolean enabled, Duration interval, Duration defaultKeep, Duration sensitiveKeep,
            Duration needsReviewKeep, java.util.Map<String, Duration> rooms) {}

    /** Who may open sensitive recordings (roles and/or "owner"); the recording notice to the room. */
    public record Privacy(Set<String> sensitiveAccess, String noticeUrl, String noticeText) {}

    /** Loads reference.conf, overridden by the given file (when not null) and the environment. */
    public static ZentrixConfig load(Path file) {
        Config base = ConfigFactory.defaultReference();
        Config config = base;
        if (file != null) {
            if (!Files.isRegularFile(file)) {
                throw new ConfigError("config file " + file + " does not exist or is not a file");
            }
            Config user = ConfigFactory.parseFile(file.toFile(), ConfigParseOptions.defaults().setAllowMissing(false));
            config = user.withFallback(base);
        }
        return from(config.resolve());
    }

    public static ZentrixConfig from(Config root) {
        try {
            Config c = root.getConfig("zentrix");
            Config http = c.getConfig("http");
            Config jibri = c.getConfig("jibri");
            Config login = jibri.getConfig("call-login");
            Config occ = c.getConfig("occupants");
            ZentrixConfig cfg = new ZentrixConfig(
                    new Http(http.getString("host"), http.getInt("port"), http.getString("base-path"),
                            http.getString("public-url"), Set.copyOf(http.getStringList("trusted-proxies"))),
                    Path.of(c.getString("database.path")),
                    Path.of(c.getString("archive.dir")),
                    new Security(c.getString("security.admin-token"), c.getDuration("security.max-clock-skew")),
                    new Auth(c.getBoolean("auth.cookie-secure"), c.getDuration("auth.session-ttl"),
                            c.getInt("auth.failed-logins-per-minute"),
                            new JitsiLogin(c.getBoolean("auth.jitsi.enabled"), c.getString("auth.jitsi.host"),
                                    c.getInt("auth.jitsi.port"), c.getString("auth.jitsi.domain"),
                                    c.getBoolean("auth.jitsi.auto-create-operators"), c.getString("auth.jitsi.security")),
                            new JwtLogin(c.getBoolean("auth.jwt.enabled"), c.getString("auth.jwt.app-id"),
                                    c.getString("auth.jwt.app-secret"), List.copyOf(c.getStringList("auth.jwt.audiences")),
                                    c.getBoolean("auth.jwt.auto-create-operators"))),
                    new Media(c.getBoolean("media.x-accel-redirect"), c.getString("media.x-accel-prefix"),
                            c.getDuration("media.grant-cache")),
                    new Prosody(c.getString("prosody.secret"), c.getInt("prosody.max-event-bytes"),
                            c.getDuration("prosody.reorder-window"), c.getString("prosody.snapshot-url"),
                            c.getDuration("prosody.reconcile-interval"), c.getInt("prosody.max-snapshot-bytes")),
                    new Finalize(c.getString("finalize.secret"), c.getLong("finalize.max-upload-bytes"),
                            c.getDuration("finalize.timeout"), c.getDuration("finalize.sweep-interval"),
                            c.getDuration("finalize.sweep-after")),
                    new Jibri(jibri.getString("mode"), List.copyOf(jibri.getStringList("base-urls")),
                            Path.of(jibri.getString("recordings-dir")), jibri.getDuration("request-timeout"),
                            jibri.getDuration("stop-timeout"), jibri.getDuration("assume-capturing-after"),
                            jibri.getDuration("unreachable-after"),
                            new CallLogin(login.getString("domain"), login.getString("username"),
                                    login.getString("password")),
                            Set.copyOf(jibri.getStringList("webhook-allowed")),
                            jibri.getDuration("retry-initial-delay"), jibri.getDuration("retry-max-delay"),
                            new Brewery(jibri.getBoolean("brewery.enabled"), jibri.getString("brewery.host"),
                                    jibri.getInt("brewery.port"), jibri.getString("brewery.domain"),
                                    jibri.getString("brewery.username"), jibri.getString("brewery.password"),
                                    jibri.getString("brewery.security"), jibri.getString("brewery.muc"),
                                    jibri.getString("brewery.nickname")),
                            new Focus(jibri.getString("focus.control-url"), jibri.getDuration("focus.timeout"),
                                    jibri.getString("focus.app-data"))),
                    c.getString("jitsi.base-url"),
                    new Occupants(lower(occ.getStringList("staff-domains")), occ.getBoolean("staff-jwt-moderators"),
                            lower(occ.getStringList("staff-accounts")), lower(occ.getStringList("ignored-domains"))),
                    new Recording(c.getDuration("recording.grace-period"), c.getDuration("recording.max-length"),
                            c.getDuration("recording.restart-wait"),
                            new Prewarm(List.copyOf(c.getStringList("recording.prewarm.rooms")),
                                    c.getDuration("recording.prewarm.margin"), c.getDuration("recording.prewarm.max-wait"),
                                    c.getString("recording.prewarm.ffmpeg"))),
                    retention(c.getConfig("retention")),
                    new Privacy(lower(c.getStringList("privacy.sensitive-access")), c.getString("privacy.notice-url"),
                            c.getString("privacy.notice-text")),
                    ZoneId.of(c.getString("time-zone")),
                    new Live(c.getDuration("live.alert-after"), c.getDuration("live.check-interval"),
                            c.getString("live.webhook.url"), c.getString("live.webhook.secret"), c.getInt("live.webhook.attempts"),
                            c.getDuration("live.webhook.timeout")));

            cfg.validate();
            return cfg;
        } catch (com.typesafe.config.ConfigException | java.time.DateTimeException e) {
            throw new ConfigError("configuration is invalid: " + e.getMessage());
        }
    }

    private static Retention retention(Config r) {
        java.util.Map<String, Duration> rooms = new java.util.LinkedHashMap<>();
        Config roomCfg = r.getConfig("rooms");
        for (String key : roomCfg.root().keySet()) {
            rooms.put(key, roomCfg.getDuration(com.typesafe.config.ConfigUtil.joinPath(key)));
        }
        return new Retention(r.getBoolean("enabled"), r.getDuration("interval"), r.getDuration("default-keep"),
                r.getDuration("sensitive-keep"), r.getDuration("needs-review-keep"), java.util.Map.copyOf(rooms));
    }

    private static Set<String> lower(List<String> values) {
        return values.stream().map(v -> v.strip().toLowerCase(java.util.Locale.ROOT)).collect(java.util.stream.Collectors.toUnmodifiableSet());
    }

    private void validate() {
        if (!"http".equals(jibri.mode()) && !"xmpp".equals(jibri.mode())) {
            throw new ConfigError("zentrix.jibri.mode must be \"http\" or \"xmpp\" (got \"" + jibri.mode() + "\")");
        }
        if ("http".equals(jibri.mode()) && jibri.baseUrls().isEmpty()) {
            throw new ConfigError("zentrix.jibri.base-urls must list at least one Jibri");
        }
        if ("xmpp".equals(jibri.mode()) && !jibri.focus().controlUrl().matches("https?://.+")) {
            throw new ConfigError("zentrix.jibri.focus.control-url must be an http(s) URL in mode \"xmpp\"");
        }
        if (http.port() < 0 || http.port() > 65535) throw new ConfigError("zentrix.http.port out of range");
        if (!List.of("disabled", "ifpossible", "required").contains(jibri.brewery().security())) {
            throw new ConfigError("zentrix.jibri.brewery.security must be disabled, ifpossible or required");
        }
        if (auth.jwt().enabled() && auth.jwt().appSecret().length() < 16) {
            throw new ConfigError("zentrix.auth.jwt.app-secret must be set (at least 16 characters) when JWT login is enabled");
        }
        if (!List.of("disabled", "required", "ifpossible").contains(auth.jitsi().security())) {
            throw new ConfigError("zentrix.auth.jitsi.security must be disabled, required or ifpossible");
        }
        if (live.checkInterval().isZero() || live.checkInterval().isNegative()) throw new ConfigError("zentrix.live.check-interval must be positive");
        if (live.webhookAttempts() < 1) throw new ConfigError("zentrix.live.webhook.attempts must be at least 1");
        if (!live.webhookUrl().isBlank() && !live.webhookUrl().matches("(?i)https?://.+")) {
            throw new ConfigError("zentrix.live.webhook.url must be an http:// or https:// URL (or empty)");
        }
        for (String who : privacy.sensitiveAccess()) {
            if (!List.of("admin", "supervisor", "operator", "owner").contains(who)) {
                throw new ConfigError("zentrix.privacy.sensitive-access may list admin, supervisor, operator and owner (got \"" + who + "\")");
            }
        }
        if (retention.interval().isZero() || retention.interval().isNegative()) throw new ConfigError("zentrix.retention.interval must be positive");
        if (recording.gracePeriod().isNegative()) throw new ConfigError("zentrix.recording.grace-period is negative");
        if (recording.maxLength().isZero() || recording.maxLength().isNegative()) throw new ConfigError("zentrix.recording.max-length must be positive");
    }

    /** Checks the secrets a running server needs; the CLI's offline commands don't. */
    public void requireSecrets() {
        if (prosody.secret().isBlank()) {
            throw new ConfigError("zentrix.prosody.secret is empty: set it in the config file or ZENTRIX_PROSODY_SECRET");
        }
        if (finalizeHook.secret().isBlank()) {
            throw new ConfigError("zentrix.finalize.secret is empty: set it in the config file or ZENTRIX_FINALIZE_SECRET");
        }
        // Alerts name rooms and sessions: never sent unsigned (a receiver could not tell them from forgeries).
        if (!live.webhookUrl().isBlank() && live.webhookSecret().isBlank()) {
            throw new ConfigError("zentrix.live.webhook.secret is empty while zentrix.live.webhook.url is set: set it in the config "
                    + "file or ZENTRIX_ALERT_WEBHOOK_SECRET (alerts are signed with it), or empty the URL");
        }
    }

    /** A configuration problem the admin must fix; the message says which key. */
    public static final class ConfigError extends RuntimeException {
        public ConfigError(String message) {
            super(message);
        }
    }
}
