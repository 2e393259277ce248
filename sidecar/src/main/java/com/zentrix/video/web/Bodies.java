package com.zentrix.video.web;

import io.javalin.http.Context;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** Reads request bodies with a hard size limit, whether or not the sender gave a Content-Length. */
public final class Bodies {
    private Bodies() {}

    public static byte[] readLimited(Context ctx, int maxBytes) {
        long declared = ctx.req().getContentLengthLong();
        if (declared > maxBytes) {
            throw ApiException.tooLarge("body of " + declared + " bytes exceeds the limit of " + maxBytes);
        }
        try (InputStream in = ctx.req().getInputStream()) {
            ByteArrayOutputStream out = new ByteArrayOutputStream(declared > 0 ? (int) declared : 1024);
            byte[] buf = new byte[8192];
            int n;
            while ((n = in.read(buf)) != -1) {
                if (out.size() + n > maxBytes) {
                    throw ApiException.tooLarge("body exceeds the limit of " + maxBytes + " bytes");
                }
                out.write(buf, 0, n);
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException("reading the request body failed", e);
        }
    }

    /** A JSON object body of at most maxBytes, or 400 saying what is wrong. */
    public static com.fasterxml.jackson.databind.JsonNode json(Context ctx, com.fasterxml.jackson.databind.ObjectMapper mapper, int maxBytes) {
        try {
            com.fasterxml.jackson.databind.JsonNode n = mapper.readTree(readLimited(ctx, maxBytes));
            if (n == null || !n.isObject()) throw ApiException.badRequest("bad_request", "body must be a JSON object");
            return n;
        } catch (IOException e) {
            throw ApiException.badRequest("bad_request", "body is not valid JSON");
        }
    }
}
