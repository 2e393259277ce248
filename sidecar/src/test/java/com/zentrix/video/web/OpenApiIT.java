package com.zentrix.video.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.zentrix.video.testing.ApiClient;
import com.zentrix.video.testing.Sidecar;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The OpenAPI document: served by the sidecar behind the login, and naming exactly the routes App registers. */
class OpenApiIT {
    /** A route as App.java registers it: app.get("/api/v1/…", …). */
    private static final Pattern ROUTE = Pattern.compile("\\bapp\\.(get|post|put|delete|patch)\\(\"(/api/[^\"]+)\"");
    @TempDir static Path dir;
    static Sidecar sidecar;

    @BeforeAll
    static void start() {
        sidecar = Sidecar.builder(dir).jibris("http://127.0.0.1:9/jibri/api/v1.0").start();
    }

    @AfterAll
    static void stop() {
        sidecar.close();
    }

    static JsonNode document() throws Exception {
        HttpResponse<String> r = sidecar.getAdmin("/api/v1/openapi.json");
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
        return new ObjectMapper().readTree(r.body());
    }

    /** "GET /api/v1/sessions/{id}" for every route in App.java (the composition root lists them all). */
    static Set<String> routesInApp() throws Exception {
        String app = Files.readString(Path.of("src/main/java/com/zentrix/video/App.java"), StandardCharsets.UTF_8);
        Set<String> routes = new TreeSet<>();
        Matcher m = ROUTE.matcher(app);
        while (m.find()) routes.add(m.group(1).toUpperCase(Locale.ROOT) + " " + m.group(2));
        return routes;
    }

    @Test
    void itIsServedBehindTheLoginAsAnOpenApi3Document() throws Exception {
        assertEquals(401, new ApiClient(sidecar.baseUrl()).get("/api/v1/openapi.json").statusCode());
        JsonNode doc = document();
        assertTrue(doc.path("openapi").asText().startsWith("3.0"), doc.path("openapi").asText());
        JsonNode schemes = doc.path("components").path("securitySchemes");
        for (String s : List.of("sessionCookie", "csrfToken", "bearerToken", "prosodySignature", "finalizeSignature")) {
            assertTrue(schemes.has(s), "security scheme " + s);
        }
        assertEquals("zv_session", schemes.path("sessionCookie").path("name").asText());
        assertEquals("X-CSRF-Token", schemes.path("csrfToken").path("name").asText());
        assertTrue(doc.path("components").path("schemas").path("Error").path("required").toString().contains("error"));
    }

    @Test
    void everyRouteOfTheAppIsDocumentedAndNothingElse() throws Exception {
        Set<String> inApp = routesInApp();
        assertTrue(inApp.size() >= 20 && inApp.contains("GET /api/v1/sessions/{id}/media"), "found App's routes: " + inApp);
        Set<String> documented = new TreeSet<>();
        document().path("paths").fields().forEachRemaining(p -> p.getValue().fieldNames().forEachRemaining(method -> {
            if (Set.of("get", "post", "put", "delete", "patch").contains(method)) {
                documented.add(method.toUpperCase(Locale.ROOT) + " " + p.getKey());
            }
        }));
        assertEquals(inApp, documented);
    }

    @Test
    void everyReferenceResolves() throws Exception {
        JsonNode doc = document();
        List<String> broken = new ArrayList<>();
        List<JsonNode> todo = new ArrayList<>(List.of(doc));
        while (!todo.isEmpty()) {
            JsonNode n = todo.remove(todo.size() - 1);
            if (n.has("$ref")) {
                String ref = n.get("$ref").asText();
                if (!ref.startsWith("#/") || doc.at(ref.substring(1)).isMissingNode()) broken.add(ref);
            }
            n.elements().forEachRemaining(todo::add);
        }
        assertEquals(List.of(), broken);
    }
}
