package com.zentrix.video.testing;

import java.nio.file.Path;
import java.util.function.UnaryOperator;

/**
 * The whole recording path with the sidecar jar as its own process, so a test can SIGKILL it and start
 * it again on the same files: Prosody with our module (snapshot endpoint included), Jibri stand-ins
 * running the real finalize script, Smack clients. Tuned for crash tests: the occupancy snapshot every
 * 3 s, a restart waits 2 s for it, the sweeper every second, and the finalize script retries for 3 s
 * while the sidecar is down (then the sweeper finds the folder). The stand-ins give up an unjoinable
 * call after 8 s instead of Jibri's 30 s, and the sidecar takes a recorder still busy 10 s after accepting
 * as capturing (instead of 40 s), so an ON webhook lost on a starved host costs seconds, not the test.
 */
public final class CrashFlow implements AutoCloseable {
    public final SidecarProcess sidecar;
    public final ProsodyServer prosody;
    public final JibriStandIn[] jibris;
    public final XmppClients xmpp;

    /**
     * {@code jibri} adds settings to every stand-in (e.g. a lighter capture), {@code settings} to the
     * sidecar's configuration; {@code accounts} are registered with the password {@code <name>-pass}.
     */
    public CrashFlow(Path dir, int jibriCount, UnaryOperator<JibriStandIn.Builder> jibri,
            UnaryOperator<Sidecar.Builder> settings, String... accounts) throws Exception {
        int port = Sidecar.freePort();
        int prosodyHttp = Sidecar.freePort();
        String url = Sidecar.baseUrl(port);
        jibris = new JibriStandIn[jibriCount];
        String[] urls = new String[jibriCount];
        for (int i = 0; i < jibriCount; i++) {
            jibris[i] = jibri.apply(Flow.standIn(dir.resolve("jibri-recordings"), url, "jibri-" + (i + 1))
                    .finalizeEnvironment("ZENTRIX_FINALIZE_SYNC_SECONDS", "3").joinTimeout(java.time.Duration.ofSeconds(8))).start();
            urls[i] = jibris[i].baseUrl();
        }
        Path conf = settings.apply(Sidecar.builder(dir).port(port).jibris(urls)
                        .set("zentrix.prosody.snapshot-url", "http://127.0.0.1:" + prosodyHttp + "/zentrix_events/rooms")
                        .set("zentrix.prosody.reconcile-interval", "3 s").set("zentrix.recording.restart-wait", "2 s")
                        .set("zentrix.finalize.sweep-interval", "1 s").set("zentrix.finalize.sweep-after", "3 s")
                        .set("zentrix.jibri.assume-capturing-after", "10 s"))
                .writeConfig(dir.resolve("zentrix.conf"));
        sidecar = new SidecarProcess(conf, dir.resolve("sidecar.log"), port, dir.resolve("zentrix.db")).start();
        prosody = ProsodyServer.builder().eventsUrl(url + "/api/v1/events").eventsSecret(Sidecar.PROSODY_SECRET)
                .httpPort(prosodyHttp).recorderHost(true).start();
        for (String account : accounts) prosody.register(account, account + "-pass");
        // Hundreds of clients log in at once while the host is busy: Prosody (one Lua thread) may take
        // longer than Smack's default 10 s to answer a login then.
        xmpp = new XmppClients(prosody.host(), prosody.c2sPort(), prosody.domain(), java.time.Duration.ofSeconds(30));
    }

    public String room(String name) {
        return xmpp.roomJid(name);
    }

    @Override
    public void close() {
        if (prosody != null) prosody.close();
        for (JibriStandIn j : jibris) if (j != null) j.close();
        if (sidecar != null) sidecar.close();
    }
}
