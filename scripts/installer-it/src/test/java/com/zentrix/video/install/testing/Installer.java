package com.zentrix.video.install.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the real {@code scripts/install.sh} on a {@link JitsiHost}: {@code --root} the fixture,
 * {@code --jar} the packaged sidecar, and the real prosodyctl and nginx through the harness scripts
 * in {@code src/test/sh}, which check (and serve) the fixture's own config files. The environment
 * those scripts read ({@code ZX_*}) is set here.
 */
public final class Installer {
    private static final Path REPO = repository();

    private final JitsiHost host;
    private final Path work;
    private final Map<String, String> env = new LinkedHashMap<>();

    public Installer(JitsiHost host, Path work) {
        this.host = host;
        this.work = work;
        env.put("ZX_ROOT", host.root().toString());
        env.put("ZX_WORK", work.toString());
    }

    /** Sets a variable for install.sh and the harness scripts (e.g. ports, ZX_BREAK_AFTER_EDIT). */
    public Installer env(String name, String value) {
        env.put(name, value);
        return this;
    }

    public Installer withoutEnv(String name) {
        env.remove(name);
        return this;
    }

    public Result install(String... extra) {
        return run(extra);
    }

    public Result uninstall(String... extra) {
        List<String> args = new ArrayList<>(List.of("--uninstall"));
        args.addAll(List.of(extra));
        return run(args.toArray(String[]::new));
    }

    public Result run(String... extra) {
        List<String> command = new ArrayList<>(List.of(REPO.resolve("scripts/install.sh").toString(),
                "--root", host.root().toString(),
                "--jar", sidecarJar().toString(),
                "--prosodyctl", harness("prosodyctl-in-root.sh").toString(),
                "--nginx", harness("nginx-in-root.sh").toString()));
        command.addAll(List.of(extra));
        try {
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
            pb.environment().putAll(env);
            Process p = pb.start();
            p.getOutputStream().close();
            byte[] output = p.getInputStream().readAllBytes();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("install.sh did not finish within 120 s");
            }
            return new Result(p.exitValue(), new String(output, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public Path work() {
        return work;
    }

    public Map<String, String> environment() {
        return Map.copyOf(env);
    }

    /** A file of this checkout, e.g. {@code prosody-module/mod_zentrix_events.lua}. */
    public static Path repoFile(String relative) {
        return REPO.resolve(relative);
    }

    /** A harness script of this module ({@code src/test/sh}). */
    public static Path harness(String name) {
        return REPO.resolve("scripts/installer-it/src/test/sh").resolve(name);
    }

    /** The jar {@code mvn package} made; this module's build runs after the sidecar's. */
    public static Path sidecarJar() {
        Path jar = Path.of(System.getProperty("zentrix.jar", REPO.resolve("sidecar/target/zentrix-video.jar").toString()));
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("no sidecar jar at " + jar + ": run mvn package (or install) first");
        }
        return jar.toAbsolutePath().normalize();
    }

    /** What install.sh printed and how it ended. */
    public record Result(int exitCode, String output) {
        public Result expectSuccess() {
            if (exitCode != 0) throw new AssertionError("install.sh exited " + exitCode + ":\n" + output);
            return this;
        }

        @Override
        public String toString() {
            return "exit " + exitCode + "\n" + output;
        }
    }

    private static Path repository() {
        String configured = System.getProperty("zentrix.repo");
        if (configured != null) return Path.of(configured).toAbsolutePath().normalize();
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("scripts/install.sh"))) return dir;
        }
        throw new IllegalStateException("scripts/install.sh not found above " + Path.of("").toAbsolutePath());
    }
}
