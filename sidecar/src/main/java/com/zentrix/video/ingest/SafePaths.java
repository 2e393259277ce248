package com.zentrix.video.ingest;

import com.zentrix.video.web.ApiException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.regex.Pattern;

/** The only way a path from outside becomes a path we touch: inside the allowed folder, no links, no tricks. */
public final class SafePaths {
    /** Jibri's session folder names: every character outside [A-Za-z0-9_-] is replaced by "_". */
    public static final Pattern DIR_NAME = Pattern.compile("[A-Za-z0-9_-]{1,200}");
    private static final Pattern FILE_NAME = Pattern.compile("[^/\\\\\\x00-\\x1f]{1,255}");

    private SafePaths() {}

    /** A session folder directly inside root, given as an absolute path; refuses symlinks and traversal. */
    public static Path sessionDirectory(Path root, String given) {
        Path p = sessionPath(root, given);
        Path rootAbs = root.toAbsolutePath().normalize();
        if (Files.isSymbolicLink(p)) throw bad("directory is a symbolic link");
        if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) throw bad("directory does not exist");
        try {
            // The recordings folder itself may legitimately be reached through a link; what it
            // resolves to must still be the parent of what the session folder resolves to.
            if (!p.toRealPath().getParent().equals(rootAbs.toRealPath())) throw bad("directory resolves outside the recordings directory");
        } catch (IOException e) {
            throw bad("directory cannot be resolved");
        }
        return p;
    }

    /** What a session folder's path must look like (absolute, no traversal, a folder name directly inside root). */
    private static Path sessionPath(Path root, String given) {
        if (given == null || given.isBlank()) throw bad("field 'directory' is missing");
        if (given.indexOf('\0') >= 0) throw bad("field 'directory' contains a NUL character");
        Path p;
        try {
            p = Path.of(given);
        } catch (InvalidPathException e) {
            throw bad("field 'directory' is not a valid path");
        }
        if (!p.isAbsolute()) throw bad("field 'directory' must be an absolute path");
        if (!p.normalize().equals(p)) throw bad("field 'directory' must not contain '.' or '..' segments");
        Path rootAbs = root.toAbsolutePath().normalize();
        if (p.getParent() == null || !p.getParent().equals(rootAbs)) {
            throw bad("directory must be directly inside the Jibri recordings directory " + rootAbs);
        }
        String name = p.getFileName().toString();
        if (!DIR_NAME.matcher(name).matches()) throw bad("directory name '" + name + "' is not a Jibri session folder name");
        return p;
    }

    /**
     * The folder name when {@code given} is a well-formed session folder directly inside the recordings
     * directory that no longer exists (its files were moved into the archive); empty otherwise.
     */
    public static java.util.Optional<String> goneFolderName(Path root, String given) {
        Path p;
        try {
            p = sessionPath(root, given);
        } catch (ApiException e) {
            return java.util.Optional.empty();
        }
        if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) return java.util.Optional.empty();
        return java.util.Optional.of(p.getFileName().toString());
    }

    public static String dirName(String s) {
        if (s == null || !DIR_NAME.matcher(s).matches()) throw bad("folder name must be 1-200 characters of [A-Za-z0-9_-]");
        return s;
    }

    public static String fileName(String s) {
        if (s == null || !FILE_NAME.matcher(s).matches() || s.startsWith(".") || s.equals("..")) {
            throw bad("file name is not acceptable");
        }
        return s;
    }

    private static ApiException bad(String message) {
        return ApiException.badRequest("bad_path", message);
    }
}
