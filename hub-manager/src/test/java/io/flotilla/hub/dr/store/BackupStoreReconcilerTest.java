package io.flotilla.hub.dr.store;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.flotilla.api.common.NamespacedName;
import io.flotilla.api.dr.v1alpha1.BackupStore;
import io.flotilla.testing.MockApiServers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The BackupStore reconciler called directly against a CRUD mock, as JOSDK would call it. */
class BackupStoreReconcilerTest {
  private KubernetesMockServer server;
  private KubernetesClient hub;

  @BeforeEach
  void setUp() {
    server = MockApiServers.startCrud();
    hub = server.createClient();
    MockApiServers.applyCrds(hub, "backupstores.dr.flotilla.io");
  }

  @AfterEach
  void tearDown() {
    hub.close();
    server.destroy();
  }

  @Test
  void aRotationShowsInStatusAsIdsOnly() {
    BackupStore store = new BackupStore();
    store.getMetadata().setName("default");
    store.getSpec().bucket = "backups";
    store.getSpec().credentialsSecret = new NamespacedName("flotilla-agent", "creds");
    store.getSpec().encryption.keySecret = new NamespacedName("flotilla-agent", "backup-key");
    hub.resource(store).create();
    BackupStoreReconciler reconciler = new BackupStoreReconciler(hub,
        Clock.fixed(Instant.parse("2026-05-01T12:00:00Z"), ZoneOffset.UTC));

    reconciler.reconcile(current(), null);
    assertThat(current().getStatus().activeKeyId).isNull();

    hub.resources(BackupStore.class).withName("default").edit(s -> {
      s.getSpec().encryption.activeKeyId = "k-20260501";
      return s;
    });
    reconciler.reconcile(current(), null);
    hub.resources(BackupStore.class).withName("default").edit(s -> {
      s.getSpec().encryption.activeKeyId = "k-20260601";
      return s;
    });
    reconciler.reconcile(current(), null);

    assertThat(current().getStatus().activeKeyId).isEqualTo("k-20260601");
    assertThat(current().getStatus().activeKeySince).isEqualTo("2026-05-01T12:00:00Z");
    assertThat(current().getStatus().retiredKeyIds).isEqualTo(List.of("k-20260501"));
  }

  private BackupStore current() {
    return hub.resources(BackupStore.class).withName("default").get();
  }
}
