package com.zentrix.video.auth;

import java.time.Clock;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Counts failed logins in a sliding minute: per username (the configured limit) and per address (ten
 * times that, since a contact centre's operators often share one address behind NAT).
 */
public final class LoginLimiter {
    private final Clock clock;
    private final int perMinute;
    private final Map<String, Deque<Long>> failures = new ConcurrentHashMap<>();

    public LoginLimiter(Clock clock, int perMinute) {
        this.clock = clock;
        this.perMinute = perMinute;
    }

    public boolean blocked(String ip, String username) {
        return blocked(ip) || count("user:" + username.toLowerCase(java.util.Locale.ROOT)) >= perMinute;
    }

    /** For a login that names nobody until it is verified (a JWT): the address's count only. */
    public boolean blocked(String ip) {
        return count("ip:" + ip) >= perMinute * 10;
    }

    public void failed(String ip) {
        add("ip:" + ip);
    }

    public void failed(String ip, String username) {
        failed(ip);
        add("user:" + username.toLowerCase(java.util.Locale.ROOT));
    }

    private int count(String key) {
        Deque<Long> d = failures.get(key);
        if (d == null) return 0;
        synchronized (d) {
            long cutoff = clock.millis() - 60_000;
            while (!d.isEmpty() && d.peekFirst() < cutoff) d.pollFirst();
            return d.size();
        }
    }

    private void add(String key) {
        Deque<Long> d = failures.computeIfAbsent(key, k -> new ArrayDeque<>());
        synchronized (d) {
            d.addLast(clock.millis());
        }
        if (failures.size() > 100_000) failures.clear(); // a flood of distinct keys must not exhaust memory
    }
}
