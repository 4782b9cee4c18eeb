package io.flotilla.hub.dr.policy;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.flotilla.api.cluster.v1alpha1.ManagementCluster;
import io.flotilla.api.dr.v1alpha1.BackupPolicy;
import io.flotilla.api.dr.v1alpha1.BackupStore;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackup;

import java.util.List;
import java.util.Optional;

/**
 * The hub objects the BackupPolicy reconciler reads. Under the operator they come from informer caches; {@link
 * #fromApi} reads the API directly, for tests and one-off use.
 */
public interface PolicyObjects {
  List<BackupPolicy> policies();

  List<ManagementCluster> clusters();

  /** HostedClusterBackup records in every cluster namespace. */
  List<HostedClusterBackup> backups();

  Optional<BackupStore> store(String name);

  /** The effective-schedule ConfigMaps the hub wrote (labelled {@link BackupPolicyReconciler#SCHEDULE_LABEL}). */
  List<ConfigMap> schedules();

  static PolicyObjects fromApi(KubernetesClient hub) {
    return new PolicyObjects() {
      @Override
      public List<BackupPolicy> policies() { return hub.resources(BackupPolicy.class).list().getItems(); }

      @Override
      public List<ManagementCluster> clusters() { return hub.resources(ManagementCluster.class).list().getItems(); }

      @Override
      public List<HostedClusterBackup> backups() {
        return hub.resources(HostedClusterBackup.class).inAnyNamespace().list().getItems();
      }

      @Override
      public Optional<BackupStore> store(String name) {
        return name == null ? Optional.empty()
            : Optional.ofNullable(hub.resources(BackupStore.class).withName(name).get());
      }

      @Override
      public List<ConfigMap> schedules() {
        return hub.configMaps().inAnyNamespace().withLabel(BackupPolicyReconciler.SCHEDULE_LABEL, "true").list()
            .getItems();
      }
    };
  }
}
