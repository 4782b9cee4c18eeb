package io.flotilla.sandbox.etcd;

/** What {@link EtcdSeeder} wrote: number of keys, bytes of values, and the etcd revision after the last write. */
public record SeedResult(long keys, long bytes, long revision) {}
