package com.zentrix.video.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Debian Prosody (0.12) for tests and demos: private config, private ports, private data, the
 * Zentrix events module loaded on the MUC component. Started with {@link #builder()}, stopped by
 * {@link #close()}.
 *
 * <p>Layout, as in a Jitsi deployment: {@code <domain>} (registered accounts), {@code guest.<domain>}
 * (anonymous guests) and the MUC {@code conference.<domain>} with room locking off so guests may
 * create rooms.
 */
public final class ProsodyServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ProsodyServer.class);
    private static final String LOOPBACK = "127.0.0.1";

    private final Path directory;
    private final boolean ownsDirectory;
    private final String domain;
    private final int c2sPort;
    private final int httpPort;
    private final Path configFile;
    private final Path logFile;
    private final Path consoleFile;
    private final Process process;

    private ProsodyServer(Builder b, Path directory, boolean ownsDirectory, int c2sPort, int httpPort,
                          Path configFile, Process process) {
        this.directory = directory;
        this.ownsDirectory = ownsDirectory;
        this.domain = b.domain;
        this.c2sPort = c2sPort;
        this.httpPort = httpPort;
        this.configFile = configFile;
        this.logFile = directory.resolve("prosody.log");
        this.consoleFile = directory.resolve("prosody.console");
        this.process = process;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Address the c2s listener is bound to. */
    public String host() {
        return LOOPBACK;
    }

    public int c2sPort() {
        return c2sPort;
    }

    public int httpPort() {
        return httpPort;
    }

    /** {@code http://127.0.0.1:<httpPort><path>}: Prosody's HTTP server, which the events module loads. */
    public String httpUrl(String path) {
        return "http://" + LOOPBACK + ":" + httpPort + path;
    }

    /** The events module's occupancy endpoint (signed {@code GET}), at its default path. */
    public String roomsUrl() {
        return httpUrl("/zentrix_events/rooms");
    }

    /** The main VirtualHost, for registered accounts. */
    public String domain() {
        return domain;
    }

    /** The anonymous VirtualHost. */
    public String guestDomain() {
        return "guest." + domain;
    }

    /** The hidden VirtualHost recorders log in to; only present when built with {@code recorderHost(true)}. */
    public String recorderDomain() {
        return "recorder." + domain;
    }

    /** The MUC component. */
    public String mucDomain() {
        return "conference." + domain;
    }

    public String roomJid(String roomName) {
        return roomName + "@" + mucDomain();
    }

    public Path directory() {
        return directory;
    }

    public Path configFile() {
        return configFile;
    }

    /** Prosody's own log (all levels, debug included). */
    public Path logFile() {
        return logFile;
    }

    /** The current contents of {@link #logFile()}, for asserts. */
    public String log() {
        try {
            return Files.exists(logFile) ? Files.readString(logFile, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Log lines at one level ({@code debug}, {@code info}, {@code warn}, {@code error}). */
    public List<String> logLines(String level) {
        String marker = "\t" + level + "\t";
        return log().lines().filter(line -> line.contains(marker)).toList();
    }

    public long pid() {
        return process.pid();
    }

    public boolean isRunning() {
        return process.isAlive();
    }

    /** Creates an account on {@code host} with {@code prosodyctl register}; works while running. */
    public void register(String user, String host, String password) {
        runProsodyctl(configFile, directory, "register", user, host, password);
    }

    /** Creates an account on the main domain. */
    public void register(String user, String password) {
        register(user, domain, password);
    }

    /**
     * Runs one {@code prosodyctl shell} command (needs {@code adminShell(true)}), e.g.
     * {@code module:reload('zentrix_events', 'conference.<domain>')}; returns its output.
     */
    public String shell(String command) {
        return runProsodyctl(configFile, directory, "shell", command);
    }

    /** Hot-reloads the events module on the MUC, as a developer would after editing it. */
    public String reloadEventsModule() {
        return shell("module:reload('zentrix_events', '" + mucDomain() + "')");
    }

    /** SIGTERM, then a kill if Prosody has not gone after five seconds. */
    public void stop() {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                log.warn("prosody pid={} ignored SIGTERM for 5 s; killing it", process.pid());
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        stop();
        if (ownsDirectory && !Boolean.getBoolean("zentrix.keepProsodyDir")) {
            deleteTree(directory);
        }
    }

    /** Walks up from the working directory to the repository's {@code prosody-module} directory. */
    public static Path findModuleDir() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("prosody-module");
            if (Files.isRegularFile(candidate.resolve("mod_zentrix_events.lua"))) {
                return candidate;
            }
        }
        throw new IllegalStateException("prosody-module/mod_zentrix_events.lua not found above "
                + Path.of("").toAbsolutePath());
    }

    /** Configures and starts a Prosody. Everything is optional except that events need a secret. */
    public static final class Builder {
        private Path directory;
        private String domain = "meet.zentrix.local";
        private int c2sPort;
        private int httpPort;
        private Path moduleDir;
        private String eventsUrl;
        private String eventsSecret;
        private final List<String> hiddenDomains = new ArrayList<>();
        private final List<String> mucLines = new ArrayList<>();
        private final List<String> globalLines = new ArrayList<>();
        private boolean adminShell;
        private boolean consoleLog;
        private boolean recorderHost;
        private String testTokens;
        private Path configFile;
        private String logLevel = "debug";
        private Duration startTimeout = Duration.ofSeconds(15);

        private Builder() {
        }

        /** Where config, data, pidfile and logs go; default a fresh temp dir removed on close. */
        public Builder directory(Path directory) {
            this.directory = directory;
            return this;
        }

        public Builder domain(String domain) {
            this.domain = domain;
            return this;
        }

        /** Default: a free port. */
        public Builder c2sPort(int port) {
            this.c2sPort = port;
            return this;
        }

        /** Default: a free port. */
        public Builder httpPort(int port) {
            this.httpPort = port;
            return this;
        }

        /** Directory holding mod_zentrix_events.lua; default {@link #findModuleDir()}. */
        public Builder moduleDir(Path moduleDir) {
            this.moduleDir = moduleDir;
            return this;
        }

        /** Loads zentrix_events on the MUC, posting to this URL. Without it the module is not loaded. */
        public Builder eventsUrl(String url) {
            this.eventsUrl = url;
            return this;
        }

        public Builder eventsSecret(String secret) {
            this.eventsSecret = secret;
            return this;
        }

        /** {@code zentrix_hidden_domains}; default (when none given) the module's own default. */
        public Builder hiddenDomains(String... domains) {
            this.hiddenDomains.addAll(List.of(domains));
            return this;
        }

        /** A raw Lua line added to the MUC component section, e.g. {@code zentrix_retry_max_delay = 1}. */
        public Builder mucOption(String luaLine) {
            this.mucLines.add(luaLine);
            return this;
        }

        /** A raw Lua line added to the global section. */
        public Builder globalOption(String luaLine) {
            this.globalLines.add(luaLine);
            return this;
        }

        /**
         * Adds {@code VirtualHost "recorder.<domain>"} (internal_hashed), the hidden domain Jibri logs in
         * to; register its account with {@code register(user, recorderDomain(), password)}.
         */
        /**
         * Gives the listed accounts of the main domain what Jitsi's token authentication leaves on their
         * sessions (auth_token, JWT context.user and context.features), through the test module
         * {@code mod_zentrix_test_token}: a Lua table literal such as
         * {@code { marko = { user = { id = "u-7", moderator = true }, features = { recording = "false" } } }}.
         */
        public Builder testTokens(String luaTable) {
            this.testTokens = luaTable;
            return this;
        }

        public Builder recorderHost(boolean enabled) {
            this.recorderHost = enabled;
            return this;
        }

        /** Enables {@code prosodyctl shell} (admin_shell + an admin_socket in the directory). */
        public Builder adminShell(boolean enabled) {
            this.adminShell = enabled;
            return this;
        }

        /** Also logs info and above to Prosody's console (stdout), for running in the foreground. */
        public Builder consoleLog(boolean enabled) {
            this.consoleLog = enabled;
            return this;
        }

        /**
         * Starts Prosody on this ready-made config (e.g. one an installer wrote) instead of writing one.
         * It must serve {@link #domain(String)}, listen for c2s on {@link #c2sPort(int)} on 127.0.0.1 and
         * log to {@code <directory>/prosody.log}; the other options of this builder are then not used.
         */
        public Builder configFile(Path file) {
            this.configFile = file;
            return this;
        }

        /** Lowest level written to {@link #logFile()}: "debug" (default, for asserts) or "info" as in production. */
        public Builder logLevel(String level) {
            this.logLevel = level;
            return this;
        }

        public Builder startTimeout(Duration timeout) {
            this.startTimeout = timeout;
            return this;
        }

        public ProsodyServer start() throws IOException {
            if (configFile != null && (directory == null || c2sPort == 0)) {
                throw new IllegalStateException("configFile needs the directory and c2sPort it was written for");
            }
            if (eventsUrl != null && eventsSecret == null) {
                throw new IllegalStateException("eventsUrl needs eventsSecret");
            }
            boolean owns = directory == null;
            Path dir = owns ? Files.createTempDirectory("zentrix-prosody-") : directory.toAbsolutePath();
            Files.createDirectories(dir.resolve("data"));
            Files.createDirectories(dir.resolve("certs"));
            Files.deleteIfExists(dir.resolve("prosody.log"));
            int c2s = c2sPort != 0 ? c2sPort : freePort();
            int http = httpPort != 0 ? httpPort : freePort();
            Path modules = moduleDir != null ? moduleDir.toAbsolutePath()
                    : eventsUrl != null ? findModuleDir() : null;
            Path config = configFile != null ? configFile.toAbsolutePath() : dir.resolve("prosody.cfg.lua");
            if (testTokens != null) {
                Path testModules = Files.createDirectories(dir.resolve("test-modules"));
                try (var in = ProsodyServer.class.getResourceAsStream("/prosody-test-modules/mod_zentrix_test_token.lua")) {
                    Files.write(testModules.resolve("mod_zentrix_test_token.lua"), in.readAllBytes());
                }
            }
            if (configFile == null) {
                Files.writeString(config, config(dir, c2s, http, modules), StandardCharsets.UTF_8);
            }

            Process process = new ProcessBuilder("prosody", "-F", "--config", config.toString())
                    .directory(dir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(consoleLog ? ProcessBuilder.Redirect.INHERIT
                            : ProcessBuilder.Redirect.to(dir.resolve("prosody.console").toFile()))
                    .start();
            ProsodyServer server = new ProsodyServer(this, dir, owns, c2s, http, config, process);
            try {
                awaitStreamFeatures(server, startTimeout);
            } catch (RuntimeException | IOException e) {
                server.close();
                throw e;
            }
            log.info("prosody pid={} up: domain={} c2s={}:{} dir={}", process.pid(), domain, LOOPBACK, c2s, dir);
            return server;
        }

        private String config(Path dir, int c2s, int http, Path modules) {
            StringBuilder c = new StringBuilder();
            c.append("-- written by ProsodyServer (zentrix devkit)\n");
            if (isRoot()) {
                // As root without this, 0.12.3 logs "Refusing to run as root" and then hangs.
                c.append("run_as_root = true\n");
            }
            c.append("pidfile = ").append(lua(dir.resolve("prosody.pid"))).append('\n');
            c.append("data_path = ").append(lua(dir.resolve("data"))).append('\n');
            // An empty certificates dir keeps Prosody from indexing (and complaining about) system certs.
            c.append("certificates = ").append(lua(dir.resolve("certs"))).append('\n');
            List<String> paths = new ArrayList<>();
            if (modules != null) paths.add(lua(modules));
            if (testTokens != null) paths.add(lua(dir.resolve("test-modules")));
            if (!paths.isEmpty()) {
                c.append("plugin_paths = { ").append(String.join(", ", paths)).append(" }\n");
            }
            c.append("c2s_require_encryption = false\n");
            c.append("c2s_ports = { ").append(c2s).append(" }\n");
            c.append("c2s_interfaces = { \"").append(LOOPBACK).append("\" }\n");
            c.append("c2s_direct_tls_ports = { }\n");
            c.append("legacy_ssl_ports = { }\n");
            c.append("http_ports = { ").append(http).append(" }\n");
            c.append("http_interfaces = { \"").append(LOOPBACK).append("\" }\n");
            c.append("https_ports = { }\n");
            c.append("s2s_ports = { }\n");
            c.append("modules_enabled = { \"roster\", \"saslauth\", \"disco\", \"ping\", \"posix\"")
                    .append(adminShell ? ", \"admin_shell\"" : "").append(" }\n");
            c.append("modules_disabled = { \"s2s\" }\n");
            if (adminShell) {
                c.append("admin_socket = ").append(lua(dir.resolve("prosody.sock"))).append('\n');
            }
            c.append("log = { { levels = { min = ").append(lua(logLevel)).append(" }, to = \"file\", filename = ")
                    .append(lua(dir.resolve("prosody.log"))).append(" }");
            if (consoleLog) {
                c.append(", { levels = { min = \"info\" }, to = \"console\" }");
            }
            c.append(" }\n");
            globalLines.forEach(line -> c.append(line).append('\n'));
            c.append('\n');
            c.append("VirtualHost ").append(lua(domain)).append('\n');
            c.append("    authentication = \"internal_hashed\"\n");
            if (testTokens != null) {
                c.append("    modules_enabled = { \"zentrix_test_token\" }\n");
                c.append("    zentrix_test_tokens = ").append(testTokens).append('\n');
            }
            c.append('\n');
            c.append("VirtualHost ").append(lua("guest." + domain)).append('\n');
            c.append("    authentication = \"anonymous\"\n\n");
            if (recorderHost) {
                c.append("VirtualHost ").append(lua("recorder." + domain)).append('\n');
                c.append("    authentication = \"internal_hashed\"\n\n");
            }
            c.append("Component ").append(lua("conference." + domain)).append(" \"muc\"\n");
            // Jitsi runs unlocked rooms that anyone may create; locked rooms give guests item-not-found.
            c.append("    muc_room_locking = false\n");
            c.append("    restrict_room_creation = false\n");
            // Prosody keeps only muc_room_cache_size rooms live (default 100) and swaps the rest to storage,
            // where no snapshot sees them; Jitsi's configs raise it (1000 in jitsi-meet's, 10000 in Docker's).
            c.append("    muc_room_cache_size = 1000\n");
            if (eventsUrl != null) {
                c.append("    modules_enabled = { \"zentrix_events\" }\n");
                c.append("    zentrix_events_url = ").append(lua(eventsUrl)).append('\n');
                c.append("    zentrix_events_secret = ").append(lua(eventsSecret)).append('\n');
                if (!hiddenDomains.isEmpty()) {
                    c.append("    zentrix_hidden_domains = { ");
                    c.append(String.join(", ", hiddenDomains.stream().map(Builder::lua).toList()));
                    c.append(" }\n");
                }
            }
            mucLines.forEach(line -> c.append("    ").append(line).append('\n'));
            return c.toString();
        }

        private static String lua(Object value) {
            String s = value.toString();
            StringBuilder out = new StringBuilder("\"");
            for (char ch : s.toCharArray()) {
                switch (ch) {
                    case '\\' -> out.append("\\\\");
                    case '"' -> out.append("\\\"");
                    case '\n' -> out.append("\\n");
                    case '\r' -> out.append("\\r");
                    default -> out.append(ch);
                }
            }
            return out.append('"').toString();
        }
    }

    /**
     * An open port is not readiness: waits until the c2s port answers a stream header with its
     * features. Prosody 0.12 can hang instead of exiting on a fatal start error, so this times out.
     */
    private static void awaitStreamFeatures(ProsodyServer server, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String header = "<?xml version='1.0'?><stream:stream to='" + server.domain
                + "' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>";
        String lastProblem = "no answer yet";
        while (System.nanoTime() < deadline) {
            if (!server.process.isAlive()) {
                throw new IOException("prosody exited with " + server.process.exitValue() + " during start\n"
                        + server.startupDiagnostics());
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(LOOPBACK, server.c2sPort), 500);
                socket.setSoTimeout(1000);
                OutputStream out = socket.getOutputStream();
                out.write(header.getBytes(StandardCharsets.UTF_8));
                out.flush();
                if (readUntil(socket.getInputStream(), "</stream:features>")) {
                    return;
                }
                lastProblem = "stream closed before </stream:features>";
            } catch (IOException e) {
                lastProblem = e.toString();
            }
            pause(Duration.ofMillis(50));
        }
        throw new IOException("prosody pid=" + server.process.pid() + " not ready within " + timeout
                + " (" + lastProblem + ")\n" + server.startupDiagnostics());
    }

    private static boolean readUntil(InputStream in, String marker) throws IOException {
        StringBuilder seen = new StringBuilder();
        byte[] buffer = new byte[4096];
        int n;
        while ((n = in.read(buffer)) > 0) {
            seen.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
            if (seen.indexOf(marker) >= 0) {
                return true;
            }
        }
        return false;
    }

    private String startupDiagnostics() {
        StringBuilder s = new StringBuilder();
        for (Path file : List.of(consoleFile, logFile)) {
            try {
                if (Files.exists(file)) {
                    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
                    s.append("--- ").append(file).append(" (last 40 lines)\n");
                    lines.subList(Math.max(0, lines.size() - 40), lines.size())
                            .forEach(line -> s.append(line).append('\n'));
                }
            } catch (IOException e) {
                s.append("(cannot read ").append(file).append(": ").append(e).append(")\n");
            }
        }
        return s.toString();
    }

    private static String runProsodyctl(Path config, Path dir, String... args) {
        List<String> command = new ArrayList<>(List.of("prosodyctl", "--config", config.toString()));
        command.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
            p.getOutputStream().close();
            byte[] output = p.getInputStream().readAllBytes();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("prosodyctl " + args[0] + " did not finish in 30 s");
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException("prosodyctl " + args[0] + " exited " + p.exitValue() + ": "
                        + new String(output, StandardCharsets.UTF_8).strip());
            }
            return new String(output, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running prosodyctl", e);
        }
    }

    private static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(LOOPBACK))) {
            return socket.getLocalPort();
        }
    }

    private static void pause(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for prosody", e);
        }
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            log.warn("could not remove {}: {}", root, e.toString());
        }
    }

    /**
     * Runs a Prosody in the foreground until killed, for demos.
     *
     * <pre>
     * --dir DIR  --domain meet.zentrix.local  --c2s-port N  --http-port N
     * --events-url URL  --secret S  --module-dir DIR  --hidden-domain D (repeatable)
     * --user NAME:PASSWORD (repeatable)  --muc-option 'lua line' (repeatable)  --admin-shell
     * --recorder-host</pre>
     *
     * <p>Users are registered on the main domain; {@code NAME@HOST:PASSWORD} registers on another host.
     */
    public static void main(String[] args) throws Exception {
        Builder builder = builder().consoleLog(true);
        List<String[]> users = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--admin-shell")) {
                builder.adminShell(true);
                continue;
            }
            if (arg.equals("--recorder-host")) {
                builder.recorderHost(true);
                continue;
            }
            if (i + 1 >= args.length) {
                usage("missing value for " + arg);
            }
            String value = args[++i];
            switch (arg) {
                case "--dir" -> builder.directory(Path.of(value));
                case "--domain" -> builder.domain(value);
                case "--c2s-port" -> builder.c2sPort(Integer.parseInt(value));
                case "--http-port" -> builder.httpPort(Integer.parseInt(value));
                case "--events-url" -> builder.eventsUrl(value);
                case "--secret" -> builder.eventsSecret(value);
                case "--module-dir" -> builder.moduleDir(Path.of(value));
                case "--hidden-domain" -> builder.hiddenDomains(value);
                case "--muc-option" -> builder.mucOption(value);
                case "--user" -> {
                    String[] parts = value.split(":", 2);
                    if (parts.length != 2) {
                        usage("--user wants NAME:PASSWORD");
                    }
                    users.add(parts);
                }
                default -> usage("unknown option " + arg);
            }
        }
        ProsodyServer server = builder.start();
        Runtime.getRuntime().addShutdownHook(new Thread(server::stop, "prosody-stop"));
        for (String[] user : users) {
            String[] nameAndHost = user[0].split("@", 2);
            server.register(nameAndHost[0], nameAndHost.length == 2 ? nameAndHost[1] : server.domain(), user[1]);
        }
        System.out.printf("prosody pid=%d domain=%s guests=%s muc=%s c2s=%s:%d http=%d%nrooms=%s%nconfig=%s%nlog=%s%n",
                server.pid(), server.domain(), server.guestDomain(), server.mucDomain(), server.host(),
                server.c2sPort(), server.httpPort(), server.roomsUrl(), server.configFile(), server.logFile());
        System.out.flush();
        int exit = server.process.waitFor();
        System.exit(exit);
    }

    private static void usage(String problem) {
        System.err.println("ProsodyServer: " + problem);
        System.err.println("usage: ProsodyServer [--dir DIR] [--domain D] [--c2s-port N] [--http-port N]"
                + " [--events-url URL --secret S] [--module-dir DIR] [--hidden-domain D]..."
                + " [--user NAME[@HOST]:PASSWORD]... [--muc-option 'lua line']... [--admin-shell]"
                + " [--recorder-host]");
        System.exit(64);
    }
}
