package com.zentrix.video.install.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * What a folder holds, path by path: "dir 40755", "file 100640 sha256=…" or "link -> target"
 * (links are not followed). Two snapshots are equal when the folders are byte for byte the same,
 * modes included.
 */
public record Tree(SortedMap<String, String> entries) {

    public static Tree of(Path root) {
        SortedMap<String, String> entries = new TreeMap<>();
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.toList()) {
                String key = "/" + root.relativize(p);
                int mode = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
                String octal = Integer.toOctalString(mode);
                if (Files.isSymbolicLink(p)) {
                    entries.put(key, "link -> " + Files.readSymbolicLink(p));
                } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    entries.put(key, "dir " + octal);
                } else {
                    entries.put(key, "file " + octal + " sha256=" + sha256(p));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Tree(entries);
    }

    /** The same snapshot without the paths the filter rejects. */
    public Tree without(Predicate<String> drop) {
        SortedMap<String, String> kept = new TreeMap<>();
        entries.forEach((k, v) -> {
            if (!drop.test(k)) kept.put(k, v);
        });
        return new Tree(kept);
    }

    /** Readable differences ("+ added", "- removed", "~ changed"), empty when equal. */
    public List<String> differencesTo(Tree after) {
        List<String> out = new ArrayList<>();
        TreeSet<String> keys = new TreeSet<>(entries.keySet());
        keys.addAll(after.entries.keySet());
        for (String k : keys) {
            String a = entries.get(k);
            String b = after.entries.get(k);
            if (a == null) out.add("+ " + k + " (" + b + ")");
            else if (b == null) out.add("- " + k + " (" + a + ")");
            else if (!a.equals(b)) out.add("~ " + k + " (" + a + " -> " + b + ")");
        }
        return out;
    }

    public Map<String, String> asMap() {
        return entries;
    }

    private static String sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[1 << 16];
            int n;
            while ((n = in.read(buffer)) > 0) md.update(buffer, 0, n);
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
