package io.flotilla.hub.dr.store;

import io.flotilla.api.dr.v1alpha1.BackupStoreSpec;
import io.flotilla.api.dr.v1alpha1.BackupStoreStatus;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** A BackupStore's key status across rotations (StoreKeyStatus), as a table. */
class StoreKeyStatusTest {
  private static final Instant T1 = Instant.parse("2026-03-01T10:00:00Z");
  private static final Instant T2 = Instant.parse("2026-06-01T10:00:00Z");

  record Row(String what, String activeBefore, String sinceBefore, List<String> retiredBefore, String activeNow,
      Instant now, String active, String since, List<String> retired) {}

  @Test
  void statusFollowsTheActiveKeyAndRemembersTheRetiredOnes() {
    List<Row> rows = List.of(
        new Row("never rotated: the spokes' Secrets decide", null, null, null, null, T1, null, null, null),
        new Row("first rotation", null, null, null, "k2", T1, "k2", "2026-03-01T10:00:00Z", null),
        new Row("unchanged: the time stays", "k2", "2026-03-01T10:00:00Z", null, "k2", T2, "k2",
            "2026-03-01T10:00:00Z", null),
        new Row("second rotation retires the first", "k2", "2026-03-01T10:00:00Z", null, "k3", T2, "k3",
            "2026-06-01T10:00:00Z", List.of("k2")),
        new Row("a retired key made active again", "k3", "2026-06-01T10:00:00Z", List.of("k2"), "k2", T2, "k2",
            "2026-06-01T10:00:00Z", List.of("k3")),
        new Row("the active key unset: back to the Secrets, the last one retired", "k3", "x", List.of("k2"), null, T2,
            null, null, List.of("k2", "k3")),
        new Row("an id is listed once", "k2", "x", List.of("k2", "k3"), "k4", T2, "k4", "2026-06-01T10:00:00Z",
            List.of("k2", "k3")));
    for (Row row : rows) {
      BackupStoreStatus before = new BackupStoreStatus();
      before.activeKeyId = row.activeBefore();
      before.activeKeySince = row.sinceBefore();
      before.retiredKeyIds = row.retiredBefore();
      BackupStoreSpec spec = new BackupStoreSpec();
      spec.encryption.activeKeyId = row.activeNow();

      BackupStoreStatus s = StoreKeyStatus.next(before, spec, 3L, row.now());

      assertThat(s.activeKeyId).as(row.what()).isEqualTo(row.active());
      assertThat(s.activeKeySince).as(row.what()).isEqualTo(row.since());
      assertThat(s.retiredKeyIds).as(row.what()).isEqualTo(row.retired());
      assertThat(s.observedGeneration).isEqualTo(3L);
    }
    assertThat(StoreKeyStatus.next(null, new BackupStoreSpec(), 1L, T1).activeKeyId).isNull();
  }
}
