package io.flotilla.hub.dr.store;

import io.flotilla.api.dr.v1alpha1.BackupStoreSpec;
import io.flotilla.api.dr.v1alpha1.BackupStoreStatus;
import io.flotilla.common.Time;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A BackupStore's key status from its spec and the status before: the active key id as the hub last set it, since
 * when, and the ids that were active before it, oldest first — retired for new backups, still needed in each spoke's
 * key Secret by the backups they wrapped (HostedClusterBackup status.keyId says which). Ids only: the hub never holds a
 * key. A key made active again leaves the retired list; an id is listed once.
 */
public final class StoreKeyStatus {
  private StoreKeyStatus() {}

  public static BackupStoreStatus next(BackupStoreStatus before, BackupStoreSpec spec, Long generation, Instant now) {
    BackupStoreStatus s = new BackupStoreStatus();
    BackupStoreStatus prev = before == null ? new BackupStoreStatus() : before;
    s.conditions = prev.conditions == null ? new ArrayList<>() : new ArrayList<>(prev.conditions);
    s.observedGeneration = generation;
    String active = spec == null || spec.encryption == null ? null : spec.encryption.activeKeyId;
    List<String> retired = new ArrayList<>(prev.retiredKeyIds == null ? List.of() : prev.retiredKeyIds);
    if (Objects.equals(active, prev.activeKeyId)) {
      s.activeKeySince = prev.activeKeySince;
    } else {
      if (prev.activeKeyId != null && !retired.contains(prev.activeKeyId)) {
        retired.add(prev.activeKeyId);
      }
      s.activeKeySince = active == null ? null : Time.format(now);
    }
    retired.remove(active);
    s.activeKeyId = active;
    s.retiredKeyIds = retired.isEmpty() ? null : retired;
    return s;
  }
}
