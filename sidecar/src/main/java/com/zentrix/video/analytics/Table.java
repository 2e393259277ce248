package com.zentrix.video.analytics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A named table of figures: rendered as JSON rows, CSV, or text by the report command. */
public record Table(String name, List<String> columns, List<List<Object>> rows) {

    public List<Map<String, Object>> maps() {
        List<Map<String, Object>> out = new ArrayList<>(rows.size());
        for (List<Object> r : rows) {
            Map<String, Object> m = new LinkedHashMap<>();
            for (int i = 0; i < columns.size(); i++) m.put(columns.get(i), r.get(i));
            out.add(m);
        }
        return out;
    }

    /** Key columns followed by the figures' columns. */
    static List<String> withFigures(String... keys) {
        List<String> c = new ArrayList<>(List.of(keys));
        c.addAll(Figures.COLUMNS);
        return List.copyOf(c);
    }

    static List<Object> row(Figures f, Object... keys) {
        List<Object> r = new ArrayList<>(java.util.Arrays.asList(keys));
        r.addAll(f.values());
        return r;
    }
}
