/**
 * Room events from the Prosody module: signature check, parsing, the durable journal and
 * per-room ordering, before anything downstream acts on them.
 */
package com.zentrix.video.events;
