package com.zentrix.video.events;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.zentrix.video.web.ApiException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.regex.Pattern;

/** Turns a request body into a {@link RoomEvent}, or says exactly what is wrong with it (400). */
public final class EventParser {
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9._:-]{1,100}");
    private static final int MAX_TEXT = 1024;
    private final ObjectMapper json;

    public EventParser(ObjectMapper json) {
        this.json = json;
    }

    /** Up to this many events travel in one batch request. */
    public static final int MAX_BATCH = 500;

    /** A room event, a snapshot, or a batch of room events ({@code {"events": [...]}}), whichever the body is. */
    public Object parseAny(byte[] body) {
        JsonNode root = tree(body);
        if (root.has("events")) return batch(root);
        if ("snapshot".equals(root.path("type").asText())) return snapshot(root, body);
        return event(root, body);
    }

    /** All events of a batch, or a 400 naming the first bad one: a batch is taken whole or not at all. */
    private java.util.List<RoomEvent> batch(JsonNode root) {
        JsonNode events = root.get("events");
        if (!events.isArray() || events.isEmpty()) throw bad("field 'events' must be a non-empty list");
        if (events.size() > MAX_BATCH) throw bad("a batch may hold at most " + MAX_BATCH + " events");
        java.util.List<RoomEvent> out = new java.util.ArrayList<>(events.size());
        for (int i = 0; i < events.size(); i++) {
            JsonNode e = events.get(i);
            try {
                if (!e.isObject()) throw bad("must be a JSON object");
                if ("snapshot".equals(e.path("type").asText())) throw bad("a snapshot travels on its own, not in a batch");
                out.add(event(e, e.toString().getBytes(StandardCharsets.UTF_8)));
            } catch (ApiException ex) {
                throw bad("events[" + i + "]: " + ex.getMessage());
            }
        }
        return out;
    }

    public RoomEvent parse(byte[] body) {
        return event(tree(body), body);
    }

    /** A snapshot as the module's GET endpoint or snapshot event carries it. */
    public Snapshot parseSnapshot(byte[] body) {
        return snapshot(tree(body), body);
    }

    private Snapshot snapshot(JsonNode root, byte[] body) {
        String id = root.hasNonNull("id") ? text(root, "id", true) : "fetched-" + java.util.UUID.randomUUID();
        if (!ID.matcher(id).matches()) throw bad("field 'id' must be 1-100 characters of [A-Za-z0-9._:-]");
        long tsMs = positiveLong(root, "ts");
        JsonNode rooms = root.get("rooms");
        if (rooms == null || !(rooms.isArray() || (rooms.isObject() && rooms.isEmpty()))) {
            throw bad("field 'rooms' must be a list"); // Prosody's util.json encodes an empty list as {}
        }
        java.util.List<Snapshot.RoomSnapshot> out = new java.util.ArrayList<>();
        int i = 0;
        for (JsonNode r : rooms) {
            String at = "rooms[" + i++ + "]";
            if (!r.isObject()) throw bad("field '" + at + "' must be an object");
            String jid = text(r, at + ".jid", "jid", true);
            if (!jid.contains("@") || jid.contains("/")) throw bad("field '" + at + ".jid' is not a bare room JID");
            RoomEvent.Room room = new RoomEvent.Room(jid.toLowerCase(java.util.Locale.ROOT), text(r, at + ".name", "name", true),
                    text(r, at + ".instance", "instance", true));
            JsonNode seqNode = r.get("seq");
            long seq = seqNode != null && seqNode.canConvertToLong() ? Math.max(0, seqNode.asLong()) : 0;
            java.util.List<RoomEvent.Occupant> occupants = new java.util.ArrayList<>();
            JsonNode occ = r.get("occupants");
            if (occ != null && occ.isArray()) for (JsonNode o : occ) occupants.add(occupant(o));
            JsonNode rec = r.get("recording");
            RoomEvent.Recording recording = rec == null || rec.isNull() ? null : recording(rec, at + ".recording");
            out.add(new Snapshot.RoomSnapshot(room, seq, occupants, recording));
        }
        return new Snapshot(id, Instant.ofEpochMilli(tsMs), out, new String(body, StandardCharsets.UTF_8));
    }

    private JsonNode tree(byte[] body) {
        if (body.length == 0) throw bad("body is empty");
        JsonNode root;
        try {
            root = json.readTree(body);
        } catch (JsonProcessingException e) {
            throw bad("body is not valid JSON: " + e.getOriginalMessage());
        } catch (java.io.IOException e) {
            throw bad("body could not be read as JSON");
        }
        if (root == null || !root.isObject()) throw bad("body must be a JSON object");
        return root;
    }

    private RoomEvent event(JsonNode root, byte[] body) {
        String id = text(root, "id", true);
        if (!ID.matcher(id).matches()) throw bad("field 'id' must be 1-100 characters of [A-Za-z0-9._:-]");
        String typeText = text(root, "type", true);
        RoomEvent.Type type = RoomEvent.Type.fromWire(typeText);
        if (type == null) throw bad("field 'type' has unknown value '" + clip(typeText) + "'");
        long seq = positiveLong(root, "seq");
        long tsMs = positiveLong(root, "ts");

        JsonNode roomNode = root.get("room");
        if (roomNode == null || !roomNode.isObject()) throw bad("field 'room' is missing or not an object");
        String roomJid = text(roomNode, "room.jid", "jid", true);
        if (!roomJid.contains("@") || roomJid.contains("/")) throw bad("field 'room.jid' is not a bare room JID");
        String roomName = text(roomNode, "room.name", "name", true);
        String instance = text(roomNode, "room.instance", "instance", true);
        RoomEvent.Room room = new RoomEvent.Room(roomJid.toLowerCase(java.util.Locale.ROOT), roomName, instance);

        RoomEvent.Occupant occupant = null;
        JsonNode occ = root.get("occupant");
        if (type.isOccupantEvent()) {
            if (occ == null || !occ.isObject()) throw bad("field 'occupant' is missing or not an object");
            occupant = occupant(occ);
        }
        RoomEvent.Recording recording = null;
        if (type == RoomEvent.Type.RECORDING_STATUS) {
            JsonNode rec = root.get("recording");
            if (rec == null) throw bad("field 'recording' is missing or not an object");
            recording = recording(rec, "recording");
        }
        return new RoomEvent(id, type, seq, Instant.ofEpochMilli(tsMs), room, occupant, recording,
                new String(body, StandardCharsets.UTF_8));
    }

    /** Jicofo's jibri-recording-status as the module forwards it, in an event or a snapshot's room. */
    private RoomEvent.Recording recording(JsonNode rec, String at) {
        if (!rec.isObject()) throw bad("field '" + at + "' is missing or not an object");
        String status = text(rec, at + ".status", "status", true);
        if (!java.util.Set.of("pending", "on", "off").contains(status)) {
            throw bad("field '" + at + ".status' must be pending, on or off");
        }
        return new RoomEvent.Recording(status, text(rec, at + ".session_id", "session_id", false),
                text(rec, at + ".failure_reason", "failure_reason", false), text(rec, at + ".initiator", "initiator", false));
    }

    private RoomEvent.Occupant occupant(JsonNode occ) {
        String nick = text(occ, "occupant.nick", "nick", true);
        String endpoint = text(occ, "occupant.endpoint", "endpoint", false);
        String displayName = text(occ, "occupant.display_name", "display_name", false);
        String jid = text(occ, "occupant.jid", "jid", true);
        if (jid.contains("/")) throw bad("field 'occupant.jid' must be a bare JID");
        String host = text(occ, "occupant.host", "host", false);
        if (host == null) {
            int at = jid.indexOf('@');
            host = at >= 0 ? jid.substring(at + 1) : jid;
        }
        String role = text(occ, "occupant.role", "role", false);
        String affiliation = text(occ, "occupant.affiliation", "affiliation", false);
        String kindText = text(occ, "occupant.kind", "kind", true);
        RoomEvent.Kind kind = RoomEvent.Kind.fromWire(kindText);
        if (kind == null) throw bad("field 'occupant.kind' has unknown value '" + clip(kindText) + "'");
        RoomEvent.Jwt jwt = null;
        JsonNode j = occ.get("jwt");
        if (j != null && !j.isNull()) {
            if (!j.isObject()) throw bad("field 'occupant.jwt' must be an object");
            JsonNode mod = j.get("moderator");
            boolean moderator = mod != null && (mod.asBoolean(false) || "true".equalsIgnoreCase(mod.asText()));
            jwt = new RoomEvent.Jwt(text(j, "occupant.jwt.id", "id", false), text(j, "occupant.jwt.name", "name", false),
                    text(j, "occupant.jwt.email", "email", false), moderator,
                    text(j, "occupant.jwt.affiliation", "affiliation", false));
        }
        return new RoomEvent.Occupant(nick, endpoint, displayName, jid.toLowerCase(java.util.Locale.ROOT),
                host.toLowerCase(java.util.Locale.ROOT), role, affiliation, kind, jwt);
    }

    private static String text(JsonNode node, String field, boolean required) {
        return text(node, field, field, required);
    }

    private static String text(JsonNode node, String label, String field, boolean required) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            if (required) throw bad("field '" + label + "' is missing");
            return null;
        }
        if (!v.isTextual() && !v.isNumber()) throw bad("field '" + label + "' must be a string");
        String s = v.asText();
        if (required && s.isBlank()) throw bad("field '" + label + "' is empty");
        if (s.length() > MAX_TEXT) throw bad("field '" + label + "' is longer than " + MAX_TEXT + " characters");
        return s;
    }

    private static long positiveLong(JsonNode node, String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) throw bad("field '" + field + "' is missing");
        if (!v.isIntegralNumber() || !v.canConvertToLong()) throw bad("field '" + field + "' must be an integer");
        long n = v.asLong();
        if (n <= 0) throw bad("field '" + field + "' must be positive");
        return n;
    }

    private static String clip(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "…" : s;
    }

    private static ApiException bad(String message) {
        return ApiException.badRequest("bad_event", message);
    }
}
