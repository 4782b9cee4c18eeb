package io.flotilla.sandbox.ocm.addon;

import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.flotilla.api.foreign.ocm.AddOnConfig;
import io.flotilla.api.foreign.ocm.AddOnTemplate;
import io.flotilla.api.foreign.ocm.ClusterManagementAddOn;
import io.flotilla.api.foreign.ocm.ManagedCluster;
import io.flotilla.api.foreign.ocm.ManagedClusterAddOn;
import io.flotilla.api.foreign.ocm.ManifestWork;
import io.flotilla.common.StatusWriter;
import io.flotilla.sandbox.kube.MockApiServer;
import io.flotilla.sandbox.workload.WorkloadSimulator;
import io.flotilla.testing.MutableClock;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A sandbox hub with the addon-manager and N management clusters, each with its work agent, add-on registration and
 * workload simulator: what the tests drive by calling {@link #pass()} (every controller once, in order).
 */
final class OcmHub implements AutoCloseable {
  static final Duration LIFETIME = Duration.ofHours(1);

  final MockApiServer hub;
  final MutableClock clock = new MutableClock(Instant.parse("2026-12-01T10:00:00Z"));
  final AddOnManager manager;
  final Map<String, Spoke> spokes = new LinkedHashMap<>();

  record Spoke(String name, MockApiServer server, SpokeAddOnAgents agents, WorkloadSimulator workloads) {
    KubernetesClient client() { return server.adminClient(); }

    WorkAgent work() { return agents.work(); }

    AddOnRegistrationAgent registration() { return agents.registration(); }
  }

  OcmHub(String... clusters) {
    hub = MockApiServer.start("hub");
    manager = new AddOnManager(hub.adminClient(), clock, Duration.ofMillis(300));
    for (String name : clusters) {
      MockApiServer server = MockApiServer.start(name);
      WorkloadSimulator workloads = new WorkloadSimulator(name, server.adminClient(), Duration.ofMillis(100),
          java.time.Clock.systemUTC());
      workloads.start();
      spokes.put(name, new Spoke(name, server, new SpokeAddOnAgents(name, hub.adminClient(), server.adminClient(), clock,
          LIFETIME, Duration.ofMillis(300)), workloads));
      join(name);
    }
  }

  KubernetesClient client() { return hub.adminClient(); }

  Spoke spoke(String name) { return spokes.get(name); }

  /** The cluster namespace and an accepted, available ManagedCluster, as the registration simulator leaves them. */
  void join(String cluster) {
    client().namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(cluster).endMetadata().build())
        .create();
    ManagedCluster mc = new ManagedCluster();
    mc.getMetadata().setName(cluster);
    mc.getSpec().hubAcceptsClient = true;
    mc.setStatus(null);
    client().resource(mc).create();
    setClusterAvailable(cluster, "True");
  }

  /** The ManagedCluster's Available condition, as the registration hub sets it from the cluster lease (§2.3). */
  void setClusterAvailable(String cluster, String status) {
    ManagedCluster read = client().resources(ManagedCluster.class).withName(cluster).get();
    ManagedCluster.Status next = new ManagedCluster.Status();
    next.conditions = List.of(new ConditionBuilder().withType(ManagedCluster.AVAILABLE).withStatus(status)
        .withReason("True".equals(status) ? "ManagedClusterAvailable" : ManagedCluster.REASON_LEASE_UPDATE_STOPPED)
        .withMessage("True".equals(status) ? "Managed cluster is available" : "Registration agent stopped updating its lease.")
        .withLastTransitionTime("2026-12-01T10:00:00Z").build());
    StatusWriter.write(client(), read, next, StatusWriter.Precondition.LAST_WRITE_WINS);
  }

  /** Runs every controller by itself, as the sandbox does, instead of by {@link #pass()}. */
  void start() {
    manager.start();
    spokes.values().forEach(s -> s.agents().start());
  }

  /** Every controller once: the addon-manager, then each cluster's registration and work agent. */
  void pass() {
    manager.reconcile();
    spokes.values().forEach(s -> s.agents().reconcile());
    manager.reconcile();
  }

  ClusterManagementAddOn createAddOn(String addon, String template, String installStrategy) {
    ClusterManagementAddOn cma = new ClusterManagementAddOn();
    cma.getMetadata().setName(addon);
    ClusterManagementAddOn.ConfigMeta templates = new ClusterManagementAddOn.ConfigMeta();
    templates.group = AddOnTemplate.GROUP;
    templates.resource = AddOnTemplate.RESOURCE;
    templates.defaultConfig = new ClusterManagementAddOn.ConfigReferent();
    templates.defaultConfig.name = template;
    ClusterManagementAddOn.ConfigMeta adcs = new ClusterManagementAddOn.ConfigMeta();
    adcs.group = AddOnTemplate.GROUP;
    adcs.resource = "addondeploymentconfigs";
    cma.getSpec().supportedConfigs = new ArrayList<>(List.of(templates, adcs));
    cma.getSpec().installStrategy = new ClusterManagementAddOn.InstallStrategy();
    cma.getSpec().installStrategy.type = installStrategy;
    cma.setStatus(null);
    return client().resource(cma).create();
  }

  ManagedClusterAddOn enable(String cluster, String addon, AddOnConfig... configs) {
    ManagedClusterAddOn mca = new ManagedClusterAddOn();
    mca.getMetadata().setName(addon);
    mca.getMetadata().setNamespace(cluster);
    mca.getSpec().configs = configs.length == 0 ? null : List.of(configs);
    mca.setStatus(null);
    return client().resource(mca).create();
  }

  ManagedClusterAddOn mca(String cluster, String addon) {
    return client().resources(ManagedClusterAddOn.class).inNamespace(cluster).withName(addon).get();
  }

  ManifestWork work(String cluster, String addon) {
    return client().resources(ManifestWork.class).inNamespace(cluster).withName(AddOnNames.deployWork(addon)).get();
  }

  /**
   * An add-on agent as a template: its namespace (kept when the add-on goes), ServiceAccount, a ConfigMap showing the
   * variables, a Deployment that runs with the hub kubeconfig, and a KubeClient registration binding {@code <addon>-hub}.
   */
  static AddOnTemplate template(String addon, String version, boolean fail) {
    String ns = addon + "-agent";
    String yaml = """
        apiVersion: addon.open-cluster-management.io/v1alpha1
        kind: AddOnTemplate
        metadata: {name: %1$s-%3$s}
        spec:
          addonName: %1$s
          agentSpec:
            workload:
              manifests:
              - apiVersion: v1
                kind: Namespace
                metadata: {name: %2$s, annotations: {addon.open-cluster-management.io/deletion-orphan: ""}}
              - apiVersion: v1
                kind: ServiceAccount
                metadata: {name: %1$s-agent, namespace: %2$s}
              - apiVersion: v1
                kind: ConfigMap
                metadata: {name: %1$s-settings, namespace: %2$s}
                data: {cluster: "{{CLUSTER_NAME}}", level: "{{LOG_LEVEL}}", version: "%3$s"}
              - apiVersion: apps/v1
                kind: Deployment
                metadata: {name: %1$s-agent, namespace: %2$s}
                spec:
                  replicas: 1
                  selector: {matchLabels: {app: %1$s}}
                  template:
                    metadata:
                      labels: {app: %1$s}
                      annotations: {%4$s}
                    spec:
                      serviceAccountName: %1$s-agent
                      containers:
                      - name: agent
                        image: quay.io/example/%1$s:%3$s
                        args: ["--cluster-name={{CLUSTER_NAME}}", "--hub-kubeconfig={{HUB_KUBECONFIG}}"]
          registration:
          - type: KubeClient
            kubeClient:
              hubPermissions:
              - type: CurrentCluster
                currentCluster: {clusterRoleName: %1$s-hub}
        """.formatted(addon, ns, version, fail ? WorkloadSimulator.FAIL_ANNOTATION + ": \"true\"" : "");
    return io.fabric8.kubernetes.client.utils.Serialization.unmarshal(yaml, AddOnTemplate.class);
  }

  AddOnTemplate publish(AddOnTemplate template) { return client().resource(template).create(); }

  @Override
  public void close() {
    manager.close();
    for (Spoke s : spokes.values()) {
      s.agents().close();
      s.workloads().close();
      s.server().close();
    }
    hub.close();
  }
}
