package com.zentrix.video.archive;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The X-Accel-Redirect URI: nginx decodes it back to the archive-relative path, whatever the file is called. */
class MediaApiTest {
    @Test
    void aJibriFileNameOfPlainCharactersIsKeptAsItIs() {
        assertEquals("/zentrix-media/2026/11/24/42-s1/reception1_2026-11-24-10-00-00.mp4",
                MediaApi.xAccelUri("/zentrix-media/", Path.of("2026/11/24/42-s1/reception1_2026-11-24-10-00-00.mp4")));
    }

    @Test
    void everythingNginxWouldReadAsSyntaxOrAHeaderCannotCarryIsPercentEncoded() {
        assertEquals("/zentrix-media/2026/11/24/7-s%20x/%D0%B7%D1%83%D1%81%D1%82%D1%80%D1%96%D1%87%20100%25%20%231%3F%2B_x.mp4",
                MediaApi.xAccelUri("/zentrix-media/", Path.of("2026/11/24/7-s x/зустріч 100% #1?+_x.mp4")));
    }
}
