package com.zentrix.video.retention;

import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * How long a finished session's recording is kept, in days; 0 means for ever. Pure: facts in, verdict out.
 * Which period applies, first match wins: a legal hold keeps it; "needs review" keeps it until reviewed;
 * sensitive → {@code sensitiveDays}; reviewed after a review flag → {@code needsReviewDays}; a room rule
 * (exact name, or a prefix ending in {@code *}, the longest prefix wins) → its days; else {@code defaultDays}.
 */
public record RetentionPolicy(long defaultDays, long sensitiveDays, long needsReviewDays, Map<String, Long> rooms) {

    public RetentionPolicy {
        rooms = Map.copyOf(rooms);
        for (long d : new long[] {defaultDays, sensitiveDays, needsReviewDays}) {
            if (d < 0) throw new IllegalArgumentException("a keep period is a number of days, 0 (for ever) or more");
        }
        rooms.forEach((k, v) -> {
            if (k.isBlank() || v == null || v < 0) throw new IllegalArgumentException("room rule '" + k + "' needs days, 0 or more");
        });
    }

    /** What retention needs to know of a session. */
    public record Facts(String roomName, boolean sensitive, boolean needsReview, boolean reviewed, boolean legalHold, long endedMs) {}

    /** Kept (with why) or expired (with the rule that let it go). */
    public record Verdict(boolean expired, String why) {}

    public Verdict decide(Facts f, long nowMs) {
        if (f.legalHold()) return new Verdict(false, "legal hold");
        if (f.needsReview()) return new Verdict(false, "waiting for review");
        String rule;
        long days;
        if (f.sensitive()) {
            rule = "sensitive";
            days = sensitiveDays;
        } else if (f.reviewed()) {
            rule = "reviewed";
            days = needsReviewDays;
        } else {
            Optional<Map.Entry<String, Long>> room = roomRule(f.roomName());
            rule = room.map(e -> "room " + e.getKey()).orElse("default");
            days = room.map(Map.Entry::getValue).orElse(defaultDays);
        }
        if (days == 0) return new Verdict(false, rule + ": kept for ever");
        long expires = f.endedMs() + Duration.ofDays(days).toMillis();
        return nowMs >= expires ? new Verdict(true, "retention: " + rule + " rule, kept " + days + " days")
                : new Verdict(false, rule + ": kept " + days + " days");
    }

    private Optional<Map.Entry<String, Long>> roomRule(String room) {
        if (room == null) return Optional.empty();
        if (rooms.containsKey(room)) return Optional.of(Map.entry(room, rooms.get(room)));
        return rooms.entrySet().stream()
                .filter(e -> e.getKey().endsWith("*") && room.startsWith(e.getKey().substring(0, e.getKey().length() - 1)))
                .max(Comparator.comparingInt(e -> e.getKey().length()));
    }

    /** This policy with the given fields replaced (null = keep). */
    public RetentionPolicy with(Long defaultDays, Long sensitiveDays, Long needsReviewDays, Map<String, Long> rooms) {
        return new RetentionPolicy(defaultDays != null ? defaultDays : this.defaultDays,
                sensitiveDays != null ? sensitiveDays : this.sensitiveDays,
                needsReviewDays != null ? needsReviewDays : this.needsReviewDays,
                rooms != null ? rooms : this.rooms);
    }

    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("default_days", defaultDays);
        m.put("sensitive_days", sensitiveDays);
        m.put("needs_review_days", needsReviewDays);
        m.put("rooms", new java.util.TreeMap<>(rooms));
        return m;
    }
}
