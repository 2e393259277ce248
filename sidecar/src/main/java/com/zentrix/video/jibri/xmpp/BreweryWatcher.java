package com.zentrix.video.jibri.xmpp;

import com.zentrix.video.config.ZentrixConfig;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jitsi.xmpp.extensions.health.HealthStatusPacketExt;
import org.jitsi.xmpp.extensions.jibri.JibriBusyStatusPacketExt;
import org.jitsi.xmpp.extensions.jibri.JibriStatusPacketExt;
import org.jivesoftware.smack.ConnectionConfiguration;
import org.jivesoftware.smack.packet.Presence;
import org.jivesoftware.smack.tcp.XMPPTCPConnection;
import org.jivesoftware.smack.tcp.XMPPTCPConnectionConfiguration;
import org.jivesoftware.smackx.muc.MultiUserChat;
import org.jivesoftware.smackx.muc.MultiUserChatManager;
import org.jxmpp.jid.impl.JidCreate;
import org.jxmpp.jid.parts.Resourcepart;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the Jibri brewery MUC read-only, as Jicofo's JibriDetector does: every Jibri publishes a
 * {@code <jibri-status>} presence extension (busy-status idle|busy, health-status healthy|unhealthy;
 * jitsi/jibri api/xmpp/XmppApi.kt, jitsi-xmpp-extensions JibriStatusPacketExt). We join with no such
 * extension, so Jicofo never takes us for a Jibri. Counts are shown to admins and as metrics, and a
 * warning is logged when no Jibri is idle: the next call could not be recorded.
 */
public final class BreweryWatcher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BreweryWatcher.class);

    public enum State { IDLE, BUSY, UNHEALTHY }

    public record Jibri(String nick, State state, long sinceMs) {}

    public record Counts(int idle, int busy, int unhealthy, boolean connected) {
        public int total() {
            return idle + busy + unhealthy;
        }
    }

    private final ZentrixConfig.Brewery config;
    private final Clock clock;
    private final Map<String, Jibri> jibris = new ConcurrentHashMap<>();
    private final ScheduledExecutorService worker = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "brewery-watcher");
        t.setDaemon(true);
        return t;
    });
    private volatile XMPPTCPConnection connection;
    private volatile boolean joined;
    private volatile boolean warnedNoneIdle;

    public BreweryWatcher(ZentrixConfig.Brewery config, Clock clock) {
        this.config = config;
        this.clock = clock;
        JibriStatusPacketExt.registerExtensionProvider();
        JibriBusyStatusPacketExt.registerExtensionProvider();
        HealthStatusPacketExt.registerExtensionProvider();
    }

    /** Connects and joins in the background, and again whenever the connection is lost. */
    public void start() {
        worker.scheduleWithFixedDelay(this::ensureJoined, 0, 10, TimeUnit.SECONDS);
    }

    private void ensureJoined() {
        if (joined && connection != null && connection.isAuthenticated()) return;
        try {
            if (connection != null) connection.disconnect();
            joined = false;
            jibris.clear();
            XMPPTCPConnection c = new XMPPTCPConnection(XMPPTCPConnectionConfiguration.builder()
                    .setXmppDomain(config.domain()).setHost(config.host()).setPort(config.port())
                    .setSecurityMode(ConnectionConfiguration.SecurityMode.valueOf(config.security()))
                    .setUsernameAndPassword(config.username(), config.password()).setResource("zentrix-brewery")
                    .setConnectTimeout(5000).build());
            c.connect().login();
            MultiUserChat muc = MultiUserChatManager.getInstanceFor(c).getMultiUserChat(JidCreate.entityBareFrom(config.muc()));
            muc.addParticipantListener(this::onPresence);
            muc.join(muc.getEnterConfigurationBuilder(Resourcepart.from(config.nickname())).requestNoHistory().build());
            connection = c;
            joined = true;
            log.info("watching the Jibri brewery {} as {}", config.muc(), config.nickname());
        } catch (Exception e) {
            log.warn("cannot watch the Jibri brewery {}: {}", config.muc(), e.toString());
        }
    }

    private void onPresence(Presence p) {
        if (p.getFrom() == null || p.getFrom().getResourceOrNull() == null) return;
        String nick = p.getFrom().getResourceOrNull().toString();
        if (nick.equals(config.nickname())) return;
        if (p.getType() == Presence.Type.unavailable) {
            if (jibris.remove(nick) != null) log.info("jibri {} left the brewery", nick);
        } else {
            JibriStatusPacketExt status = p.getExtension(JibriStatusPacketExt.class);
            if (status == null) return; // Jicofo and other watchers carry no Jibri status
            State state = status.getHealthStatus() != null
                    && status.getHealthStatus().getStatus() != HealthStatusPacketExt.Health.HEALTHY ? State.UNHEALTHY
                    : status.getBusyStatus() != null && status.getBusyStatus().getStatus() == JibriBusyStatusPacketExt.BusyStatus.IDLE
                            ? State.IDLE : State.BUSY;
            Jibri before = jibris.put(nick, new Jibri(nick, state, clock.millis()));
            if (before == null || before.state() != state) log.info("jibri {} in the brewery is {}", nick, state);
        }
        Counts c = counts();
        if (c.idle() == 0 && !warnedNoneIdle) {
            log.warn("no idle Jibri in the brewery ({} busy, {} unhealthy): the next call cannot be recorded", c.busy(), c.unhealthy());
            warnedNoneIdle = true;
        } else if (c.idle() > 0) {
            warnedNoneIdle = false;
        }
    }

    public Counts counts() {
        int idle = 0;
        int busy = 0;
        int bad = 0;
        for (Jibri j : jibris.values()) {
            switch (j.state()) {
                case IDLE -> idle++;
                case BUSY -> busy++;
                case UNHEALTHY -> bad++;
            }
        }
        return new Counts(idle, busy, bad, joined);
    }

    public Map<String, Object> view() {
        Map<String, Object> out = new LinkedHashMap<>();
        Counts c = counts();
        out.put("muc", config.muc());
        out.put("connected", c.connected());
        out.put("idle", c.idle());
        out.put("busy", c.busy());
        out.put("unhealthy", c.unhealthy());
        out.put("warning", c.connected() && c.idle() == 0 ? "no idle Jibri: the next call cannot be recorded" : null);
        out.put("jibris", jibris.values().stream().sorted((a, b) -> a.nick().compareTo(b.nick())).toList());
        return out;
    }


    @Override
    public void close() {
        worker.shutdownNow();
        if (connection != null) connection.disconnect();
    }
}
