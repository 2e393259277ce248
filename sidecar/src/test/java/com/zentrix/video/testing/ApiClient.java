package com.zentrix.video.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.CookieManager;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/** A browser-like API client: keeps the login cookie and sends the CSRF token on changes. */
public final class ApiClient {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final String base;
    private final HttpClient http;
    private String csrf;
    private final java.util.Map<String, String> headers = new java.util.LinkedHashMap<>();

    public ApiClient(String base) {
        this.base = base;
        this.http = HttpClient.newBuilder().cookieHandler(new CookieManager()).build();
    }

    public HttpResponse<String> login(String username, String password, String method) {
        HttpResponse<String> r = post("/api/v1/auth/login",
                JSON.createObjectNode().put("username", username).put("password", password).put("method", method).toString());
        if (r.statusCode() == 200) csrf = json(r).get("csrf").asText();
        return r;
    }

    public ApiClient loggedIn(String username, String password) {
        HttpResponse<String> r = login(username, password, "local");
        if (r.statusCode() != 200) throw new AssertionError("login of " + username + " failed: " + r.statusCode() + " " + r.body());
        return this;
    }

    /** Sends this header with every request from now on (e.g. X-Forwarded-For, as nginx would). */
    public ApiClient header(String name, String value) {
        headers.put(name, value);
        return this;
    }

    public void csrf(String token) {
        this.csrf = token;
    }

    public HttpResponse<String> get(String path) {
        return send(HttpRequest.newBuilder(URI.create(base + path)).GET());
    }

    public HttpResponse<byte[]> getBytes(String path, String range) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).GET();
        if (range != null) b.header("Range", range);
        headers.forEach(b::header);
        try {
            return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public HttpResponse<String> post(String path, String body) {
        return send(withCsrf(HttpRequest.newBuilder(URI.create(base + path)).POST(HttpRequest.BodyPublishers.ofString(body))));
    }

    public HttpResponse<String> put(String path, String body) {
        return send(withCsrf(HttpRequest.newBuilder(URI.create(base + path)).PUT(HttpRequest.BodyPublishers.ofString(body))));
    }

    public HttpResponse<String> delete(String path) {
        return send(withCsrf(HttpRequest.newBuilder(URI.create(base + path)).DELETE()));
    }

    private HttpRequest.Builder withCsrf(HttpRequest.Builder b) {
        b.header("Content-Type", "application/json");
        if (csrf != null) b.header("X-CSRF-Token", csrf);
        return b;
    }

    private HttpResponse<String> send(HttpRequest.Builder b) {
        headers.forEach(b::header);
        try {
            return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public static JsonNode json(HttpResponse<String> r) {
        try {
            return JSON.readTree(r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
