package com.zentrix.video;

import com.zentrix.video.cli.ServeCommand;
import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code zentrix-video}: the sidecar's command line. */
@Command(name = "zentrix-video", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Automatic recording and a managed archive for Jitsi Meet.",
        subcommands = {ServeCommand.class, com.zentrix.video.cli.UserCommand.class,
                com.zentrix.video.cli.AuditCommand.class,
                com.zentrix.video.cli.RetentionCommand.class, com.zentrix.video.cli.SubjectCommand.class,
                com.zentrix.video.cli.VerifyCommand.class, com.zentrix.video.cli.ReportCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    public static CommandLine commandLine() {
        return new CommandLine(new Main());
    }

    @Override
    public void run() {
        CommandLine.usage(this, System.out);
    }

    /** Reads the version Maven wrote into version.properties. */
    public static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() throws IOException {
            Properties p = new Properties();
            try (InputStream in = Main.class.getResourceAsStream("/version.properties")) {
                if (in != null) p.load(in);
            }
            return new String[] {"zentrix-video " + p.getProperty("version", "unknown")};
        }
    }
}
