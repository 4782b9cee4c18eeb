package io.flotilla.hub.dr.store;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.flotilla.api.dr.v1alpha1.BackupStore;
import io.flotilla.common.StatusWriter;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;

import java.time.Clock;
import java.util.Objects;

/**
 * Keeps a BackupStore's status (its active key id, since when, the retired ids) in step with its spec
 * ({@link StoreKeyStatus}). Everything else about keys happens on the spokes, where the keys are (docs/backup-and-restore.md,
 * "Keys").
 */
@ControllerConfiguration(name = BackupStoreReconciler.NAME)
public class BackupStoreReconciler implements Reconciler<BackupStore> {
  public static final String NAME = "backupstore";

  private final KubernetesClient hub;
  private final Clock clock;

  public BackupStoreReconciler(KubernetesClient hub) {
    this(hub, Clock.systemUTC());
  }

  BackupStoreReconciler(KubernetesClient hub, Clock clock) {
    this.hub = Objects.requireNonNull(hub);
    this.clock = Objects.requireNonNull(clock);
  }

  @Override
  public UpdateControl<BackupStore> reconcile(BackupStore store, Context<BackupStore> context) {
    // computed from the status read: a write in between (another replica's) fails with 409 and JOSDK retries
    StatusWriter.write(hub, store, StoreKeyStatus.next(store.getStatus(), store.getSpec(),
        store.getMetadata().getGeneration(), clock.instant()), StatusWriter.Precondition.UNCHANGED_SINCE_READ);
    return UpdateControl.noUpdate();
  }
}
