package com.zentrix.video.web;

import java.util.ArrayList;
import java.util.List;

/**
 * CSV as RFC 4180 has it: CRLF line ends, a field in double quotes when it holds a comma, a quote, CR
 * or LF, quotes doubled inside. Empty field = no value. {@link #parse} reads it back (the tests'
 * round trip, and anyone's); a leading byte-order mark (the API sends one, for spreadsheets) is skipped.
 * The one CSV rule of every export (analytics tables, the report command, the audit trail).
 */
public final class Csv {
    private Csv() {}

    /** A header line and the rows, each a line. */
    public static String write(List<String> columns, List<? extends List<?>> rows) {
        StringBuilder sb = new StringBuilder();
        line(sb, new ArrayList<>(columns));
        for (List<?> r : rows) line(sb, r);
        return sb.toString();
    }

    private static void line(StringBuilder sb, List<?> fields) {
        for (int i = 0; i < fields.size(); i++) {
            if (i > 0) sb.append(',');
            sb.append(cell(fields.get(i)));
        }
        sb.append("\r\n");
    }

    /** One value as a CSV field: empty for null, numbers as they are, text defused and quoted as needed. */
    public static String cell(Object v) {
        return field(v == null ? "" : v instanceof Number ? v.toString() : defused(v.toString()));
    }

    /**
     * Text that a spreadsheet would run as a formula (=, +, -, @, tab, CR first: a room or a display name
     * chosen by anyone who joins a call) gets a leading apostrophe, the OWASP advice against CSV injection.
     */
    static String defused(String s) {
        return !s.isEmpty() && "=+-@\t\r".indexOf(s.charAt(0)) >= 0 ? "'" + s : s;
    }

    static String field(String s) {
        if (s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\r') < 0 && s.indexOf('\n') < 0) return s;
        return '"' + s.replace("\"", "\"\"") + '"';
    }

    /** Records of fields; quoted fields may hold commas, quotes ("") and line breaks. */
    public static List<List<String>> parse(String text) {
        List<List<String>> out = new ArrayList<>();
        List<String> rec = new ArrayList<>();
        StringBuilder f = new StringBuilder();
        boolean quoted = false;
        boolean any = false;
        for (int i = text.startsWith("\uFEFF") ? 1 : 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quoted) {
                if (c == '"') {
                    if (i + 1 < text.length() && text.charAt(i + 1) == '"') {
                        f.append('"');
                        i++;
                    } else {
                        quoted = false;
                    }
                } else {
                    f.append(c);
                }
            } else if (c == '"') {
                quoted = true;
                any = true;
            } else if (c == ',') {
                rec.add(f.toString());
                f.setLength(0);
                any = true;
            } else if (c == '\r' || c == '\n') {
                if (c == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n') i++;
                rec.add(f.toString());
                out.add(rec);
                rec = new ArrayList<>();
                f.setLength(0);
                any = false;
            } else {
                f.append(c);
                any = true;
            }
        }
        if (quoted) throw new IllegalArgumentException("CSV ends inside a quoted field");
        if (any || f.length() > 0) {
            rec.add(f.toString());
            out.add(rec);
        }
        return out;
    }
}
