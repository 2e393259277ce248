package com.zentrix.video.testing;

import com.zentrix.video.Main;
import java.io.PrintWriter;
import java.io.StringWriter;

/** Runs {@code zentrix-video …} in-process through the real picocli command line and keeps its output. */
public record Cli(int exitCode, String out, String err) {

    public static Cli run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.commandLine().setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true)).execute(args);
        return new Cli(code, out.toString(), err.toString());
    }

    @Override
    public String toString() {
        return "exit " + exitCode + "\n" + out + err;
    }
}
