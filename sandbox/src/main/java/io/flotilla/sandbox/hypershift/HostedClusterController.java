package io.flotilla.sandbox.hypershift;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.flotilla.api.foreign.agent.AgentMachine;
import io.flotilla.api.foreign.capi.Cluster;
import io.flotilla.api.foreign.hypershift.HostedCluster;
import io.flotilla.api.foreign.hypershift.HostedControlPlane;
import io.flotilla.api.foreign.hypershift.NodePool;
import io.flotilla.common.Conditions;
import io.flotilla.sandbox.tls.Pki;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * The HyperShift operator's HostedCluster controller (docs/hypershift-facts.md §1): per HostedCluster a control plane
 * in namespace {@code <ns>-<name>} (its etcd is the {@link HostedControlPlaneController}'s), the HostedControlPlane,
 * the CAPI Cluster and the Agent platform's AgentCluster, the API-server and CAPI Deployments and the PKI Secrets;
 * {@code pausedUntil} passed on to the HostedControlPlane and the CAPI Cluster (§1.3); the HostedCluster's conditions.
 * Deletion as HyperShift does it (§1.3 "Important for deletion", §3), behind its finalizer: CAPI unpaused first, the
 * NodePools, the CAPI Cluster, the HostedControlPlane, then the control-plane namespace unless
 * {@code skip-delete-hosted-controlplane-namespace}. Stripping the finalizer first (§1.5) bypasses all of it.
 */
final class HostedClusterController {
  private static final Logger LOG = LoggerFactory.getLogger(HostedClusterController.class);
  static final String HCP_NAMESPACE_LABEL = "hypershift.openshift.io/hosted-control-plane";
  private static final String REASON_WAITING_FOR_ETCD = "WaitingForEtcd";
  private static final String REASON_ETCD_FAILED = "EtcdFailed";

  /** Replica counts of a highly-available control plane's API servers. */
  static final Map<String, Integer> API_SERVER_REPLICAS = new LinkedHashMap<>(Map.of(
      "kube-apiserver", 3, "openshift-apiserver", 2, "openshift-oauth-apiserver", 2));
  /** The Cluster API manager and the Agent CAPI provider, one replica each, in the control-plane namespace. */
  static final Map<String, Integer> CAPI_REPLICAS = new LinkedHashMap<>(Map.of(
      AgentPlatform.CAPI_MANAGER, 1, AgentPlatform.CAPI_PROVIDER, 1));

  private final String managementClusterName;
  private final KubernetesClient client;
  private final Path workDir;
  private final ControlPlanes controlPlanes;
  private final WorkQueue queue;
  private final HostedControlPlaneController hostedControlPlanes;
  private final KubeApiServers kubeApiServers;
  private final NodePoolController nodePools;
  private final AgentPlatform platform;
  /** HostedCluster uid → restoreSnapshotURL as first seen (creation): the value it keeps (docs/hypershift-facts.md §1.4). */
  private final Map<String, List<String>> restoreUrlsFirstSeen = new ConcurrentHashMap<>();

  HostedClusterController(String managementClusterName, KubernetesClient client, Path workDir,
                          ControlPlanes controlPlanes, WorkQueue queue, HostedControlPlaneController hostedControlPlanes,
                          KubeApiServers kubeApiServers, NodePoolController nodePools, AgentPlatform platform) {
    this.managementClusterName = managementClusterName;
    this.client = client;
    this.workDir = workDir;
    this.controlPlanes = controlPlanes;
    this.queue = queue;
    this.hostedControlPlanes = hostedControlPlanes;
    this.kubeApiServers = kubeApiServers;
    this.nodePools = nodePools;
    this.platform = platform;
  }

  void enqueue(String namespace, String name) {
    queue.enqueue("hc:" + ControlPlanes.key(namespace, name), () -> reconcile(namespace, name));
  }

  private void reconcile(String namespace, String name) {
    HostedCluster hc = client.resources(HostedCluster.class).inNamespace(namespace).withName(name).get();
    ControlPlane cp = controlPlanes.get(namespace, name);
    if (hc == null || (cp != null && !cp.uid.equals(hc.getMetadata().getUid()))) {
      vanished(namespace, name, cp);
      if (hc == null) {
        return;
      }
      cp = null;
    }
    String cpNs = hc.controlPlaneNamespace();
    controlPlanes.index(cpNs, namespace, name);
    List<String> urlsFirstSeen = restoreUrlsFirstSeen.computeIfAbsent(hc.getMetadata().getUid(), u -> restoreUrls(hc));
    if (Kube.isDeleting(hc)) {
      // HyperShift handles deletion before looking at pausedUntil: a paused HostedCluster is deleted all the same.
      delete(hc);
      return;
    }
    Kube.addFinalizer(client, hc, HostedCluster.FINALIZER);
    boolean urlChanged = !urlsFirstSeen.equals(restoreUrls(hc));
    Instant now = Instant.now();
    HostedCluster.Spec spec = hc.getSpec() == null ? new HostedCluster.Spec() : hc.getSpec();
    PausedUntil pause = PausedUntil.evaluate(spec.pausedUntil, now);
    pause.until().ifPresent(deadline -> queue.schedule(() -> enqueue(namespace, name), deadline));
    if (pause.paused()) {
      // HyperShift returns early when paused: it only propagates the pause to the HCP and the CAPI Cluster.
      if (cp != null) {
        applyPause(cp, hc, spec.pausedUntil, true);
      }
    } else {
      if (cp == null) {
        cp = provision(hc, urlsFirstSeen);
      }
      ensureHostedControlPlane(cp, hc);
      ensureControlPlaneWorkloads(cp);
      applyPause(cp, hc, null, false);
      hostedControlPlanes.updateStatus(cp);
    }
    if (cp != null) {
      // paused or not (pausedUntil does not stop a kube-apiserver, docs/hypershift-facts.md §8.6), before Available
      kubeApiServers.reconcile(cp);
    }
    updateStatus(namespace, name, cp, pause, urlChanged, now);
    nodePools.nodePoolsOf(namespace, name).forEach(np -> nodePools.enqueue(namespace, np.getMetadata().getName()));
  }

  private ControlPlane provision(HostedCluster hc, List<String> restoreUrls) {
    String namespace = hc.getMetadata().getNamespace();
    String name = hc.getMetadata().getName();
    String cpNs = hc.controlPlaneNamespace();
    ControlPlane cp = new ControlPlane(namespace, name, hc.getMetadata().getUid(), cpNs, workDir.resolve(cpNs), restoreUrls);
    hostedControlPlanes.prepareRestore(cp);
    controlPlanes.put(cp);
    client.resource(new NamespaceBuilder().withNewMetadata().withName(cpNs)
        .addToLabels(HCP_NAMESPACE_LABEL, "true").endMetadata().build()).createOr(NonDeletingOperation::update);
    hostedControlPlanes.provision(cp);
    return cp;
  }

  /**
   * The HostedControlPlane, the CAPI Cluster and (Agent platform) the AgentCluster. A HostedControlPlane that already
   * exists (applied from a backup before the HostedCluster, docs/hypershift-facts.md §1.4 step 3) gets the HostedCluster's etcd
   * spec as it was at creation, as the HyperShift operator overwrites the HCP spec from the HostedCluster.
   */
  private void ensureHostedControlPlane(ControlPlane cp, HostedCluster hc) {
    String ns = cp.controlPlaneNamespace;
    HostedControlPlane existing = client.resources(HostedControlPlane.class).inNamespace(ns).withName(cp.name).get();
    if (existing == null) {
      HostedControlPlane hcp = new HostedControlPlane();
      hcp.setMetadata(new ObjectMetaBuilder().withName(cp.name).withNamespace(ns)
          .addToAnnotations("hypershift.openshift.io/cluster", cp.namespace + "/" + cp.name)
          .addToFinalizers(HostedCluster.FINALIZER).build());
      hcp.getSpec().pausedUntil = hc.getSpec().pausedUntil;
      hcp.getSpec().etcd = etcdAtCreation(hc, cp);
      client.resource(hcp).create();
    } else if (!Kube.isDeleting(existing)) {
      HostedCluster.Etcd etcd = etcdAtCreation(hc, cp);
      List<String> hcpUrls = existing.getSpec() == null ? List.of() : restoreUrls(existing.getSpec().etcd);
      if (!hcpUrls.equals(cp.restoreUrlsAtCreation)) {
        Kube.jsonPatch(client, existing, "[{\"op\":\"add\",\"path\":\"/spec/etcd\",\"value\":"
            + client.getKubernetesSerialization().asJson(etcd) + "}]");
      }
      Kube.addFinalizer(client, existing, HostedCluster.FINALIZER);
    }
    String clusterName = infraId(hc);
    Cluster cluster = client.resources(Cluster.class).inNamespace(ns).withName(clusterName).get();
    if (cluster == null) {
      cluster = new Cluster();
      cluster.setMetadata(new ObjectMetaBuilder().withName(clusterName).withNamespace(ns)
          .addToFinalizers(Cluster.FINALIZER).build());
      cluster.getSpec().infrastructureRef = new ObjectReferenceBuilder()
          .withApiVersion(AgentMachine.GROUP + "/" + AgentMachine.VERSION).withKind("AgentCluster")
          .withName(clusterName).withNamespace(ns).build();
      cluster = client.resource(cluster).create();
    }
    if (!Kube.isDeleting(cluster)) {
      platform.ensureAgentCluster(cluster, cp.name);
    }
  }

  /** The HostedCluster's etcd spec with restoreSnapshotURL as it was at creation (later changes are refused). */
  private HostedCluster.Etcd etcdAtCreation(HostedCluster hc, ControlPlane cp) {
    HostedCluster.Etcd etcd = hc.getSpec().etcd == null ? null : client.getKubernetesSerialization().clone(hc.getSpec().etcd);
    if (etcd == null) {
      if (cp.restoreUrlsAtCreation.isEmpty()) {
        return null;
      }
      etcd = new HostedCluster.Etcd();
      etcd.managementType = "Managed";
    }
    if (etcd.managed == null) {
      etcd.managed = new HostedCluster.ManagedEtcd();
    }
    if (etcd.managed.storage == null) {
      etcd.managed.storage = new HostedCluster.EtcdStorage();
    }
    etcd.managed.storage.restoreSnapshotURL = cp.restoreUrlsAtCreation.isEmpty() ? null : cp.restoreUrlsAtCreation;
    return etcd;
  }

  /**
   * The control plane's API servers, the CAPI manager and provider, and the PKI Secrets, as the operators create them.
   * While the hosted cluster is not paused they own the replica counts: anything scaled away is scaled back, which is
   * why a quiesce must happen under a pause (docs/hypershift-facts.md §1.2 step 2). Scaled to 0 under a pause (§1.5 step 2), the
   * CAPI Deployments stop the Machine and Agent controllers (see {@link AgentPlatform}).
   */
  private void ensureControlPlaneWorkloads(ControlPlane cp) {
    String ns = cp.controlPlaneNamespace;
    Map<String, Integer> all = new LinkedHashMap<>(API_SERVER_REPLICAS);
    all.putAll(CAPI_REPLICAS);
    all.forEach((name, replicas) -> {
      var existing = client.apps().deployments().inNamespace(ns).withName(name).get();
      if (existing == null) {
        client.apps().deployments().inNamespace(ns).resource(new DeploymentBuilder()
            .withNewMetadata().withName(name).withNamespace(ns).addToLabels("app", name).endMetadata()
            .withNewSpec().withReplicas(replicas)
            .withNewSelector().addToMatchLabels("app", name).endSelector()
            .withNewTemplate().withNewMetadata().addToLabels("app", name).endMetadata()
            .withNewSpec().addNewContainer().withName(name).withImage("quay.io/openshift/" + name + ":sandbox")
            .endContainer().endSpec().endTemplate()
            .endSpec().build()).create();
      } else if (!Objects.equals(existing.getSpec().getReplicas(), replicas) && !Kube.isDeleting(existing)) {
        client.apps().deployments().inNamespace(ns).withName(name)
            .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"replicas\":" + replicas + "}}");
      }
    });
    if (client.secrets().inNamespace(ns).withName("root-ca").get() == null) {
      var ca = Pki.newCa("root-ca." + ns);
      client.secrets().inNamespace(ns).resource(new SecretBuilder().withNewMetadata().withName("root-ca")
          .withNamespace(ns).endMetadata().withType("kubernetes.io/tls")
          .addToData("tls.crt", Kube.base64(ca.certificatePem())).addToData("tls.key", Kube.base64(ca.privateKeyPem()))
          .build()).create();
    }
    if (client.secrets().inNamespace(ns).withName("sa-signing-key").get() == null) {
      var key = Pki.newCa("sa-signing-key." + ns);
      client.secrets().inNamespace(ns).resource(new SecretBuilder().withNewMetadata().withName("sa-signing-key")
          .withNamespace(ns).endMetadata().addToData("service-account.key", Kube.base64(key.privateKeyPem())).build())
          .create();
    }
  }

  /** pausedUntil → HCP.spec.pausedUntil and CAPI Cluster.spec.paused (docs/hypershift-facts.md §1.3), or clears both. */
  private void applyPause(ControlPlane cp, HostedCluster hc, String pausedUntil, boolean paused) {
    String ns = cp.controlPlaneNamespace;
    mergePatch(client.resources(HostedControlPlane.class).inNamespace(ns).withName(cp.name).get(),
        hcp -> !Objects.equals(hcp.getSpec().pausedUntil, pausedUntil),
        "{\"spec\":{\"pausedUntil\":" + (pausedUntil == null ? "null" : Kube.json(pausedUntil)) + "}}");
    mergePatch(client.resources(Cluster.class).inNamespace(ns).withName(infraId(hc)).get(),
        c -> !Objects.equals(c.getSpec() == null ? null : c.getSpec().paused, paused ? Boolean.TRUE : null),
        "{\"spec\":{\"paused\":" + (paused ? "true" : "null") + "}}");
  }

  private <T extends HasMetadata> void mergePatch(T current, Predicate<T> needed, String patch) {
    if (current != null && !Kube.isDeleting(current) && needed.test(current)) {
      client.resource(current).patch(PatchContext.of(PatchType.JSON_MERGE), patch);
    }
  }

  private void updateStatus(String namespace, String name, ControlPlane cp, PausedUntil pause,
                            boolean restoreUrlChanged, Instant now) {
    Kube.editStatus(client, HostedCluster.class, namespace, name, hc -> {
      if (hc.getStatus() == null) {
        hc.setStatus(new HostedCluster.Status());
      }
      List<Condition> conditions = hc.getStatus().conditions;
      Long generation = hc.getMetadata().getGeneration();
      boolean changed = Conditions.set(conditions, HostedCluster.RECONCILIATION_ACTIVE, pause.conditionStatus(),
          pause.reason(), pause.message(), generation, now);
      RestoreOutcome restore = cp == null ? null : cp.restore;
      if (restoreUrlChanged) {
        changed |= Conditions.set(conditions, HostedCluster.ETCD_SNAPSHOT_RESTORED, Conditions.FALSE,
            HyperShiftSimulator.REASON_RESTORE_URL_IMMUTABLE, "spec.etcd.managed.storage.restoreSnapshotURL cannot "
                + "be added, removed or changed after creation; the change is ignored and the value set at creation "
                + "is kept",
            generation, now);
      } else if (restore != null) {
        changed |= Conditions.set(conditions, HostedCluster.ETCD_SNAPSHOT_RESTORED, restore.status(), restore.reason(),
            restore.message(), generation, now);
      }
      if (cp != null && cp.ready) {
        changed |= Conditions.set(conditions, HostedCluster.AVAILABLE, Conditions.TRUE, HostedCluster.REASON_AS_EXPECTED,
            "The hosted control plane is available", generation, now);
      } else if (cp != null && cp.failure != null) {
        changed |= Conditions.set(conditions, HostedCluster.AVAILABLE, Conditions.FALSE,
            restore != null && restore.failed() ? restore.reason() : REASON_ETCD_FAILED, cp.failure, generation, now);
      } else if (cp != null) {
        changed |= Conditions.set(conditions, HostedCluster.AVAILABLE, Conditions.FALSE, REASON_WAITING_FOR_ETCD,
            cp.restoreUrl != null ? "Waiting for etcd-init to restore the snapshot and etcd to start"
                : "Waiting for etcd to become available", generation, now);
      }
      return changed;
    });
  }

  /**
   * HostedClusterReconciler.delete() (docs/hypershift-facts.md §1.3, §3.2), one step per reconcile, waiting on each: unpause the
   * CAPI Cluster, delete the NodePools, the CAPI Cluster, the HostedControlPlane; stop the control plane; delete the
   * control-plane namespace unless {@code skip-delete-hosted-controlplane-namespace: "true"}; drop the finalizer.
   * A HostedCluster whose finalizer was stripped (§1.5) gets none of this: it simply vanishes.
   */
  private void delete(HostedCluster hc) {
    if (!Kube.hasFinalizer(hc, HostedCluster.FINALIZER)) {
      return;
    }
    String namespace = hc.getMetadata().getNamespace();
    String name = hc.getMetadata().getName();
    String cpNs = hc.controlPlaneNamespace();
    Cluster cluster = client.resources(Cluster.class).inNamespace(cpNs).withName(infraId(hc)).get();
    if (cluster != null && Boolean.TRUE.equals(cluster.getSpec() == null ? null : cluster.getSpec().paused)) {
      LOG.info("{}: deleting {}/{}: unpausing CAPI Cluster {} first, as HyperShift does", managementClusterName,
          namespace, name, cluster.getMetadata().getName());
      client.resource(cluster).patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"paused\":null}}");
    }
    List<NodePool> pools = nodePools.nodePoolsOf(namespace, name);
    if (!pools.isEmpty()) {
      pools.forEach(np -> Kube.delete(client, np));
      return;
    }
    if (cluster != null) {
      Kube.delete(client, cluster);
      return;
    }
    HostedControlPlane hcp = client.resources(HostedControlPlane.class).inNamespace(cpNs).withName(name).get();
    if (hcp != null) {
      Kube.delete(client, hcp);
      return;
    }
    hostedControlPlanes.stop(namespace, name);
    if ("true".equals(Kube.annotation(hc, HostedCluster.SKIP_DELETE_HCP_NAMESPACE))) {
      LOG.info("{}: deleting {}/{}: keeping namespace {} ({})", managementClusterName, namespace, name, cpNs,
          HostedCluster.SKIP_DELETE_HCP_NAMESPACE);
    } else {
      Kube.quietly(() -> client.namespaces().withName(cpNs).delete());
    }
    Kube.removeFinalizer(client, hc, HostedCluster.FINALIZER);
    LOG.info("{}: deleted hosted cluster {}/{}", managementClusterName, namespace, name);
  }

  /** The HostedCluster is gone (deleted, or its finalizer stripped): its etcd stops; its data stays with the namespace. */
  private void vanished(String namespace, String name, ControlPlane cp) {
    hostedControlPlanes.stop(namespace, name);
    if (cp != null) {
      restoreUrlsFirstSeen.remove(cp.uid);
    }
  }

  private static List<String> restoreUrls(HostedCluster hc) {
    return hc.getSpec() == null ? List.of() : restoreUrls(hc.getSpec().etcd);
  }

  private static List<String> restoreUrls(HostedCluster.Etcd etcd) {
    if (etcd == null || etcd.managed == null || etcd.managed.storage == null
        || etcd.managed.storage.restoreSnapshotURL == null) {
      return List.of();
    }
    return List.copyOf(etcd.managed.storage.restoreSnapshotURL.stream().map(u -> u == null ? "" : u).toList());
  }

  /** Where the hosted cluster's workers take Agents from: spec.platform.agent.agentNamespace, else the default. */
  static String agentNamespace(HostedCluster hc) {
    HostedCluster.Platform p = hc.getSpec() == null ? null : hc.getSpec().platform;
    String ns = p == null || p.agent == null ? null : p.agent.agentNamespace;
    return ns == null || ns.isBlank() ? HyperShiftSimulator.DEFAULT_AGENT_NAMESPACE : ns;
  }

  /** spec.infraID, else the HostedCluster's name: the name of its CAPI Cluster and AgentCluster. */
  static String infraId(HostedCluster hc) {
    String infraId = hc.getSpec() == null ? null : hc.getSpec().infraID;
    return infraId == null || infraId.isBlank() ? hc.getMetadata().getName() : infraId;
  }
}
