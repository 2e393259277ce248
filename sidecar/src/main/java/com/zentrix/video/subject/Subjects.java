package com.zentrix.video.subject;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.zentrix.video.Progress;
import com.zentrix.video.archive.Access;
import com.zentrix.video.archive.SessionQueries;
import com.zentrix.video.audit.AuditLog;
import com.zentrix.video.auth.Principal;
import com.zentrix.video.retention.Deletions;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.jdbi.v3.core.Jdbi;

/**
 * Data-subject requests over the whole archive (sensitive sessions included: only admins ask, and
 * every request is audited with its criteria): {@link #find}, {@link #export} as one zip, and
 * {@link #delete} through {@link Deletions} (cards stay as deleted; a legal hold still blocks).
 */
public final class Subjects {
    /** Every session: a subject request must be complete, whatever the sensitive-access rule. */
    private static final Access ALL = new Access("1 = 1", Map.of());

    private final Jdbi jdbi;
    private final SessionQueries queries;
    private final Deletions deletions;
    private final AuditLog audit;
    private final ObjectMapper json;
    private final Clock clock;

    public Subjects(Jdbi jdbi, Deletions deletions, AuditLog audit, ObjectMapper json, Clock clock) {
        this.jdbi = jdbi;
        this.queries = new SessionQueries(jdbi);
        this.deletions = deletions;
        this.audit = audit;
        this.json = json.copy().enable(SerializationFeature.INDENT_OUTPUT);
        this.clock = clock;
    }

    /** The ids of every session of this subject, oldest first. */
    public List<Long> ids(SubjectCriteria c) {
        return jdbi.withHandle(h -> {
            List<Long> ids = new ArrayList<>();
            try (var it = h.createQuery("SELECT id, client_name, client_user_id, client_email, client_phone FROM sessions ORDER BY id")
                    .setFetchSize(1000).mapToMap().iterator()) {
                while (it.hasNext()) {
                    Map<String, Object> r = it.next();
                    if (c.matches((String) r.get("client_name"), (String) r.get("client_user_id"), (String) r.get("client_email"),
                            (String) r.get("client_phone"))) {
                        ids.add(((Number) r.get("id")).longValue());
                    }
                }
            }
            return ids;
        });
    }

    /** The cards of the subject's sessions (with the client's e-mail and phone); audited as subject_search. */
    public List<Map<String, Object>> find(SubjectCriteria c, Principal who, String ip) {
        List<Long> ids = ids(c);
        audit.record(who, "subject_search", null, c + " -> " + ids.size() + " session(s) " + ids, ip);
        List<Map<String, Object>> cards = new ArrayList<>();
        for (long id : ids) queries.card(ALL, id).ifPresent(card -> cards.add(withContact(card, id)));
        return cards;
    }

    /**
     * Writes the zip: sessions.json (each session's card, history, recordings, files, notes, flags and
     * flag history), audit.json (the audit rows of these sessions), files/&lt;session&gt;/… (every stored
     * media and metadata file) and, last, manifest.json (each file's SHA-256 as stored at ingest and as
     * read now). Audited as subject_export before a byte is written; the row names the criteria and
     * the sessions, never the content. Returns the manifest.
     */
    public Map<String, Object> export(SubjectCriteria c, Principal who, String ip, OutputStream out, Progress progress) throws IOException {
        List<Long> ids = ids(c);
        audit.record(who, "subject_export", null, c + " -> " + ids.size() + " session(s) " + ids, ip);
        List<Map<String, Object>> sessions = new ArrayList<>();
        for (long id : ids) queries.detail(ALL, id).ifPresent(d -> sessions.add(withContact(d, id)));
        List<Map<String, Object>> auditRows = ids.isEmpty() ? List.of() : jdbi.withHandle(h -> h.createQuery(
                        "SELECT id, at_ms, user_id, username, action, session_id, detail, ip, prev_hash, hash FROM audit "
                                + "WHERE session_id IN (<ids>) ORDER BY id")
                .bindList("ids", ids).mapToMap().list());
        List<Map<String, Object>> files = ids.isEmpty() ? List.of() : jdbi.withHandle(h -> h.createQuery(
                        "SELECT id, session_id, kind, path, original_name, size_bytes, sha256 FROM files "
                                + "WHERE session_id IN (<ids>) AND deleted_ms IS NULL AND deleting_ms IS NULL ORDER BY session_id, id")
                .bindList("ids", ids).mapToMap().list());

        ZipOutputStream zip = new ZipOutputStream(out);
        entry(zip, "sessions.json", json.writeValueAsBytes(sessions));
        entry(zip, "audit.json", json.writeValueAsBytes(auditRows));
        List<Map<String, Object>> listed = new ArrayList<>();
        Set<String> names = new HashSet<>();
        int done = 0;
        for (Map<String, Object> f : files) {
            long sessionId = ((Number) f.get("session_id")).longValue();
            long fileId = ((Number) f.get("id")).longValue();
            String stored = (String) f.get("path");
            String base = Path.of(stored).getFileName().toString();
            String name = "files/" + sessionId + "/" + base;
            if (!names.add(name)) name = "files/" + sessionId + "/" + fileId + "-" + base;
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("session_id", sessionId);
            m.put("file_id", fileId);
            m.put("kind", f.get("kind"));
            m.put("path", name);
            m.put("original_name", f.get("original_name"));
            m.put("size_bytes", f.get("size_bytes"));
            m.put("sha256", f.get("sha256"));
            Path p = deletions.tracked(stored);
            if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                m.put("path", null);
                m.put("missing", true);
            } else {
                try (InputStream in = new DigestInputStream(Files.newInputStream(p, LinkOption.NOFOLLOW_LINKS), sha256())) {
                    zip.putNextEntry(new ZipEntry(name));
                    in.transferTo(zip);
                    zip.closeEntry();
                    String now = HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
                    m.put("sha256_exported", now);
                    m.put("matches", now.equalsIgnoreCase(String.valueOf(f.get("sha256"))));
                } catch (NoSuchFileException e) {
                    m.put("path", null);
                    m.put("missing", true);
                }
            }
            listed.add(m);
            progress.at(++done, files.size(), name);
        }
        Map<String, Object> manifest = new LinkedHashMap<>();
        manifest.put("criteria", c.toString());
        manifest.put("exported_ms", clock.millis());
        manifest.put("exported_by", who.username());
        manifest.put("sessions", ids);
        manifest.put("audit_rows", auditRows.size());
        manifest.put("files", listed);
        entry(zip, "manifest.json", json.writeValueAsBytes(manifest));
        zip.finish();
        zip.flush();
        return manifest;
    }

    /** What a subject deletion did: sessions deleted now, and the ones skipped with why (legal_hold, not_finished, already_deleted, error). */
    public record Report(List<Long> deleted, List<Map<String, Object>> skipped) {
        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("deleted", deleted);
            m.put("skipped", skipped);
            return m;
        }
    }

    /** Deletes the recordings of every session of the subject; audited as subject_delete (criteria, reason, outcome). */
    public Report delete(SubjectCriteria c, String reason, Principal who, String ip, Progress progress) {
        List<Long> ids = ids(c);
        List<Long> deleted = new ArrayList<>();
        List<Map<String, Object>> skipped = new ArrayList<>();
        int done = 0;
        for (long id : ids) {
            try {
                deletions.delete(id, who, "data-subject request: " + reason, ip);
                deleted.add(id);
            } catch (Deletions.Refused r) {
                skipped.add(Map.of("id", id, "reason", r.code(), "message", r.getMessage()));
            } catch (RuntimeException e) {
                skipped.add(Map.of("id", id, "reason", "error", "message", String.valueOf(e.getMessage())));
            }
            progress.at(++done, ids.size(), "session " + id);
        }
        audit.record(who, "subject_delete", null, c + " reason=" + reason + " -> deleted " + deleted + " skipped "
                + skipped.stream().map(s -> s.get("id") + ":" + s.get("reason")).toList(), ip);
        return new Report(deleted, skipped);
    }

    private Map<String, Object> withContact(Map<String, Object> card, long id) {
        Map<String, Object> out = new LinkedHashMap<>(card);
        jdbi.useHandle(h -> h.createQuery("SELECT client_email, client_phone FROM sessions WHERE id = :id").bind("id", id)
                .mapToMap().findOne().ifPresent(out::putAll));
        return out;
    }

    private static void entry(ZipOutputStream zip, String name, byte[] body) throws IOException {
        zip.putNextEntry(new ZipEntry(name));
        zip.write(body);
        zip.closeEntry();
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
