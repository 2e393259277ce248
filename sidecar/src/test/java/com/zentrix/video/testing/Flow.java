package com.zentrix.video.testing;

import java.nio.file.Path;
import java.time.Duration;

/**
 * The whole recording path for a test, all real: Prosody with our module, the sidecar, and Jibri
 * stand-ins that run the real finalize script against the sidecar. Ports are chosen first so every
 * peer can be told where the others are.
 */
public final class Flow implements AutoCloseable {
    public static final Path FINALIZE_SCRIPT = ProsodyServer.findModuleDir().getParent().resolve("jibri-finalize/zentrix-finalize.sh");

    public final Sidecar sidecar;
    public final ProsodyServer prosody;
    public final JibriStandIn[] jibris;
    public final XmppClients xmpp;

    public Flow(Path dir, int jibriCount, String... extraJibriUrls) throws Exception {
        this(dir, b -> b, jibriCount, extraJibriUrls);
    }

    /** With extra sidecar settings (timeouts, sweeper) applied to the fixture's builder. */
    public Flow(Path dir, java.util.function.UnaryOperator<Sidecar.Builder> settings, int jibriCount, String... extraJibriUrls)
            throws Exception {
        int port = Sidecar.freePort();
        String sidecarUrl = Sidecar.baseUrl(port);
        Path recordings = dir.resolve("jibri-recordings");
        jibris = new JibriStandIn[jibriCount];
        String[] urls = new String[jibriCount + extraJibriUrls.length];
        for (int i = 0; i < jibriCount; i++) {
            jibris[i] = standIn(recordings, sidecarUrl, "jibri-" + (i + 1)).start();
            urls[i] = jibris[i].baseUrl();
        }
        System.arraycopy(extraJibriUrls, 0, urls, jibriCount, extraJibriUrls.length);
        int prosodyHttp = Sidecar.freePort();
        sidecar = settings.apply(Sidecar.builder(dir).port(port).jibris(urls)
                .set("zentrix.prosody.snapshot-url", "http://127.0.0.1:" + prosodyHttp + "/zentrix_events/rooms")
                .set("zentrix.privacy.notice-url", "http://127.0.0.1:" + prosodyHttp + "/zentrix_events/notice")).start();
        prosody = ProsodyServer.builder().eventsUrl(sidecar.eventsUrl()).eventsSecret(Sidecar.PROSODY_SECRET)
                .httpPort(prosodyHttp).recorderHost(true).start();
        prosody.register("olena", "olena-pass");
        prosody.register("taras", "taras-pass");
        xmpp = new XmppClients(prosody);
    }

    /**
     * A Jibri stand-in recording into the sidecar's Jibri folder and running the real finalize script
     * against it (local hand-over); webhooks, id and timings are the caller's.
     */
    public static JibriStandIn.Builder jibri(Path recordings, String sidecarUrl) {
        return JibriStandIn.builder().recordingsDir(recordings).finalizeScript(FINALIZE_SCRIPT)
                .finalizeEnvironment("ZENTRIX_FINALIZE_ENV", "/nonexistent")
                .finalizeEnvironment("ZENTRIX_SIDECAR_URL", sidecarUrl)
                .finalizeEnvironment("ZENTRIX_FINALIZE_SECRET", Sidecar.FINALIZE_SECRET)
                .finalizeEnvironment("ZENTRIX_FINALIZE_MODE", "local");
    }

    /** {@link #jibri} wired as in production: its webhooks to the sidecar, this id, a short join delay. */
    public static JibriStandIn.Builder standIn(Path recordings, String sidecarUrl, String jibriId) {
        return jibri(recordings, sidecarUrl).webhookSubscriber(sidecarUrl + "/api/v1/jibri")
                .jibriId(jibriId).joinDelay(Duration.ofMillis(300));
    }

    public String room(String name) {
        return xmpp.roomJid(name);
    }

    @Override
    public void close() {
        prosody.close();
        for (JibriStandIn j : jibris) j.close();
        sidecar.close();
    }
}
