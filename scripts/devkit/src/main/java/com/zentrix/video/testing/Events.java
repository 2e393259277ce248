package com.zentrix.video.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.UUID;

/** Builds event bodies exactly as mod_zentrix_events sends them (docs/protocol.md), for tests and the benchmark. */
public final class Events {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Events() {}

    public static ObjectNode room(String type, String roomName, String instance, long seq) {
        ObjectNode e = JSON.createObjectNode();
        e.put("id", UUID.randomUUID().toString());
        e.put("type", type);
        e.put("seq", seq);
        e.put("ts", System.currentTimeMillis());
        ObjectNode room = e.putObject("room");
        room.put("jid", roomName + "@conference.meet.zentrix.test");
        room.put("name", roomName);
        room.put("instance", instance);
        return e;
    }

    public static ObjectNode occupant(String type, String roomName, String instance, long seq, String nick, String jid,
            String kind, String displayName) {
        ObjectNode e = room(type, roomName, instance, seq);
        ObjectNode o = e.putObject("occupant");
        o.put("nick", roomName + "@conference.meet.zentrix.test/" + nick);
        o.put("endpoint", nick);
        if (displayName != null) o.put("display_name", displayName);
        o.put("jid", jid);
        o.put("host", jid.substring(jid.indexOf('@') + 1));
        o.put("role", "participant");
        o.put("affiliation", "none");
        o.put("kind", kind);
        return e;
    }
}
