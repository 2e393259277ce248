package com.zentrix.video.install.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * HTTPS requests to the test nginx with curl, as a browser would make them: by the Jitsi domain name
 * (resolved to 127.0.0.1, so SNI and server_name work), trusting only the host's certificate.
 * Bodies are kept as bytes (recordings) and the response headers as nginx sent them.
 */
public final class Https {
    private final String domain;
    private final int port;
    private final Path caCertificate;

    public Https(String domain, int port, Path caCertificate) {
        this.domain = domain;
        this.port = port;
        this.caCertificate = caCertificate;
    }

    public int port() {
        return port;
    }

    public Response get(String path, String... headers) {
        return request("GET", path, null, headers);
    }

    public Response post(String path, String body, String... headers) {
        return request("POST", path, body, headers);
    }

    public Response request(String method, String path, String body, String... headers) {
        Path dir;
        try {
            dir = Files.createTempDirectory("https-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Path head = dir.resolve("headers");
        Path content = dir.resolve("body");
        List<String> command = new ArrayList<>(List.of("curl", "-sS", "--max-time", "20",
                "--cacert", caCertificate.toString(),
                "--resolve", domain + ":" + port + ":127.0.0.1",
                "-X", method, "-D", head.toString(), "-o", content.toString(), "-w", "%{http_code} %{redirect_url}"));
        for (String h : headers) {
            command.add("-H");
            command.add(h);
        }
        if (body != null) {
            command.add("--data-binary");
            command.add(body);
        }
        command.add("https://" + domain + ":" + port + path);
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new AssertionError("curl " + method + " " + path + " failed: " + out);
            }
            String[] status = out.strip().split(" ", 2);
            byte[] bytes = Files.exists(content) ? Files.readAllBytes(content) : new byte[0];
            return new Response(Integer.parseInt(status[0]), bytes, parseHeaders(Files.readString(head, StandardCharsets.ISO_8859_1)),
                    status.length > 1 ? status[1] : "");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } finally {
            try {
                Files.deleteIfExists(head);
                Files.deleteIfExists(content);
                Files.deleteIfExists(dir);
            } catch (IOException ignored) {
                // a temp file left behind
            }
        }
    }

    /** Header names in lower case, each with its values in the order sent. */
    private static Map<String, List<String>> parseHeaders(String raw) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (String line : raw.split("\r?\n")) {
            int colon = line.indexOf(':');
            if (line.startsWith("HTTP/") || colon <= 0) continue;
            out.computeIfAbsent(line.substring(0, colon).strip().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                    .add(line.substring(colon + 1).strip());
        }
        return out;
    }

    public record Response(int status, byte[] bytes, Map<String, List<String>> headers, String redirectUrl) {
        public String body() {
            return new String(bytes, StandardCharsets.UTF_8);
        }

        /** The value of a header sent once; empty when absent; fails when sent several times. */
        public Optional<String> header(String name) {
            List<String> values = headers.getOrDefault(name.toLowerCase(Locale.ROOT), List.of());
            if (values.size() > 1) throw new AssertionError(name + " sent " + values.size() + " times: " + values);
            return values.stream().findFirst();
        }
    }
}
