package com.zentrix.video;

/** How far a long job (audit verify, retention run, file verify) has got; the CLI draws it as a bar. */
@FunctionalInterface
public interface Progress {
    Progress NONE = (done, total, what) -> { };

    /** {@code done} of {@code total} items handled; {@code what} names the last one. */
    void at(long done, long total, String what);
}
