package com.zentrix.video.install.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * HTTPS requests to the test nginx with curl, as a browser would make them: by the Jitsi domain name
 * (resolved to 127.0.0.1, so SNI and server_name work), trusting only the host's certificate.
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
        List<String> command = new ArrayList<>(List.of("curl", "-sS", "--max-time", "20",
                "--cacert", caCertificate.toString(),
                "--resolve", domain + ":" + port + ":127.0.0.1",
                "-X", method, "-w", "\n%{http_code} %{redirect_url}"));
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
            int cut = out.lastIndexOf('\n');
            String[] status = out.substring(cut + 1).split(" ", 2);
            return new Response(Integer.parseInt(status[0]), out.substring(0, cut), status.length > 1 ? status[1] : "");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public record Response(int status, String body, String redirectUrl) {}
}
