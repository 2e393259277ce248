package com.zentrix.video.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CsvTest {
    private static final String ALPHABET = "ab,\"\r\n ій;'=";

    @Test
    void anyFieldsComeBackUnchangedButForTheFormulaGuard() {
        Random rnd = new Random(4180);
        for (int n = 0; n < 500; n++) {
            int cols = 1 + rnd.nextInt(5);
            List<String> columns = new ArrayList<>();
            for (int c = 0; c < cols; c++) columns.add("c" + c);
            List<List<Object>> rows = new ArrayList<>();
            for (int r = rnd.nextInt(4); r > 0; r--) {
                List<Object> row = new ArrayList<>();
                for (int c = 0; c < cols; c++) {
                    StringBuilder sb = new StringBuilder();
                    for (int k = rnd.nextInt(6); k > 0; k--) sb.append(ALPHABET.charAt(rnd.nextInt(ALPHABET.length())));
                    row.add(sb.toString());
                }
                // a record of one empty field is written as an empty line; keep rows distinguishable
                if (cols == 1 && row.get(0).toString().isEmpty()) row.set(0, "x");
                rows.add(row);
            }
            List<List<String>> expected = new ArrayList<>();
            expected.add(columns);
            // Text a spreadsheet would run comes back with its guard apostrophe, everything else as it was.
            rows.forEach(r -> expected.add(r.stream().map(o -> Csv.defused(o.toString())).toList()));
            assertEquals(expected, Csv.parse(Csv.write(columns, rows)));
        }
    }

    @Test
    void quotingFollowsRfc4180() {
        List<List<Object>> rows = List.of(java.util.Arrays.asList("x,y", "say \"hi\"\r\nbye"), java.util.Arrays.asList(null, 1.5));
        assertEquals("a,b\r\n\"x,y\",\"say \"\"hi\"\"\r\nbye\"\r\n,1.5\r\n", Csv.write(List.of("a", "b"), rows));
        assertEquals(List.of(List.of("a", "b")), Csv.parse("\uFEFFa,b\r\n"));
        assertThrows(IllegalArgumentException.class, () -> Csv.parse("\"open"));
    }

    @Test
    void textThatASpreadsheetWouldRunIsDefused() {
        assertEquals("'=HYPERLINK(\"x\")", Csv.defused("=HYPERLINK(\"x\")"));
        assertEquals("'@SUM(A1)", Csv.defused("@SUM(A1)"));
        assertEquals("'+380501234567", Csv.defused("+380501234567"));
        assertEquals("Олена", Csv.defused("Олена"));
        assertEquals("", Csv.defused(""));
    }
}
