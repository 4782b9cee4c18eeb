package io.flotilla.agent.drill;

import io.flotilla.agent.storage.BackupManifest;
import io.flotilla.agent.storage.EtcdState;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** What a restored etcd must hold at the backup's revision for its drill to pass: a table, no etcd. */
class DrillComparisonTest {
  private static BackupManifest.ObjectFigures manifest(Long revision, Long keys, Integer hash, Long compact) {
    return new BackupManifest.ObjectFigures("etcd-snapshot.db.zst", 10, 5, "a", "b", revision, keys, hash, compact);
  }

  private static DrillComparison.Observed seen(long revision, Long keys, Integer hash, long compact) {
    return new DrillComparison.Observed(revision, keys, hash == null ? null : new EtcdState.Hash(100, hash, compact));
  }

  @Test
  void verdicts() {
    record Row(String what, BackupManifest.ObjectFigures expected, DrillComparison.Observed observed, boolean passed,
               Boolean keysMatch, Boolean hashMatches, String says) {}
    List<Row> rows = List.of(
        new Row("the same revision, keys and hash", manifest(100L, 40L, 7, 1L), seen(100, 40L, 7, 1), true, true, true,
            null),
        new Row("past the revision (writes between the reading and the snapshot), the same at it",
            manifest(100L, 40L, 7, 1L), seen(103, 40L, 7, 1), true, true, true, null),
        new Row("before the revision: another snapshot", manifest(100L, 40L, 7, 1L), seen(90, null, null, 1), false,
            null, null, "before the backup's 100"),
        new Row("another key count", manifest(100L, 40L, 7, 1L), seen(100, 39L, 7, 1), false, false, true,
            "holds 39 keys at revision 100, the manifest records 40"),
        new Row("another hash", manifest(100L, 40L, 7, 1L), seen(100, 40L, 8, 1), false, true, false, "HashKV"),
        new Row("a hash over another compaction is not compared", manifest(100L, 40L, 7, 1L), seen(100, 40L, 8, 5),
            true, true, null, null),
        new Row("a manifest written before hashes", manifest(100L, 40L, null, null), seen(100, 40L, null, 1), true,
            true, null, null),
        new Row("a manifest without a revision", manifest(null, 40L, 7, 1L), seen(100, 40L, 7, 1), false, null, null,
            "records no etcd revision"));
    for (Row row : rows) {
      DrillComparison.Verdict v = DrillComparison.compare(row.expected(), row.observed());
      assertThat(v.passed()).as(row.what()).isEqualTo(row.passed());
      assertThat(v.keysMatch()).as(row.what() + ": keys").isEqualTo(row.keysMatch());
      assertThat(v.hashMatches()).as(row.what() + ": hash").isEqualTo(row.hashMatches());
      if (row.says() != null) {
        assertThat(String.join("; ", v.problems())).as(row.what()).contains(row.says());
      }
    }
  }

  @Test
  void whatWasNotComparedIsSaid() {
    assertThat(DrillComparison.compare(manifest(100L, 40L, 7, 1L), seen(100, 40L, 8, 5)).notes())
        .singleElement().asString().contains("compacted to revision 5", "compaction 1");
  }
}
