package com.zentrix.video.archive;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The X-Accel-Redirect URI: nginx decodes it back to the archive-relative path, whatever the file is called;
 * and which bytes a Range header asks for (RFC 9110 14.1.2), including numbers longer than a long.
 */
class MediaApiTest {
    @Test
    void rangesInsideTheFileAreTakenAsWritten() {
        assertArrayEquals(new long[] {0, 99}, MediaApi.byteRange("bytes=0-99", 1000));
        assertArrayEquals(new long[] {500, 999}, MediaApi.byteRange("bytes=500-", 1000));
        assertArrayEquals(new long[] {900, 999}, MediaApi.byteRange("bytes=-100", 1000));
        assertArrayEquals(new long[] {7, 7}, MediaApi.byteRange(" bytes=007-7 ", 1000));
    }

    @Test
    void anEndOrASuffixBeyondTheFileMeansUpToItsEnd() {
        assertArrayEquals(new long[] {10, 999}, MediaApi.byteRange("bytes=10-5000", 1000));
        assertArrayEquals(new long[] {0, 999}, MediaApi.byteRange("bytes=-5000", 1000));
        assertArrayEquals(new long[] {10, 999}, MediaApi.byteRange("bytes=10-99999999999999999999999", 1000));
        assertArrayEquals(new long[] {0, 999}, MediaApi.byteRange("bytes=-99999999999999999999999", 1000));
    }

    @Test
    void unsatisfiableOrUnservedRangesAreNull() {
        for (String bad : new String[] {"bytes=1000-", "bytes=99999999999999999999-", "bytes=50-10", "bytes=-0", "bytes=-",
                "bytes=0-1,5-6", "items=0-1", "bytes=a-b", "bytes=-1-2", ""}) {
            assertNull(MediaApi.byteRange(bad, 1000), bad);
        }
        assertNull(MediaApi.byteRange("bytes=-10", 0), "nothing to send of an empty file");
    }

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
