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
 * A byte pipe between a producer thread (jetcd's callback) and the pipeline's reader, made of at most
 * {@code capacity} blocks of {@link #BLOCK_SIZE} bytes. Unlike {@link java.io.PipedInputStream} it carries errors both
 * ways: {@link #fail} makes the reader's next read throw, and a reader that {@link InputStream#close() closes} makes
 * the producer's next write throw, so neither side waits forever for the other. A producer silent for longer than
 * {@code stallTimeout} fails the read.
 *
 * <p>The producer packs its writes (etcd sends 32 KiB messages) into blocks and hands over whole blocks: one hand-off,
 * and so at most one thread wake-up, per block instead of per message. That, and reusing the blocks instead of
 * allocating a copy per message, took a third off the snapshot stream's CPU cost in the benchmark
 * (io.flotilla.sandbox.bench.BackupBenchmark).
 */
final class BoundedPipe {
  /** Large enough to amortise a hand-off over eight etcd messages, small enough to keep the pipe a few MiB. */
  static final int BLOCK_SIZE = 256 << 10;

  private static final Block EOF = new Block(new byte[0]);

  private final int capacity;
  private final BlockingQueue<Block> filled;
  /** Blocks the reader is done with; the producer reuses them once it has allocated {@code capacity}. */
  private final BlockingQueue<Block> free;
  private final Duration stallTimeout;
  private volatile Throwable producerError;
  private volatile boolean readerClosed;
  private volatile boolean writerClosed;

  BoundedPipe(int capacity, Duration stallTimeout) {
    if (capacity < 2) {
      throw new IllegalArgumentException("a pipe needs at least two blocks: one filling, one being read");
    }
    this.capacity = capacity;
    // One slot more than blocks: fail() must always find room for the end marker.
    this.filled = new ArrayBlockingQueue<>(capacity + 1);
    this.free = new ArrayBlockingQueue<>(capacity);
    this.stallTimeout = stallTimeout;
  }

  private static final class Block {
    final byte[] data;
    int length;

    Block(byte[] data) {
      this.data = data;
    }
  }

  /** Producer side; write() copies, so the caller may reuse its array. Not thread-safe: one producer. */
  OutputStream sink() {
    return new OutputStream() {
      private Block current;
      private int allocated;

      @Override
      public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        while (len > 0) {
          if (readerClosed) {
            throw new IOException("snapshot reader closed the pipe");
          }
          if (current == null) {
            current = emptyBlock();
          }
          int n = Math.min(len, BLOCK_SIZE - current.length);
          System.arraycopy(b, off, current.data, current.length, n);
          current.length += n;
          off += n;
          len -= n;
          if (current.length == BLOCK_SIZE) {
            flush();
          }
        }
      }

      private Block emptyBlock() throws IOException {
        Block block = free.poll();
        if (block == null && allocated < capacity) {
          allocated++;
          block = new Block(new byte[BLOCK_SIZE]);
        }
        try {
          // Every block is queued or being read: wait for the reader to hand one back.
          while (block == null) {
            if (readerClosed) {
              throw new IOException("snapshot reader closed the pipe");
            }
            block = free.poll(100, TimeUnit.MILLISECONDS);
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new InterruptedIOException("interrupted while passing snapshot bytes");
        }
        block.length = 0;
        return block;
      }

      /** Hands over the partly filled block. */
      @Override
      public void flush() throws IOException {
        if (current != null && current.length > 0) {
          Block full = current;
          current = null;
          put(full);
        }
      }

      @Override
      public void close() throws IOException {
        flush();
        finish();
      }
    };
  }

  /**
   * The producer finished successfully. When it wrote through {@link #sink()}, call this only after the sink's
   * {@link OutputStream#flush()} or {@link OutputStream#close()}, or the bytes of the last block are lost.
   */
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
    filled.clear();
    filled.offer(EOF);
  }

  boolean readerClosed() {
    return readerClosed;
  }

  private void put(Block block) throws IOException {
    try {
      while (!filled.offer(block, 100, TimeUnit.MILLISECONDS)) {
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
      private Block current;
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
        if (!nextBytes()) {
          return -1;
        }
        int n = Math.min(len, current.length - pos);
        System.arraycopy(current.data, pos, b, off, n);
        pos += n;
        return n;
      }

      /** Writes each block straight from the pipe: no copy through a caller's buffer. */
      @Override
      public long transferTo(OutputStream out) throws IOException {
        long total = 0;
        while (nextBytes()) {
          int n = current.length - pos;
          out.write(current.data, pos, n);
          pos += n;
          total += n;
        }
        return total;
      }

      @Override
      public int available() {
        return current == null ? 0 : current.length - pos;
      }

      /** Makes {@code current} a block with unread bytes; false at the end of the stream. */
      private boolean nextBytes() throws IOException {
        while (current == null || pos == current.length) {
          if (current != null) {
            free.offer(current);
            current = null;
          }
          if (eof) {
            return false;
          }
          Block next;
          try {
            next = filled.poll(stallTimeout.toMillis(), TimeUnit.MILLISECONDS);
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
            return false;
          }
          current = next;
          pos = 0;
        }
        return true;
      }

      @Override
      public void close() {
        if (!readerClosed) {
          readerClosed = true;
          filled.clear();
          if (!eof) {
            onEarlyClose.run();
          }
        }
      }
    };
  }
}
