package com.zentrix.video.cli;

import com.zentrix.video.config.ZentrixConfig;
import com.zentrix.video.store.Database;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;

/** A command that works on the database offline: loads --config (exit 2 when invalid), opens and migrates the database. */
abstract class DataCommand implements Callable<Integer> {
    @Mixin ConfigOption config;
    @Spec CommandLine.Model.CommandSpec spec;

    /** The exit code. */
    abstract int run(ZentrixConfig cfg, Database db, PrintWriter out);

    PrintWriter err() {
        return spec.commandLine().getErr();
    }

    @Override
    public Integer call() {
        ZentrixConfig cfg = config.loadOrReport(err());
        if (cfg == null) return 2;
        try (Database db = Database.open(cfg.databasePath())) {
            return run(cfg, db, spec.commandLine().getOut());
        }
    }
}
