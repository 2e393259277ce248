package com.zentrix.video.cli;

import com.zentrix.video.App;
import com.zentrix.video.config.ZentrixConfig;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code zentrix-video serve}: runs the sidecar until stopped. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Run the sidecar: take Prosody's room events, drive Jibri, ingest recordings, serve the API.",
                "Configuration: reference.conf defaults, overridden by --config FILE and ZENTRIX_* environment variables."},
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {"0:stopped cleanly", "2:bad configuration", "1:failed while running"})
public final class ServeCommand implements Callable<Integer> {

    @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "HOCON file overriding reference.conf")
    Path config;

    @Override
    public Integer call() throws Exception {
        ZentrixConfig cfg;
        try {
            cfg = ZentrixConfig.load(config);
            cfg.requireSecrets();
        } catch (ZentrixConfig.ConfigError e) {
            System.err.println("zentrix-video: " + e.getMessage());
            return 2;
        }
        App app = App.start(cfg, Clock.systemUTC());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            app.close();
            stopped.countDown();
        }, "shutdown"));
        stopped.await();
        return 0;
    }
}
