package com.zentrix.video.testing.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

/**
 * Reads the sidecar's {@code events} table straight from its SQLite file (read-only, beside the running
 * sidecar: WAL lets a reader in while it writes): counts for the intake check, and the module's {@code ts}
 * and the journal's {@code received_ms} of each guest join for the latency measure.
 */
final class EventsTable {
    private final String url;
    private final ObjectMapper json = new ObjectMapper();

    /** A guest's occupant-joined as journaled: Prosody's ts and when the journal wrote it. */
    record Join(String roomName, long tsMs, long receivedMs) {}

    EventsTable(Path database) {
        this.url = "jdbc:sqlite:" + database.toAbsolutePath();
    }

    private Connection open() throws SQLException {
        Properties p = new Properties();
        p.setProperty("open_mode", "1"); // SQLITE_OPEN_READONLY
        return DriverManager.getConnection(url, p);
    }

    long count() throws SQLException {
        try (Connection c = open(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(*) FROM events")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /**
     * Rows and distinct {@code received_ms} values journaled in [fromMs, toMs]: the journal stamps a whole
     * group commit with one time, so rows ÷ distinct times is a lower bound of the mean batch size.
     */
    long[] rowsAndCommitTimes(long fromMs, long toMs) throws SQLException {
        try (Connection c = open(); PreparedStatement s = c.prepareStatement(
                "SELECT count(*), count(DISTINCT received_ms) FROM events WHERE received_ms BETWEEN ? AND ?")) {
            s.setLong(1, fromMs);
            s.setLong(2, toMs);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return new long[] {rs.getLong(1), rs.getLong(2)};
            }
        }
    }

    /** Every guest's occupant-joined, by room name. */
    Map<String, Join> guestJoins() throws Exception {
        Map<String, Join> joins = new HashMap<>();
        try (Connection c = open(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                "SELECT body, ts_ms, received_ms FROM events WHERE type = 'occupant-joined'")) {
            while (rs.next()) {
                JsonNode e = json.readTree(rs.getString(1));
                if (!"guest".equals(e.path("occupant").path("kind").asText())) continue;
                String room = e.path("room").path("name").asText();
                joins.put(room, new Join(room, rs.getLong(2), rs.getLong(3)));
            }
        }
        return joins;
    }

    /** The SQLite library version the sidecar uses (the same sqlite-jdbc release, bundled). */
    static String sqliteVersion() {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite::memory:"); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT sqlite_version()")) {
            rs.next();
            return rs.getString(1);
        } catch (SQLException e) {
            return "unknown (" + e.getMessage() + ")";
        }
    }
}
