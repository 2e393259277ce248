package com.zentrix.video.testing;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.UnaryOperator;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One Prosody with mod_zentrix_events posting to an {@link EventReceiver}, shared by the tests of a
 * class ({@code @RegisterExtension static final ModuleBench bench = …}). It has the recorder host, the
 * admin shell, the accounts {@code op1} and {@code recorder@recorder.<domain>}; before each test the
 * receiver is up and accepts everything, after each test no request may have been badly signed.
 */
final class ModuleBench implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback {

    static final String OPERATOR = "op1";
    static final String OPERATOR_PASSWORD = "op1-password";
    static final String RECORDER = "recorder";
    static final String RECORDER_PASSWORD = "recorder-password";

    private final String secret;
    private final UnaryOperator<ProsodyServer.Builder> configure;
    private EventReceiver receiver;
    private ProsodyServer prosody;
    private XmppClients clients;

    /** {@code configure} adds to the builder, e.g. {@code b -> b.mucOption("zentrix_retry_max_delay = 1")}. */
    ModuleBench(String secret, UnaryOperator<ProsodyServer.Builder> configure) {
        this.secret = secret;
        this.configure = configure;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        receiver = EventReceiver.start(secret);
        prosody = configure.apply(ProsodyServer.builder()
                        .eventsUrl(receiver.url())
                        .eventsSecret(secret)
                        .recorderHost(true)
                        .adminShell(true))
                .start();
        prosody.register(OPERATOR, OPERATOR_PASSWORD);
        prosody.register(RECORDER, prosody.recorderDomain(), RECORDER_PASSWORD);
        clients = new XmppClients(prosody);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (prosody != null) {
            prosody.close();
        }
        if (receiver != null) {
            receiver.stop();
        }
    }

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        receiver.ensureRunning();
        receiver.clearPlan();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        assertTrue(receiver.badSignatures().isEmpty(), "badly signed requests: " + receiver.badSignatures());
    }

    EventReceiver receiver() {
        return receiver;
    }

    ProsodyServer prosody() {
        return prosody;
    }

    XmppClients clients() {
        return clients;
    }

    XmppClients.Client operator() throws XmppClients.ClientException {
        return clients.user(OPERATOR, OPERATOR_PASSWORD);
    }

    XmppClients.Client recorder() throws XmppClients.ClientException {
        return clients.user(RECORDER, prosody.recorderDomain(), RECORDER_PASSWORD);
    }
}
