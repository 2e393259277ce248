package com.zentrix.video.web;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zentrix.video.auth.Role;
import com.zentrix.video.testing.Archive;
import com.zentrix.video.testing.Browser;
import com.zentrix.video.testing.BreweryFixture;
import com.zentrix.video.testing.ProsodyServer;
import com.zentrix.video.testing.XmppClients;
import java.time.Duration;
import java.util.List;
import org.jitsi.xmpp.extensions.health.HealthStatusPacketExt;
import org.jitsi.xmpp.extensions.jibri.JibriBusyStatusPacketExt;
import org.jitsi.xmpp.extensions.jibri.JibriStatusPacketExt;
import org.jivesoftware.smack.packet.Presence;
import org.jivesoftware.smack.packet.PresenceBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.jxmpp.jid.impl.JidCreate;

/**
 * The admin's recorder page in a real browser, fed by a real Prosody brewery MUC where Smack clients
 * announce {@code <jibri-status>} as Jibri does (jitsi/jibri api/xmpp/XmppApi.kt, JibriStatusExts.kt):
 * how many Jibris can take the next call, and the warning when none can.
 */
class RecorderStatusBrowserIT extends BrowserTestBase {
    static ProsodyServer prosody;
    static XmppClients xmpp;

    @BeforeAll
    static void start() throws Exception {
        prosody = ProsodyServer.builder().start();
        BreweryFixture.accounts(prosody);
        xmpp = new XmppClients(prosody);
        sidecar = BreweryFixture.watching(browserSidecar(), prosody, xmpp).start();
        Archive archive = new Archive(sidecar);
        archive.user("ivan", Role.ADMIN, null, "ivan-password");
        archive.user("olena", Role.OPERATOR, "olena@meet.zentrix.local", "olena-password");
        browser = Browser.start();
    }

    @AfterAll
    static void stopProsody() {
        if (prosody != null) prosody.close();
    }

    @Override
    String evidencePrefix() {
        return "recorders-";
    }

    static JibriStatusPacketExt status(JibriBusyStatusPacketExt.BusyStatus busy) {
        return BreweryFixture.status(busy, HealthStatusPacketExt.Health.HEALTHY);
    }

    /** The archive holds no sessions here, so the login is over when the header shows who is in. */
    void logIn(String user, String password) {
        submitLogin(user, password);
        browser.visible("#logout");
    }

    String text(String css) {
        return (String) browser.js("var e = document.querySelector(arguments[0]); return e ? e.textContent : null;", css);
    }

    @Test
    void anAdminSeesHowManyJibrisCanTakeTheNextCallAndIsWarnedWhenNoneCan() throws Exception {
        String room = xmpp.roomJid(BreweryFixture.MUC);
        await().atMost(Duration.ofSeconds(15)).until(() -> sidecar.getJson("/api/v1/jibris").get("brewery").get("connected").asBoolean());
        try (XmppClients.Client j1 = xmpp.user(BreweryFixture.JIBRI, BreweryFixture.JIBRI_PASSWORD); XmppClients.Client j2 = xmpp.user(BreweryFixture.JIBRI, BreweryFixture.JIBRI_PASSWORD)) {
            j1.join(room, "jibri-1", null, status(JibriBusyStatusPacketExt.BusyStatus.IDLE));
            j2.join(room, "jibri-2", null, status(JibriBusyStatusPacketExt.BusyStatus.BUSY));

            logIn("ivan", "ivan-password");
            browser.visible("#nav-recorders").click();
            browser.until(d -> "1".equals(text("#brewery-idle")) && "1".equals(text("#brewery-busy")));
            assertEquals("0", text("#brewery-unhealthy"));
            assertEquals(null, text("#brewery-warning"), "a Jibri is idle: no warning");
            List<String> names = browser.all("#brewery-jibris tbody tr td:first-child").stream().map(e -> e.getText()).toList();
            assertEquals(List.of("jibri-1", "jibri-2"), names);

            // jibri-1 takes a call (Jibri re-sends its presence on every change): the page follows by itself.
            Presence busy = PresenceBuilder.buildPresence().to(JidCreate.entityFullFrom(room + "/jibri-1"))
                    .addExtension(status(JibriBusyStatusPacketExt.BusyStatus.BUSY)).build();
            j1.connection().sendStanza(busy);
            browser.until(d -> "2".equals(text("#brewery-busy")) && text("#brewery-warning") != null);
            assertEquals("0", text("#brewery-idle"));
            assertTrue(browser.find("#brewery-warning").isDisplayed());
        }
    }

    @Test
    void anOperatorIsNeitherOfferedNorShownThePage() {
        logIn("olena", "olena-password");
        assertTrue(!browser.find("#nav-recorders").isDisplayed(), "no link for an operator");
        browser.driver().get(sidecar.baseUrl() + "/#/admin/recorders");
        browser.until(d -> "admin.forbidden.title".equals(browser.js(
                "var e = document.querySelector('main h1'); return e ? e.getAttribute('data-i18n') : null;")));
        assertEquals(403, new com.zentrix.video.testing.ApiClient(sidecar.baseUrl()).loggedIn("olena", "olena-password")
                .get("/api/v1/jibris").statusCode(), "and the API refuses it too");
    }
}
