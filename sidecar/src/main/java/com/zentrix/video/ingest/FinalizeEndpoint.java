package com.zentrix.video.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.zentrix.video.web.ApiException;
import com.zentrix.video.web.Bodies;
import com.zentrix.video.web.Signatures;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The finalize hook's side of docs/protocol.md: {@code POST /api/v1/finalize} (a local folder, or the
 * completion of an upload) and {@code PUT /api/v1/finalize/upload/{dir}/{file}} (a streamed file,
 * verified by SHA-256). Everything is signed with the finalize secret.
 */
public final class FinalizeEndpoint {
    private static final Logger log = LoggerFactory.getLogger(FinalizeEndpoint.class);
    private static final Pattern SHA = Pattern.compile("[0-9a-f]{64}");

    private final Signatures signatures;
    private final Ingestor ingestor;
    private final Path recordingsDir;
    private final Path stagingDir;
    private final long maxUploadBytes;
    private final ObjectMapper json;
    private final Clock clock;

    public FinalizeEndpoint(Signatures signatures, Ingestor ingestor, Path recordingsDir, Path stagingDir,
            long maxUploadBytes, ObjectMapper json, Clock clock) {
        this.signatures = signatures;
        this.ingestor = ingestor;
        this.recordingsDir = recordingsDir;
        this.stagingDir = stagingDir;
        this.maxUploadBytes = maxUploadBytes;
        this.json = json;
        this.clock = clock;
    }

    public void finalizeFolder(Context ctx) {
        byte[] body = Bodies.readLimited(ctx, 64 * 1024);
        signatures.verify(ctx.header(Signatures.TIMESTAMP_HEADER), ctx.header(Signatures.SIGNATURE_HEADER), body, clock.instant());
        JsonNode req;
        try {
            req = json.readTree(body);
        } catch (IOException e) {
            throw ApiException.badRequest("bad_finalize", "body is not valid JSON");
        }
        if (req == null || !req.isObject()) throw ApiException.badRequest("bad_finalize", "body must be a JSON object");
        Ingestor.Accepted acc;
        if (req.hasNonNull("directory")) {
            if (!req.get("directory").isTextual()) throw ApiException.badRequest("bad_path", "field 'directory' must be a string");
            String given = req.get("directory").asText();
            Optional<Ingestor.Accepted> before = SafePaths.goneFolderName(recordingsDir, given).flatMap(ingestor::handedOver);
            if (before.isPresent()) {
                // Handed over already and moved into the archive: a repeated hand-over (a finalize script
                // that retried after its first answer was lost) is answered as the duplicate it is.
                acc = before.get();
                log.info("finalize hand-over repeated after its folder was archived folder={} session={}", given, acc.sessionId());
            } else {
                Path dir = SafePaths.sessionDirectory(recordingsDir, given);
                acc = ingestor.accept(dir.getFileName().toString(), dir, "local");
            }
        } else if (req.hasNonNull("uploaded")) {
            String dirName = SafePaths.dirName(req.get("uploaded").asText(null));
            Path dir = stagingDir.resolve(dirName);
            JsonNode files = req.path("files");
            if (!files.isArray() || files.isEmpty()) throw ApiException.badRequest("bad_finalize", "field 'files' must list the uploaded files");
            for (JsonNode f : files) {
                String name = SafePaths.fileName(f.path("name").asText(null));
                Path p = dir.resolve(name);
                if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    throw new ApiException(409, "incomplete_upload", "file '" + name + "' has not been uploaded");
                }
                try {
                    if (f.has("size") && Files.size(p) != f.path("size").asLong(-1)) {
                        throw new ApiException(409, "incomplete_upload", "file '" + name + "' has a different size than announced");
                    }
                } catch (IOException e) {
                    throw new ApiException(500, "internal", "cannot read the staged file");
                }
            }
            acc = ingestor.accept(dirName, dir, "upload");
        } else {
            throw ApiException.badRequest("bad_finalize", "body needs 'directory' (local) or 'uploaded' (upload mode)");
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put(acc.duplicate() ? "duplicate" : "accepted", true);
        out.put("handover", acc.handoverId());
        out.put("session", acc.sessionId());
        ctx.status(acc.duplicate() ? 200 : 202).json(out);
    }

    public void upload(Context ctx) throws IOException {
        String dirName = SafePaths.dirName(ctx.pathParam("dir"));
        String fileName = SafePaths.fileName(ctx.pathParam("file"));
        String sha = ctx.header("X-Content-SHA256");
        if (sha == null || !SHA.matcher(sha.strip().toLowerCase(java.util.Locale.ROOT)).matches()) {
            throw ApiException.badRequest("bad_upload", "header X-Content-SHA256 must be 64 hex characters");
        }
        sha = sha.strip().toLowerCase(java.util.Locale.ROOT);
        signatures.verify(ctx.header(Signatures.TIMESTAMP_HEADER), ctx.header(Signatures.SIGNATURE_HEADER),
                (dirName + "/" + fileName + "." + sha).getBytes(StandardCharsets.UTF_8), clock.instant());
        long declared = ctx.req().getContentLengthLong();
        if (declared > maxUploadBytes) throw ApiException.tooLarge("file is larger than the upload limit of " + maxUploadBytes + " bytes");

        Path dir = stagingDir.resolve(dirName);
        Files.createDirectories(dir);
        Path dest = dir.resolve(fileName);
        Path part = dir.resolve(fileName + ".part");
        MessageDigest md = Ingestor.sha();
        long written = 0;
        try (InputStream in = new DigestInputStream(ctx.req().getInputStream(), md);
             OutputStream out = Files.newOutputStream(part)) {
            byte[] buf = new byte[64 * 1024];
            int n;
            while ((n = in.read(buf)) != -1) {
                written += n;
                if (written > maxUploadBytes) throw ApiException.tooLarge("file exceeds the upload limit of " + maxUploadBytes + " bytes");
                out.write(buf, 0, n);
            }
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(part);
            throw e;
        }
        String got = HexFormat.of().formatHex(md.digest());
        if (!got.equals(sha)) {
            Files.deleteIfExists(part);
            log.warn("upload {}/{} corrupted in transit: sha256 {} expected {}", dirName, fileName, got, sha);
            throw new ApiException(422, "checksum_mismatch", "received bytes have sha256 " + got + ", expected " + sha);
        }
        Files.move(part, dest, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        log.info("upload received folder={} file={} bytes={}", dirName, fileName, written);
        ctx.status(201).json(Map.of("stored", true, "bytes", written, "sha256", got));
    }
}
