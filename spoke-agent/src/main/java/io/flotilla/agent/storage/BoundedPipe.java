package io.flotilla.agent.storage;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A byte pipe between a producer thread (jetcd's callback) and the pipeline's reader, holding at most
 * {@code capacity} chunks. Unlike {@link java.io.PipedInputStream} it carries errors both ways: {@link #fail} makes the
 * reader's next read throw, and a reader that {@link InputStream#close() closes} makes the producer's next write throw,
 * so neither side waits forever for the other. A producer silent for longer than {@code stallTimeout} fails the read.
 */
final class BoundedPipe {
  private static final byte[] EOF = new byte[0];

  private final BlockingQueue<byte[]> chunks;
  private final Duration stallTimeout;
  private volatile Throwable producerError;
  private volatile boolean readerClosed;
  private volatile boolean writerClosed;

  BoundedPipe(int capacity, Duration stallTimeout) {
    this.chunks = new ArrayBlockingQueue<>(capacity);
    this.stallTimeout = stallTimeout;
  }

  /** Producer side. write() copies, because jetcd reuses nothing but the caller may. */
  OutputStream sink() {
    return new OutputStream() {
      @Override
      public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
          return;
        }
        byte[] copy = new byte[len];
        System.arraycopy(b, off, copy, 0, len);
        put(copy);
      }

      @Override
      public void close() throws IOException {
        finish();
      }
    };
  }

  /** The producer finished successfully. */
  void finish() throws IOException {
    if (!writerClosed) {
      writerClosed = true;
      put(EOF);
    }
  }

  /** The producer failed: the reader's next read throws {@code error}. */
  void fail(Throwable error) {
    producerError = error;
    writerClosed = true;
    // The bytes still queued are useless now; dropping them guarantees room for the marker that wakes the reader.
    chunks.clear();
    chunks.offer(EOF);
  }

  boolean readerClosed() {
    return readerClosed;
  }

  private void put(byte[] chunk) throws IOException {
    try {
      while (!chunks.offer(chunk, 100, TimeUnit.MILLISECONDS)) {
        if (readerClosed) {
          throw new IOException("snapshot reader closed the pipe");
        }
      }
      if (readerClosed) {
        throw new IOException("snapshot reader closed the pipe");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while passing snapshot bytes");
    }
  }

  InputStream source(Runnable onEarlyClose) {
    return new InputStream() {
      private byte[] current;
      private int pos;
      private boolean eof;

      @Override
      public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
          return 0;
        }
        while (current == null || pos == current.length) {
          if (eof) {
            return -1;
          }
          byte[] next;
          try {
            next = chunks.poll(stallTimeout.toMillis(), TimeUnit.MILLISECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while reading the snapshot");
          }
          if (next == null) {
            throw new IOException("snapshot stream stalled: no data for " + stallTimeout.toSeconds() + " s");
          }
          if (next == EOF) {
            Throwable error = producerError;
            if (error != null) {
              throw error instanceof IOException io ? new IOException(io.getMessage(), io)
                  : new IOException("snapshot failed: " + error.getMessage(), error);
            }
            eof = true;
            return -1;
          }
          current = next;
          pos = 0;
        }
        int n = Math.min(len, current.length - pos);
        System.arraycopy(current, pos, b, off, n);
        pos += n;
        return n;
      }

      @Override
      public void close() {
        if (!readerClosed) {
          readerClosed = true;
          chunks.clear();
          if (!eof) {
            onEarlyClose.run();
          }
        }
      }
    };
  }
}
