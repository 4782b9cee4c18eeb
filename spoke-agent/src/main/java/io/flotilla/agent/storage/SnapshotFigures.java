package io.flotilla.agent.storage;

/**
 * What the pipeline measured for one object: sizes and SHA-256 (lower-case hex) of the raw bytes (as etcd served
 * them) and of the stored bytes (as they sit in the bucket).
 */
public record SnapshotFigures(long rawBytes, long storedBytes, String sha256, String storedSha256) {}
