package com.zentrix.video.testing.bench;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * One persistent HTTP/1.1 connection that sends prepared requests and reads each whole answer before the
 * next (no pipelining, so a request's time is its own). Far cheaper per request than java.net.http, which
 * matters when the load generator shares two cores with the server it measures.
 */
final class KeepAliveHttp implements AutoCloseable {

    /** A response: status and body (bodies here are a few bytes of JSON). */
    record Response(int status, byte[] body) {
        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final byte[] buf = new byte[8192];
    private int pos;
    private int lim;

    KeepAliveHttp(String host, int port) throws IOException {
        socket = new Socket();
        socket.setTcpNoDelay(true);
        socket.connect(new InetSocketAddress(host, port), 5_000);
        socket.setSoTimeout(30_000);
        in = socket.getInputStream();
        out = socket.getOutputStream();
    }

    /** Sends one complete request (head and body) and reads the whole response. */
    Response exchange(byte[] request) throws IOException {
        out.write(request);
        out.flush();
        String statusLine = readLine();
        if (!statusLine.startsWith("HTTP/1.1 ") || statusLine.length() < 12) {
            throw new IOException("not an HTTP/1.1 status line: " + statusLine);
        }
        int status = Integer.parseInt(statusLine.substring(9, 12));
        long length = -1;
        boolean chunked = false;
        for (String line = readLine(); !line.isEmpty(); line = readLine()) {
            int colon = line.indexOf(':');
            if (colon < 0) continue;
            String name = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = line.substring(colon + 1).trim();
            if (name.equals("content-length")) length = Long.parseLong(value);
            else if (name.equals("transfer-encoding")) chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
        }
        byte[] body;
        if (chunked) {
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            for (int size = Integer.parseInt(readLine().split(";")[0].trim(), 16); size > 0;
                    size = Integer.parseInt(readLine().split(";")[0].trim(), 16)) {
                all.write(readExactly(size));
                readLine();
            }
            while (!readLine().isEmpty()) {
                // trailers
            }
            body = all.toByteArray();
        } else if (length >= 0) {
            body = readExactly((int) length);
        } else {
            throw new IOException("response " + status + " has neither Content-Length nor chunked encoding");
        }
        return new Response(status, body);
    }

    private int read() throws IOException {
        if (pos == lim) {
            lim = in.read(buf, 0, buf.length);
            pos = 0;
            if (lim <= 0) {
                lim = 0;
                throw new EOFException("connection closed by the server");
            }
        }
        return buf[pos++] & 0xff;
    }

    private String readLine() throws IOException {
        StringBuilder line = new StringBuilder(64);
        for (int c = read(); c != '\n'; c = read()) {
            if (c != '\r') line.append((char) c);
        }
        return line.toString();
    }

    private byte[] readExactly(int n) throws IOException {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) b[i] = (byte) read();
        return b;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
