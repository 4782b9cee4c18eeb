package io.flotilla.agent.drill;

import io.flotilla.agent.storage.BackupManifest;
import io.flotilla.agent.storage.EtcdState;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The verdict of a drill: what the restored etcd holds at the backup's revision against what the manifest recorded when
 * the backup was taken (docs/backup-and-restore.md, "Restore drills"). Values in, a verdict out; no etcd here.
 *
 * <ul>
 *   <li><b>revision</b>: the restored etcd must reach the manifest's revision. It may be past it: the manifest's
 *       revision is read just before the snapshot, and API servers that were not quiesced may write in between; what
 *       it held at that revision is what the manifest describes.</li>
 *   <li><b>keys</b>: the live key count at that revision equals the manifest's.</li>
 *   <li><b>hash</b>: etcd's HashKV at that revision equals the manifest's, when the manifest has one and the restored
 *       etcd was compacted to the same revision (a hash over another compaction covers other revisions, so it is not
 *       compared rather than called different).</li>
 * </ul>
 */
public final class DrillComparison {
  private DrillComparison() {}

  /**
   * What was read from the restored etcd.
   *
   * @param keysAtRevision live keys at the manifest's revision; null when not read (the etcd does not reach it)
   * @param hash           HashKV at the manifest's revision; null when not read
   */
  public record Observed(long revision, Long keysAtRevision, EtcdState.Hash hash) {}

  /**
   * @param keysMatch   null when the manifest records no key count
   * @param hashMatches null when not compared (no hash in the manifest, or another compaction)
   * @param problems    why the drill fails, one sentence each; empty when it passes
   * @param notes       what was not compared and why
   */
  public record Verdict(boolean revisionMatches, Boolean keysMatch, Boolean hashMatches, List<String> problems,
                        List<String> notes) {
    public boolean passed() {
      return problems.isEmpty();
    }
  }

  public static Verdict compare(BackupManifest.ObjectFigures expected, Observed observed) {
    Objects.requireNonNull(expected, "expected");
    Objects.requireNonNull(observed, "observed");
    List<String> problems = new ArrayList<>();
    List<String> notes = new ArrayList<>();
    Long at = expected.etcdRevision();
    if (at == null) {
      problems.add("the manifest records no etcd revision, so the restored etcd cannot be compared with it");
      return new Verdict(false, null, null, List.copyOf(problems), List.of());
    }
    boolean reaches = observed.revision() >= at;
    if (!reaches) {
      problems.add("the restored etcd is at revision " + observed.revision() + ", before the backup's " + at
          + ": the stored snapshot is not the one the manifest describes");
    }
    Boolean keysMatch = null;
    if (expected.keys() != null && observed.keysAtRevision() != null) {
      keysMatch = expected.keys().equals(observed.keysAtRevision());
      if (!keysMatch) {
        problems.add("the restored etcd holds " + observed.keysAtRevision() + " keys at revision " + at
            + ", the manifest records " + expected.keys());
      }
    } else if (expected.keys() == null) {
      notes.add("the manifest records no key count");
    }
    Boolean hashMatches = null;
    EtcdState.Hash hash = observed.hash();
    if (expected.hashKV() == null) {
      notes.add("the manifest records no hash (written before hashes were recorded)");
    } else if (hash != null && !Objects.equals(hash.compactRevision(), expected.hashKVCompactRevision())) {
      notes.add("hash not compared: the restored etcd is compacted to revision " + hash.compactRevision()
          + ", the manifest's hash was taken over compaction " + expected.hashKVCompactRevision());
    } else if (hash != null) {
      hashMatches = hash.hash() == expected.hashKV();
      if (!hashMatches) {
        problems.add("the restored etcd's HashKV at revision " + at + " is " + Integer.toUnsignedString(hash.hash())
            + ", the manifest records " + Integer.toUnsignedString(expected.hashKV()));
      }
    }
    return new Verdict(reaches, keysMatch, hashMatches, List.copyOf(problems), List.copyOf(notes));
  }
}
