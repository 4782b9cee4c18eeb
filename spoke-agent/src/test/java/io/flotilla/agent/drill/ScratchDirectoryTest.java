package io.flotilla.agent.drill;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Scratch directories are private and go with their drill; what an agent killed mid-drill left (its directory, its
 * scratch etcd) is cleaned up by the next agent's sweep, and another live agent's directory is left alone.
 */
class ScratchDirectoryTest {
  @TempDir
  Path parent;

  @Test
  void aScratchDirectoryIsPrivateAndGoesWhole() throws Exception {
    ScratchDirectory dir = ScratchDirectory.create(parent);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.path()))).isEqualTo("rwx------");
    Files.createDirectories(dir.resolve("data/member/snap"));
    Files.writeString(dir.resolve("data/member/snap/db"), "x");
    dir.close();
    assertThat(dir.path()).doesNotExist();
  }

  @Test
  void theSweepStopsAndRemovesWhatADeadAgentLeftAndNothingOfALiveOne() throws Exception {
    // a dead agent's drill: its owner exited, its "etcd" (a process whose command line names the directory) still runs
    ScratchDirectory dead = ScratchDirectory.create(parent);
    Process owner = new ProcessBuilder("true").start();
    owner.waitFor(10, TimeUnit.SECONDS);
    Files.writeString(dead.resolve(ScratchDirectory.OWNER_FILE), Long.toString(owner.pid()));
    Process etcd = new ProcessBuilder("sh", "-c", "sleep 60; : " + dead.path()).start();
    dead.recordEtcd(etcd.pid());
    // this live agent's drill in progress
    ScratchDirectory live = ScratchDirectory.create(parent);
    // a pid reused by a process that is not its etcd: recorded, but never killed
    Process stranger = new ProcessBuilder("sleep", "60").start();
    ScratchDirectory deadWithReusedPid = ScratchDirectory.create(parent);
    Files.writeString(deadWithReusedPid.resolve(ScratchDirectory.OWNER_FILE), Long.toString(owner.pid()));
    deadWithReusedPid.recordEtcd(stranger.pid());
    try {
      assertThat(ScratchDirectory.sweep(parent)).isEqualTo(2);

      assertThat(etcd.waitFor(10, TimeUnit.SECONDS)).as("the left-over etcd is stopped").isTrue();
      assertThat(dead.path()).doesNotExist();
      assertThat(deadWithReusedPid.path()).doesNotExist();
      assertThat(stranger.isAlive()).as("a process that is not the recorded etcd").isTrue();
      assertThat(live.path()).isDirectory();
    } finally {
      etcd.destroyForcibly();
      stranger.destroyForcibly();
      live.close();
    }
  }
}
