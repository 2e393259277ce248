package com.zentrix.video.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zentrix.video.Main;
import com.zentrix.video.web.Csv;
import com.zentrix.video.analytics.ZoneTable;
import com.zentrix.video.store.Database;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code zentrix-video report} on a real SQLite file: the three groupings, both formats, refusals. */
class ReportCommandTest {
    private record Run(int code, String out, String err) {}

    private static Run run(String... args) {
        CommandLine cli = Main.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        return new Run(cli.execute(args), out.toString(), err.toString());
    }

    private static long at(String local) {
        return LocalDateTime.parse(local).atZone(ZoneId.of("Europe/Kyiv")).toInstant().toEpochMilli();
    }

    @Test
    void reportsPerDayOperatorAndRoomAsCsvAndTable(@TempDir Path dir) throws Exception {
        Path dbFile = dir.resolve("zentrix.db");
        Path conf = Files.writeString(dir.resolve("zentrix.conf"), "zentrix.database.path = \"" + dbFile + "\"\n");
        try (Database db = Database.open(dbFile)) {
            ZoneTable.ensure(db.jdbi(), ZoneId.of("Europe/Kyiv"));
            db.jdbi().useHandle(h -> {
                String sql = "INSERT INTO sessions (room_jid, room_name, operator_jid, started_ms, ended_ms, status, conversation_ms, "
                        + "recorded_ms, updated_ms) VALUES ('r@c', ?, ?, ?, ?, ?, ?, ?, 0)";
                // 23:50 on the 1st, ending on the 2nd: counted on the 1st.
                h.execute(sql, "window-1", "olena@meet", at("2026-11-01T23:50:00"), at("2026-11-02T00:20:00"), "ok", 1_800_000, 1_800_000);
                h.execute(sql, "window-1", "taras@meet", at("2026-11-02T10:00:00"), at("2026-11-02T10:10:00"), "technical_error", 600_000, 0);
                h.execute(sql, "window, 2", "olena@meet", at("2026-11-02T11:00:00"), at("2026-11-02T11:05:00"), "deleted", 300_000, 300_000);
            });
        }
        Run days = run("report", "--config", conf.toString(), "--from", "2026-11-01", "--to", "2026-11-03", "--by", "day", "--format", "csv");
        assertEquals(0, days.code(), days.err());
        List<List<String>> d = Csv.parse(days.out());
        assertEquals(4, d.size());
        assertEquals(List.of("2026-11-01", "7", "1", "1", "1800000"), d.get(1).subList(0, 5));
        assertEquals(List.of("2026-11-02", "1", "2", "2", "900000"), d.get(2).subList(0, 5));
        assertEquals(List.of("2026-11-03", "2", "0", "0", "0"), d.get(3).subList(0, 5));

        Run rooms = run("report", "--config", conf.toString(), "--from", "2026-11-01", "--to", "2026-11-03", "--by", "room", "--format", "csv");
        List<List<String>> r = Csv.parse(rooms.out());
        assertEquals("window, 2", r.get(2).get(0));

        Run ops = run("report", "--config", conf.toString(), "--from", "2026-11-01", "--to", "2026-11-03", "--by", "operator");
        assertEquals(0, ops.code(), ops.err());
        assertTrue(ops.out().contains("olena@meet") && ops.out().contains("0:35:00") && ops.out().contains("100.0%"), ops.out());

        assertEquals(2, run("report", "--config", conf.toString(), "--from", "2026-11-03", "--to", "2026-11-01", "--by", "day").code());
        assertEquals(2, run("report", "--config", conf.toString(), "--from", "2026-11-01", "--to", "2026-11-03", "--by", "week").code());
        assertTrue(run("--help").out().contains("report"));
    }
}
