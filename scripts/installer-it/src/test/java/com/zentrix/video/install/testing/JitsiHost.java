package com.zentrix.video.install.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A folder laid out like a Jitsi Meet host set up with Jitsi's Debian packages (quick install) plus
 * Jibri, for {@code install.sh --root}. The files come from {@code src/test/resources/jitsi-host}
 * (each names the Jitsi template it was written from). This class adds what git cannot hold or what
 * the packages generate while installing: the {@code conf.d} and {@code sites-enabled} links
 * (absolute, as jitsi-meet-prosody.postinst and jitsi-meet-web-config.postinst make them), the
 * self-signed certificate in /etc/jitsi/meet (openssl, as jitsi-meet-web-config.postinst does), the
 * prosody-plugins folder, Jibri's recordings folder and the usual system folders.
 */
public final class JitsiHost {
    public static final String DOMAIN = "meet.example.org";

    private final Path root;

    private JitsiHost(Path root) {
        this.root = root;
    }

    public static JitsiHost create(Path root) {
        try {
            Path template = Path.of(JitsiHost.class.getResource("/jitsi-host").toURI());
            try (Stream<Path> files = Files.walk(template)) {
                for (Path from : files.toList()) {
                    Path to = root.resolve(template.relativize(from).toString());
                    if (Files.isDirectory(from)) {
                        Files.createDirectories(to);
                    } else {
                        Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            }
            JitsiHost host = new JitsiHost(root);
            for (String dir : List.of("/etc/prosody/conf.d", "/etc/prosody/certs", "/etc/nginx/sites-enabled",
                    "/usr/share/jitsi-meet/prosody-plugins", "/etc/systemd/system", "/var/lib/prosody",
                    "/var/log", "/var/backups", "/srv/recordings")) {
                Files.createDirectories(host.path(dir));
            }
            Files.createSymbolicLink(host.path("/etc/prosody/conf.d/" + DOMAIN + ".cfg.lua"),
                    Path.of("/etc/prosody/conf.avail/" + DOMAIN + ".cfg.lua"));
            Files.createSymbolicLink(host.path("/etc/nginx/sites-enabled/" + DOMAIN + ".conf"),
                    Path.of("/etc/nginx/sites-available/" + DOMAIN + ".conf"));
            host.makeCertificate();
            return host;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The self-signed certificate jitsi-meet-web-config.postinst makes when no other is chosen. */
    private void makeCertificate() throws IOException {
        Process p = new ProcessBuilder("openssl", "req", "-new", "-newkey", "rsa:2048", "-days", "30", "-nodes",
                "-x509", "-subj", "/O=localdomain/CN=" + DOMAIN,
                "-addext", "subjectAltName=DNS:localhost,DNS:" + DOMAIN,
                "-keyout", certificateKey().toString(), "-out", certificate().toString())
                .redirectErrorStream(true).start();
        byte[] output = p.getInputStream().readAllBytes();
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException("openssl failed: " + new String(output, StandardCharsets.UTF_8));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while making the certificate", e);
        }
    }

    public Path root() {
        return root;
    }

    /** Where a path of the host ("/etc/…") is inside the fixture. */
    public Path path(String hostPath) {
        return root.resolve(hostPath.startsWith("/") ? hostPath.substring(1) : hostPath);
    }

    public Path certificate() {
        return path("/etc/jitsi/meet/" + DOMAIN + ".crt");
    }

    public Path certificateKey() {
        return path("/etc/jitsi/meet/" + DOMAIN + ".key");
    }

    public String read(String hostPath) {
        try {
            return Files.readString(path(hostPath), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public void write(String hostPath, String content) {
        try {
            Files.createDirectories(path(hostPath).getParent());
            Files.writeString(path(hostPath), content, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public boolean exists(String hostPath) {
        return Files.exists(path(hostPath), java.nio.file.LinkOption.NOFOLLOW_LINKS);
    }

    /** Every path in the fixture with its type, mode and content hash (or link target). */
    public Tree snapshot() {
        return Tree.of(root);
    }
}
