package io.flotilla.agent.storage;

import java.io.IOException;
import java.io.InputStream;

/**
 * Where a snapshot's bytes come from. {@link #open()} starts the transfer; the stream ends (-1) only after the producer
 * finished successfully, reads fail with the producer's error, and closing the stream early stops the producer.
 */
@FunctionalInterface
public interface SnapshotSource {
  InputStream open() throws IOException;
}
