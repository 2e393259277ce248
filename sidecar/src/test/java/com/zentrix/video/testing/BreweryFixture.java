package com.zentrix.video.testing;

import org.jitsi.xmpp.extensions.health.HealthStatusPacketExt;
import org.jitsi.xmpp.extensions.jibri.JibriBusyStatusPacketExt;
import org.jitsi.xmpp.extensions.jibri.JibriStatusPacketExt;

/**
 * A Jibri brewery MUC on a test Prosody: the sidecar's watcher account and the one the Jibri stand-ins
 * log in with, the sidecar settings that make it watch the MUC, and the {@code <jibri-status>} presence
 * extension a Jibri announces itself with (jitsi/jibri api/xmpp/XmppApi.kt, JibriStatusExts.kt).
 */
public final class BreweryFixture {
    public static final String MUC = "jibribrewery";
    public static final String JIBRI = "jibri";
    public static final String JIBRI_PASSWORD = "jibri-pass";

    private BreweryFixture() {}

    /** Registers the watcher's and the Jibris' accounts. */
    public static void accounts(ProsodyServer prosody) {
        prosody.register("zentrix", "watcher-pass");
        prosody.register(JIBRI, JIBRI_PASSWORD);
    }

    /** The sidecar watches the brewery MUC of this Prosody. */
    public static Sidecar.Builder watching(Sidecar.Builder b, ProsodyServer prosody, XmppClients xmpp) {
        return b.set("zentrix.jibri.brewery.enabled", true).set("zentrix.jibri.brewery.host", prosody.host())
                .set("zentrix.jibri.brewery.port", prosody.c2sPort()).set("zentrix.jibri.brewery.domain", prosody.domain())
                .set("zentrix.jibri.brewery.username", "zentrix").set("zentrix.jibri.brewery.password", "watcher-pass")
                .set("zentrix.jibri.brewery.security", "disabled").set("zentrix.jibri.brewery.muc", xmpp.roomJid(MUC));
    }

    /** A Jibri's status as it puts it in its brewery presence. */
    public static JibriStatusPacketExt status(JibriBusyStatusPacketExt.BusyStatus busy, HealthStatusPacketExt.Health health) {
        JibriStatusPacketExt s = new JibriStatusPacketExt();
        JibriBusyStatusPacketExt b = new JibriBusyStatusPacketExt();
        b.setStatus(busy);
        HealthStatusPacketExt h = new HealthStatusPacketExt();
        h.setStatus(health);
        s.setBusyStatus(b);
        s.setHealthStatus(h);
        return s;
    }
}
