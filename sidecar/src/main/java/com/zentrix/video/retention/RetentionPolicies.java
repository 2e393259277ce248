package com.zentrix.video.retention;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.zentrix.video.audit.AuditLog;
import com.zentrix.video.auth.Principal;
import com.zentrix.video.config.ZentrixConfig;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/** The policy in force: an admin's (table retention_policy) when set, else the configuration's. */
public final class RetentionPolicies {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Jdbi jdbi;
    private final RetentionPolicy configured;
    private final AuditLog audit;
    private final Clock clock;

    public RetentionPolicies(Jdbi jdbi, ZentrixConfig.Retention config, AuditLog audit, Clock clock) {
        this.jdbi = jdbi;
        this.configured = fromConfig(config);
        this.audit = audit;
        this.clock = clock;
    }

    static RetentionPolicy fromConfig(ZentrixConfig.Retention c) {
        Map<String, Long> rooms = new LinkedHashMap<>();
        c.rooms().forEach((k, v) -> rooms.put(k, days(v)));
        return new RetentionPolicy(days(c.defaultKeep()), days(c.sensitiveKeep()), days(c.needsReviewKeep()), rooms);
    }

    private static long days(Duration d) {
        return d.toDays();
    }

    public RetentionPolicy configured() {
        return configured;
    }

    public Optional<RetentionPolicy> stored() {
        return jdbi.withHandle(h -> h.createQuery("SELECT body FROM retention_policy WHERE id = 1").mapTo(String.class).findOne())
                .map(RetentionPolicies::parse);
    }

    public RetentionPolicy effective() {
        return stored().orElse(configured);
    }

    /** Stores a policy that overrides the configuration from now on; audited with its content. */
    public void set(RetentionPolicy p, Principal who, String ip) {
        String body;
        try {
            body = JSON.writeValueAsString(p.toMap());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        jdbi.useTransaction(h -> {
            h.createUpdate("INSERT INTO retention_policy (id, body, updated_by, updated_ms) VALUES (1, :b, :by, :now) "
                            + "ON CONFLICT (id) DO UPDATE SET body = :b, updated_by = :by, updated_ms = :now")
                    .bind("b", body).bind("by", who.username()).bind("now", clock.millis()).execute();
            audit.record(h, who, "retention_policy", null, body, ip);
        });
    }

    /** Back to the configuration's policy. */
    public void reset(Principal who, String ip) {
        jdbi.useTransaction(h -> {
            h.createUpdate("DELETE FROM retention_policy").execute();
            audit.record(h, who, "retention_policy", null, "reset to the configuration", ip);
        });
    }

    private static RetentionPolicy parse(String body) {
        try {
            Map<String, Object> m = JSON.readValue(body, new TypeReference<Map<String, Object>>() {});
            Map<String, Long> rooms = new LinkedHashMap<>();
            ((Map<?, ?>) m.getOrDefault("rooms", Map.of())).forEach((k, v) -> rooms.put((String) k, ((Number) v).longValue()));
            return new RetentionPolicy(((Number) m.get("default_days")).longValue(), ((Number) m.get("sensitive_days")).longValue(),
                    ((Number) m.get("needs_review_days")).longValue(), rooms);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("the stored retention policy is not readable JSON", e);
        }
    }
}
