package io.flotilla.hub.acm;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.flotilla.api.addon.v1alpha1.AddOnRelease;
import io.flotilla.api.addon.v1alpha1.FleetAddOn;
import io.flotilla.api.cluster.v1alpha1.ManagementCluster;
import io.flotilla.api.dr.v1alpha1.BackupPolicy;
import io.flotilla.api.dr.v1alpha1.BackupStore;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Objects;

/**
 * Puts ACM's hub-backup label ({@link HubBackupLabel}) on the Flotilla objects a restored hub needs, whoever created
 * them (kubectl, GitOps, the CLI). One concern, one small controller per kind; a label an admin set is left as it is.
 */
public abstract class HubBackupLabelReconciler<T extends HasMetadata> implements Reconciler<T> {
  private static final Logger log = LoggerFactory.getLogger(HubBackupLabelReconciler.class);

  private final KubernetesClient hub;

  protected HubBackupLabelReconciler(KubernetesClient hub) {
    this.hub = Objects.requireNonNull(hub);
  }

  @Override
  public UpdateControl<T> reconcile(T o, Context<T> context) {
    if (o.getMetadata().getDeletionTimestamp() == null) {
      HubBackupLabel.patchFor(o).ifPresent(patch -> {
        try {
          hub.resource(o).patch(PatchContext.of(PatchType.JSON_MERGE), patch);
          log.info("labelled {} {} for ACM's hub backup", o.getKind(), o.getMetadata().getName());
        } catch (KubernetesClientException e) {
          if (e.getCode() != 404) {
            throw e;
          }
        }
      });
    }
    return UpdateControl.noUpdate();
  }

  /** The controllers, one per kind the hub backup must carry. */
  public static List<HubBackupLabelReconciler<?>> all(KubernetesClient hub) {
    return List.of(new Stores(hub), new Policies(hub), new FleetAddOns(hub), new Releases(hub), new Clusters(hub));
  }

  @ControllerConfiguration(name = "acm-backup-label-backupstore")
  static final class Stores extends HubBackupLabelReconciler<BackupStore> implements Reconciler<BackupStore> {
    Stores(KubernetesClient hub) { super(hub); }
  }

  @ControllerConfiguration(name = "acm-backup-label-backuppolicy")
  static final class Policies extends HubBackupLabelReconciler<BackupPolicy> implements Reconciler<BackupPolicy> {
    Policies(KubernetesClient hub) { super(hub); }
  }

  @ControllerConfiguration(name = "acm-backup-label-fleetaddon")
  static final class FleetAddOns extends HubBackupLabelReconciler<FleetAddOn> implements Reconciler<FleetAddOn> {
    FleetAddOns(KubernetesClient hub) { super(hub); }
  }

  @ControllerConfiguration(name = "acm-backup-label-addonrelease")
  static final class Releases extends HubBackupLabelReconciler<AddOnRelease> implements Reconciler<AddOnRelease> {
    Releases(KubernetesClient hub) { super(hub); }
  }

  @ControllerConfiguration(name = "acm-backup-label-managementcluster")
  static final class Clusters extends HubBackupLabelReconciler<ManagementCluster>
      implements Reconciler<ManagementCluster> {
    Clusters(KubernetesClient hub) { super(hub); }
  }
}
