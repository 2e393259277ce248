package com.zentrix.video.cli;

import com.zentrix.video.config.ZentrixConfig;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The {@code --config FILE} option every command that touches the data shares. */
public final class ConfigOption {
    @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "HOCON file overriding reference.conf")
    Path config;

    public ZentrixConfig load() {
        return ZentrixConfig.load(config);
    }

    /** The configuration, or null after printing why it is invalid (the command then exits 2). */
    public ZentrixConfig loadOrReport(java.io.PrintWriter err) {
        try {
            return load();
        } catch (ZentrixConfig.ConfigError e) {
            err.println("zentrix-video: " + e.getMessage());
            return null;
        }
    }
}
