package com.zentrix.video.jibri;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.zentrix.video.testing.BreweryFixture;
import com.zentrix.video.testing.ProsodyServer;
import com.zentrix.video.testing.Sidecar;
import com.zentrix.video.testing.XmppClients;
import java.nio.file.Path;
import java.time.Duration;
import org.jitsi.xmpp.extensions.health.HealthStatusPacketExt;
import org.jitsi.xmpp.extensions.jibri.JibriBusyStatusPacketExt;
import org.jitsi.xmpp.extensions.jibri.JibriStatusPacketExt;
import org.jivesoftware.smack.packet.Presence;
import org.jivesoftware.smack.packet.PresenceBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.jxmpp.jid.impl.JidCreate;

/**
 * The brewery view against a real Prosody MUC where Jibri stand-ins announce their status the way Jibri
 * does: a {@code <jibri-status>} presence extension with busy-status and health-status, re-sent on change
 * (jitsi/jibri src/main/kotlin/org/jitsi/jibri/api/xmpp/XmppApi.kt, JibriStatusExts.kt; read by
 * jitsi/jicofo JibriDetector.kt).
 */
class BreweryIT {
    @TempDir static Path dir;
    static ProsodyServer prosody;
    static Sidecar sidecar;
    static XmppClients xmpp;

    @BeforeAll
    static void start() throws Exception {
        prosody = ProsodyServer.builder().start();
        BreweryFixture.accounts(prosody);
        xmpp = new XmppClients(prosody);
        sidecar = BreweryFixture.watching(Sidecar.builder(dir).jibris("http://127.0.0.1:9/jibri/api/v1.0"), prosody, xmpp).start();
    }

    @AfterAll
    static void stop() {
        sidecar.close();
        prosody.close();
    }

    static JibriStatusPacketExt status(JibriBusyStatusPacketExt.BusyStatus busy, HealthStatusPacketExt.Health health) {
        return BreweryFixture.status(busy, health);
    }

    static JsonNode brewery() {
        return sidecar.getJson("/api/v1/jibris").get("brewery");
    }

    @Test
    void theBreweryViewCountsIdleBusyAndUnhealthyJibrisAndWarnsWhenNoneIsIdle() throws Exception {
        String room = xmpp.roomJid("jibribrewery");
        await().atMost(Duration.ofSeconds(15)).until(() -> brewery().get("connected").asBoolean());
        try (XmppClients.Client j1 = xmpp.user("jibri", "jibri-pass"); XmppClients.Client j2 = xmpp.user("jibri", "jibri-pass");
             XmppClients.Client focus = xmpp.user("jibri", "jibri-pass")) {
            j1.join(room, "jibri-1", null, status(JibriBusyStatusPacketExt.BusyStatus.IDLE, HealthStatusPacketExt.Health.HEALTHY));
            j2.join(room, "jibri-2", null, status(JibriBusyStatusPacketExt.BusyStatus.BUSY, HealthStatusPacketExt.Health.HEALTHY));
            focus.join(room, "focus", null); // Jicofo sits in the brewery too, without a Jibri status
            await().atMost(Duration.ofSeconds(10)).until(() -> brewery().get("idle").asInt() == 1 && brewery().get("busy").asInt() == 1);
            assertTrue(brewery().get("warning").isNull());

            // jibri-1 takes a call: it re-sends its presence with busy, as Jibri does on every change.
            Presence busy = PresenceBuilder.buildPresence().to(JidCreate.entityFullFrom(room + "/jibri-1"))
                    .addExtension(status(JibriBusyStatusPacketExt.BusyStatus.BUSY, HealthStatusPacketExt.Health.HEALTHY)).build();
            j1.connection().sendStanza(busy);
            await().atMost(Duration.ofSeconds(10)).until(() -> brewery().get("busy").asInt() == 2);
            assertEquals(0, brewery().get("idle").asInt());
            assertTrue(brewery().get("warning").asText().contains("cannot be recorded"));
            String metrics = sidecar.getAdmin("/api/v1/metrics").body();
            assertTrue(metrics.contains("zentrix_jibri_brewery{state=\"busy\"} 2"), metrics);

            Presence sick = PresenceBuilder.buildPresence().to(JidCreate.entityFullFrom(room + "/jibri-2"))
                    .addExtension(status(JibriBusyStatusPacketExt.BusyStatus.IDLE, HealthStatusPacketExt.Health.UNHEALTHY)).build();
            j2.connection().sendStanza(sick);
            await().atMost(Duration.ofSeconds(10)).until(() -> brewery().get("unhealthy").asInt() == 1);
        }
        // Leaving the MUC is how a Jibri disappears.
        await().atMost(Duration.ofSeconds(10)).until(() -> brewery().get("jibris").isEmpty());
        assertEquals(0, brewery().get("busy").asInt() + brewery().get("idle").asInt() + brewery().get("unhealthy").asInt());
    }
}
