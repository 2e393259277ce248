package com.zentrix.video.web;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Set;
import org.junit.jupiter.api.Test;

/** Whose address the audit trail and the login limiter see: X-Forwarded-For only from a trusted proxy. */
class ClientAddressTest {
    static final Set<String> NGINX = Set.of("127.0.0.1");

    @Test
    void behindTrustedNginxTheClientItNamesIsTheAddress() {
        assertEquals("203.0.113.7", WebServer.clientAddress("127.0.0.1", "203.0.113.7", NGINX));
        assertEquals("2001:db8::5", WebServer.clientAddress("127.0.0.1", " 2001:db8::5 ", NGINX));
    }

    @Test
    void aProxyThatAppendsIsBelievedOnlyForTheHopItAdded() {
        assertEquals("198.51.100.2", WebServer.clientAddress("127.0.0.1", "10.6.6.6, 198.51.100.2", NGINX));
    }

    @Test
    void fromAnyOtherPeerTheHeaderIsIgnored() {
        assertEquals("192.0.2.9", WebServer.clientAddress("192.0.2.9", "203.0.113.7", NGINX));
        assertEquals("127.0.0.1", WebServer.clientAddress("127.0.0.1", "203.0.113.7", Set.of()));
    }

    @Test
    void aMissingOrMalformedHeaderLeavesThePeer() {
        assertEquals("127.0.0.1", WebServer.clientAddress("127.0.0.1", null, NGINX));
        assertEquals("127.0.0.1", WebServer.clientAddress("127.0.0.1", "", NGINX));
        assertEquals("127.0.0.1", WebServer.clientAddress("127.0.0.1", "evil<script>", NGINX));
        assertEquals("127.0.0.1", WebServer.clientAddress("127.0.0.1", "1.2.3.4,", NGINX));
    }
}
