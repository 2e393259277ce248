package com.zentrix.video.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The UI as shipped in the jar: every string comes from both language bundles, and the page holds no text of its own. */
class WebBundlesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Keys written out in the code: data-i18n="k", i18n: 'k', tr(x, 'k'), t('k'), *Key: 'k', "attr:k" specs. */
    private static final List<Pattern> KEY_USES = List.of(
            Pattern.compile("data-i18n=\"([a-zA-Z_.]+)\""),
            Pattern.compile("(?:i18n|[a-zA-Z]+Key): '([a-zA-Z_.]+)'"),
            Pattern.compile("\\btr?\\([^,()']*,? ?'([a-z][a-zA-Z_]*\\.[a-zA-Z_.]+)'"),
            Pattern.compile("[a-z-]+:([a-z][a-zA-Z_]*\\.[a-zA-Z_.]+)[;\"']"));

    static Path web() throws URISyntaxException {
        return Path.of(WebBundlesTest.class.getResource("/web/index.html").toURI()).getParent();
    }

    static Set<String> keys(String lang) throws IOException {
        try (InputStream in = WebBundlesTest.class.getResourceAsStream("/web/i18n/" + lang + ".json")) {
            JsonNode bundle = JSON.readTree(in);
            Set<String> keys = new TreeSet<>();
            bundle.fields().forEachRemaining(e -> {
                assertTrue(e.getValue().isTextual() && !e.getValue().asText().isBlank(), lang + ": " + e.getKey() + " is empty");
                keys.add(e.getKey());
            });
            return keys;
        }
    }

    @Test
    void ukrainianAndEnglishHaveTheSameKeys() throws Exception {
        assertEquals(keys("uk"), keys("en"));
    }

    @Test
    void everyKeyTheCodeNamesIsInTheBundles() throws Exception {
        Set<String> known = keys("uk");
        Set<String> used = new TreeSet<>();
        List<Path> files;
        try (Stream<Path> walk = Files.walk(web())) {
            files = walk.filter(p -> p.toString().endsWith(".js") || p.toString().endsWith(".html")).toList();
        }
        for (Path f : files) {
            String src = Files.readString(f, StandardCharsets.UTF_8);
            for (Pattern p : KEY_USES) {
                Matcher m = p.matcher(src);
                while (m.find()) used.add(m.group(1));
            }
        }
        // keys built from API values: every value the API can send
        for (String s : List.of("starting", "recording", "stopping", "ok", "technical_error", "deleted")) used.add("status." + s);
        for (String r : List.of("admin", "supervisor", "operator")) used.add("role." + r);
        for (String f : List.of("sensitive", "needs_review")) used.add("flag." + f);
        for (String p : List.of("today", "yesterday", "week", "month", "range")) used.add("period." + p);
        for (int d = 1; d <= 7; d++) used.add("weekday." + d);
        for (String p : List.of("idle", "active", "grace", "capped")) used.add("live.phase." + p);
        for (String r : List.of("not_recording", "technical_error")) used.add("live.alert." + r);
        assertTrue(used.size() > 60, "the scan found the keys: " + used);
        List<String> missing = new ArrayList<>(used);
        missing.removeAll(known);
        assertEquals(List.of(), missing, "keys used but missing from the bundles");
    }

    @Test
    void thePageItselfHoldsNoTextOnlyKeys() throws Exception {
        String html = Files.readString(web().resolve("index.html"), StandardCharsets.UTF_8);
        String text = html.replaceAll("(?s)<!doctype[^>]*>|<[^>]+>", " ").strip();
        assertEquals("", text, "all visible text comes from the bundles");
        assertFalse(html.contains("http://") || html.contains("https://"), "no CDN or absolute URL");
    }
}
