package com.zentrix.video.web;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * HMAC-SHA256 request signatures shared by the Prosody module and the finalize hook
 * (docs/protocol.md, "Signing"): {@code sha256=hex(HMAC(secret, timestamp + "." + payload))}.
 */
public final class Signatures {
    public static final String TIMESTAMP_HEADER = "X-Zentrix-Timestamp";
    public static final String SIGNATURE_HEADER = "X-Zentrix-Signature";

    private final byte[] secret;
    private final Duration maxSkew;

    public Signatures(String secret, Duration maxSkew) {
        this.secret = secret.getBytes(StandardCharsets.UTF_8);
        this.maxSkew = maxSkew;
    }

    /** Throws 401 unless the signature is right and the timestamp fresh. */
    public void verify(String timestamp, String signature, byte[] payload, Instant now) {
        if (timestamp == null || timestamp.isBlank()) throw ApiException.unauthorized("missing " + TIMESTAMP_HEADER);
        if (signature == null || signature.isBlank()) throw ApiException.unauthorized("missing " + SIGNATURE_HEADER);
        long ts;
        try {
            ts = Long.parseLong(timestamp.strip());
        } catch (NumberFormatException e) {
            throw ApiException.unauthorized(TIMESTAMP_HEADER + " is not a number of seconds");
        }
        if (Math.abs(now.getEpochSecond() - ts) > maxSkew.toSeconds()) {
            throw ApiException.unauthorized("timestamp is outside the allowed clock skew of " + maxSkew.toSeconds() + " s");
        }
        String expected = sign(timestamp.strip(), payload);
        byte[] given = signature.strip().toLowerCase(java.util.Locale.ROOT).getBytes(StandardCharsets.US_ASCII);
        if (!MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII), given)) {
            throw ApiException.unauthorized("signature does not match");
        }
    }

    public String sign(String timestamp, byte[] payload) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            mac.update(timestamp.getBytes(StandardCharsets.US_ASCII));
            mac.update((byte) '.');
            mac.update(payload);
            return "sha256=" + HexFormat.of().formatHex(mac.doFinal());
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }
}
