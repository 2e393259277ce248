/**
 * The benchmark harness behind {@code scripts/bench.sh}: it runs the real sidecar jar, a real Prosody with
 * our module and real XMPP clients, and measures decision latency and durable event intake throughput.
 */
package com.zentrix.video.testing.bench;
