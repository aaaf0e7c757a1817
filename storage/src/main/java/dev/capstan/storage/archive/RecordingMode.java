package dev.capstan.storage.archive;

/** What a recording produces. */
public enum RecordingMode {
    /** A media file, kept in a blob store. */
    FILE,
    /** A live stream sent elsewhere (e.g. RTMP); the catalog keeps its metadata. */
    STREAM
}
