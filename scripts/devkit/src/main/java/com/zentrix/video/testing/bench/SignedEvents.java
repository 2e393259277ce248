package com.zentrix.video.testing.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.zentrix.video.testing.Events;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Room event requests as mod_zentrix_events sends them (docs/protocol.md, "Room events"; bodies from
 * {@link Events}), made ready to write on a socket: JSON body, signature headers, request head. Prepared before the clock starts so the
 * load generator spends its CPU on sending, not on JSON and HMAC.
 */
final class SignedEvents {

    private final String host;
    private final Mac mac;

    SignedEvents(String host, String secret) {
        this.host = host;
        try {
            mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    /**
     * One room's whole life. A guest-only room (room-created, guest joined, guest left, room-destroyed)
     * triggers nothing: no operator, no recording. A recording room adds an operator before the guest, so
     * the guest's join starts a session and a Jibri request, and the guest's leave stops it (grace 0 s).
     */
    List<byte[]> room(String roomName, boolean withOperator) {
        List<byte[]> requests = new ArrayList<>();
        for (byte[] body : roomBodies(roomName, withOperator)) requests.add(request(body));
        return requests;
    }

    /** The same room's events as bare JSON bodies, unsigned, for {@link #batch}. */
    List<byte[]> roomBodies(String roomName, boolean withOperator) {
        String instance = UUID.randomUUID().toString();
        List<ObjectNode> events = new ArrayList<>();
        events.add(Events.room("room-created", roomName, instance, 1));
        ObjectNode operatorJoined = null;
        if (withOperator) {
            operatorJoined = Events.occupant("occupant-joined", roomName, instance, 2, "0perat0r",
                    "operator@meet.zentrix.test", "authenticated", "Олена Коваль");
            events.add(operatorJoined);
        }
        String endpoint = UUID.randomUUID().toString().substring(0, 8);
        ObjectNode guestJoined = Events.occupant("occupant-joined", roomName, instance, events.size() + 1, endpoint,
                UUID.randomUUID().toString().substring(0, 18) + "@guest.meet.zentrix.test", "guest", "Guest " + endpoint);
        events.add(guestJoined);
        events.add(leftOf(guestJoined, events.size() + 1));
        if (operatorJoined != null) events.add(leftOf(operatorJoined, events.size() + 1));
        events.add(Events.room("room-destroyed", roomName, instance, events.size() + 1));
        List<byte[]> bodies = new ArrayList<>(events.size());
        for (ObjectNode e : events) bodies.add(e.toString().getBytes(StandardCharsets.UTF_8));
        return bodies;
    }

    /** One signed request carrying these events as a batch, {@code {"events":[...]}} (docs/protocol.md, "Batches"). */
    byte[] batch(List<byte[]> bodies) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes("{\"events\":[".getBytes(StandardCharsets.US_ASCII));
        for (int i = 0; i < bodies.size(); i++) {
            if (i > 0) body.write(',');
            body.writeBytes(bodies.get(i));
        }
        body.writeBytes("]}".getBytes(StandardCharsets.US_ASCII));
        return request(body.toByteArray());
    }

    private static ObjectNode leftOf(ObjectNode joined, long seq) {
        ObjectNode left = joined.deepCopy();
        left.put("id", UUID.randomUUID().toString());
        left.put("type", "occupant-left");
        left.put("seq", seq);
        return left;
    }

    /** The whole HTTP/1.1 request, signed as the module signs: HMAC(secret, timestamp + "." + body). */
    private byte[] request(byte[] body) {
        String ts = Long.toString(System.currentTimeMillis() / 1000);
        mac.update(ts.getBytes(StandardCharsets.US_ASCII));
        mac.update((byte) '.');
        String signature = "sha256=" + HexFormat.of().formatHex(mac.doFinal(body));
        String head = "POST /api/v1/events HTTP/1.1\r\n"
                + "Host: " + host + "\r\n"
                + "Content-Type: application/json\r\n"
                + "X-Zentrix-Timestamp: " + ts + "\r\n"
                + "X-Zentrix-Signature: " + signature + "\r\n"
                + "Content-Length: " + body.length + "\r\n\r\n";
        ByteArrayOutputStream out = new ByteArrayOutputStream(head.length() + body.length);
        out.writeBytes(head.getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(body);
        return out.toByteArray();
    }
}
