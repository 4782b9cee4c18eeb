package io.flotilla.agent.drill;

import io.etcd.jetcd.Client;
import io.flotilla.agent.work.StopSignal;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A fresh single-member etcd for tests that need a real one to back up: the drill's own launcher on an empty data
 * directory (etcd then starts a new cluster from the same flags), so spoke-agent's tests need no sandbox.
 */
public final class SourceEtcd implements AutoCloseable {
  private final ScratchDirectory dir;
  private final ScratchEtcd etcd;

  private SourceEtcd(ScratchDirectory dir, ScratchEtcd etcd) {
    this.dir = dir;
    this.etcd = etcd;
  }

  /** Whether this machine has etcd and a restore tool (bin/setup installs them). */
  public static boolean available() {
    try {
      EtcdBinaries.find();
      return true;
    } catch (EtcdBinaries.Missing e) {
      return false;
    }
  }

  public static SourceEtcd start(Path parent) throws IOException {
    ScratchDirectory dir = ScratchDirectory.create(parent);
    try {
      return new SourceEtcd(dir, ScratchEtcd.start(EtcdBinaries.find(), dir, dir.resolve("data"),
          dir.resolve("etcd.log"), ScratchEtcd.freePort(), new StopSignal(), Duration.ofSeconds(30)));
    } catch (IOException | RuntimeException e) {
      dir.close();
      throw e;
    }
  }

  public Client client() {
    return etcd.client();
  }

  public String endpoint() {
    return etcd.endpoint();
  }

  @Override
  public void close() {
    etcd.close();
    dir.close();
  }
}
