package io.flotilla.agent.storage;

import io.etcd.jetcd.Client;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Reads a snapshot over etcd's maintenance API ({@code Maintenance.snapshot}), the same stream
 * {@code etcdctl snapshot save} writes to disk (bbolt file followed by etcd's SHA-256 trailer).
 *
 * <p>jetcd pushes chunks from its callback thread into a {@link BoundedPipe}; when the pipeline is slower, that thread
 * blocks, which is the back-pressure that keeps memory bounded (at most {@code PIPE_BLOCKS} blocks of 256 KiB). The
 * client is borrowed, not closed.
 */
public final class EtcdSnapshotSource implements SnapshotSource {
  static final int PIPE_BLOCKS = 8;
  private final Client client;
  private final Duration stallTimeout;

  public EtcdSnapshotSource(Client client) {
    this(client, Duration.ofSeconds(60));
  }

  /** @param stallTimeout how long etcd may send nothing before the snapshot counts as failed */
  public EtcdSnapshotSource(Client client, Duration stallTimeout) {
    this.client = client;
    this.stallTimeout = stallTimeout;
  }

  @Override
  public InputStream open() throws IOException {
    BoundedPipe pipe = new BoundedPipe(PIPE_BLOCKS, stallTimeout);
    OutputStream sink = pipe.sink();
    CompletableFuture<Long> transfer = client.getMaintenanceClient().snapshot(sink);
    transfer.whenComplete((bytes, error) -> {
      if (error != null) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        pipe.fail(new IOException("etcd snapshot failed: " + cause.getMessage(), cause));
      } else {
        try {
          // The transfer completes after jetcd's last write into the sink, and completing the future orders those
          // writes before this callback, so the sink's last, partly filled block is safe to hand over here.
          sink.close();
        } catch (IOException e) {
          // The reader closed first: nothing is waiting for the end marker.
        }
      }
    });
    // Closing early: stop waiting on the transfer; its next write into the pipe throws and ends it.
    return pipe.source(() -> transfer.cancel(true));
  }
}
