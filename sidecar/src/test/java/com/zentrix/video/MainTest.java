package com.zentrix.video;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class MainTest {
    private record Run(int code, String out, String err) {}

    private static Run run(String... args) {
        CommandLine cli = Main.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int code = cli.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void versionNamesTheProductAndItsVersion() {
        Run r = run("--version");
        assertEquals(0, r.code());
        assertTrue(r.out().matches("zentrix-video \\d+\\.\\d+\\.\\d+.*\\s*"), r.out());
    }

    @Test
    void helpListsServe() {
        Run r = run("--help");
        assertEquals(0, r.code());
        assertTrue(r.out().contains("serve"), r.out());
        Run serveHelp = run("serve", "--help");
        assertTrue(serveHelp.out().contains("--config"), serveHelp.out());
    }

    @Test
    void serveRefusesAMissingOrBrokenConfigWithExitCode2(@TempDir Path dir) throws Exception {
        assertEquals(2, run("serve", "--config", dir.resolve("nope.conf").toString()).code());
        Path bad = Files.writeString(dir.resolve("bad.conf"), "zentrix.recording.grace-period = \"soon\"\n");
        assertEquals(2, run("serve", "--config", bad.toString()).code());
        Path noSecrets = Files.writeString(dir.resolve("empty.conf"), "zentrix.http.port = 0\n");
        assertEquals(2, run("serve", "--config", noSecrets.toString()).code(), "secrets are required");
    }

    @Test
    void anUnknownOptionIsAUsageError() {
        Run r = run("serve", "--frobnicate");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("frobnicate"), r.err());
    }
}
