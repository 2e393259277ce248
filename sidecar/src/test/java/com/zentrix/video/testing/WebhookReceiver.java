package com.zentrix.video.testing;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A real HTTP endpoint (the JDK's HttpServer on a free port) that receives the alert webhook as a
 * receiver in production would: it checks the signature as docs/analytics.md tells receivers to,
 * written here independently of the sidecar's code, and keeps what it accepted. It can answer 503 to
 * the first calls, to make the sender retry.
 */
public final class WebhookReceiver implements AutoCloseable {
    /** One call: the body, its headers, whether the signature was right, and the answer. */
    public record Call(String body, String timestamp, String signature, boolean signedRight, int status) {}

    private final HttpServer server;
    private final String secret;
    private final List<Call> calls = new CopyOnWriteArrayList<>();
    private final AtomicInteger failFirst;

    /** {@code failing}: how many first calls to answer 503 (still recorded as calls). */
    public WebhookReceiver(String secret, int failing) throws IOException {
        this.secret = secret;
        this.failFirst = new AtomicInteger(failing);
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/alerts", ex -> {
            byte[] body = ex.getRequestBody().readAllBytes();
            String ts = ex.getRequestHeaders().getFirst("X-Zentrix-Timestamp");
            String sig = ex.getRequestHeaders().getFirst("X-Zentrix-Signature");
            boolean right = ts != null && sig != null && MessageDigest.isEqual(
                    expected(ts, body).getBytes(StandardCharsets.US_ASCII), sig.getBytes(StandardCharsets.US_ASCII));
            int status = failFirst.getAndDecrement() > 0 ? 503 : right ? 204 : 401;
            calls.add(new Call(new String(body, StandardCharsets.UTF_8), ts, sig, right, status));
            ex.sendResponseHeaders(status, -1);
            ex.close();
        });
        server.start();
    }

    /** {@code sha256=} + hex HMAC-SHA256 over timestamp "." body, keyed with the shared secret. */
    private String expected(String timestamp, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            mac.update((timestamp + ".").getBytes(StandardCharsets.US_ASCII));
            return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A sidecar's settings for live alerts to this receiver: signed with its secret, raised after
     * {@code alertAfter} and checked every {@code checkInterval} (HOCON durations, e.g. "1 s").
     */
    public java.util.function.UnaryOperator<Sidecar.Builder> alerting(String alertAfter, String checkInterval) {
        return b -> b.set("zentrix.auth.cookie-secure", false).set("zentrix.live.webhook.url", url())
                .set("zentrix.live.webhook.secret", secret).set("zentrix.live.alert-after", alertAfter)
                .set("zentrix.live.check-interval", checkInterval);
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/alerts";
    }

    /** Every call received, failed and refused ones included. */
    public List<Call> calls() {
        return List.copyOf(calls);
    }

    /** The bodies of the calls it accepted (signed right, answered 204). */
    public List<String> accepted() {
        return calls().stream().filter(c -> c.status() == 204).map(Call::body).toList();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
