package io.flotilla.agent.hostedcluster;

import io.flotilla.testing.MockApiServers;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.flotilla.agent.AgentConfig;
import io.flotilla.api.foreign.agent.Agent;
import io.flotilla.api.foreign.agent.AgentCluster;
import io.flotilla.api.foreign.agent.AgentMachine;
import io.flotilla.api.foreign.capi.Cluster;
import io.flotilla.api.foreign.capi.Machine;
import io.flotilla.api.foreign.hive.ClusterDeployment;
import io.flotilla.api.foreign.hypershift.HostedCluster;
import io.flotilla.api.foreign.hypershift.HostedControlPlane;
import io.flotilla.api.foreign.hypershift.NodePool;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A hub and a management cluster on two CRUD mock API servers (mixed mode: an expectation wins over CRUD, so a test can
 * make one request fail), with one Agent-platform hosted cluster built by hand the way HyperShift, Cluster API, the
 * Agent provider and assisted-service lay it out (docs/hypershift-facts.md §3):
 * <pre>
 * clusters/hc-1             HostedCluster (pausedUntil absent, agentNamespace "agents"), finalizer
 * clusters/hc-1-deadline    NodePool, pausedUntil "2020-01-01T00:00:00Z"
 * clusters/hc-1-held        NodePool, pausedUntil "true"
 * clusters/hc-2-pool        NodePool of another hosted cluster (never touched)
 * clusters-hc-1             Deployments kube-apiserver 3, openshift-apiserver 2, openshift-oauth-apiserver 2,
 *                           cluster-api 1, capi-provider 1; HostedControlPlane hc-1; CAPI Cluster hc-1-infra;
 *                           Machines and AgentMachines np-abc (unpaused) and np-def (already paused);
 *                           AgentCluster hc-1-infra; ClusterDeployment hc-1-infra (assisted-service finalizer)
 * agents                    Agents worker-1, worker-2 bound to clusters-hc-1/hc-1-infra; spare (unbound);
 *                           other (bound to another cluster)
 * </pre>
 * Public so the teardown tests share it (the agent's MockServers helper is package-private).
 */
public final class ManagementClusterFixture implements AutoCloseable {
  public static final String CLUSTER = "mc1";
  public static final String HC_NS = "clusters";
  public static final String HC = "hc-1";
  public static final String CP_NS = HostedCluster.controlPlaneNamespace(HC_NS, HC);
  public static final String INFRA = "hc-1-infra";
  public static final String AGENT_NS = "agents";
  public static final String DEADLINE = "2020-01-01T00:00:00Z";

  public final KubernetesMockServer hubServer;
  public final KubernetesMockServer localServer;
  public final KubernetesClient hub;
  public final KubernetesClient local;

  public ManagementClusterFixture() throws Exception {
    hubServer = MockApiServers.startCrud();
    localServer = MockApiServers.startCrud();
    hub = hubServer.createClient();
    local = localServer.createClient();
    MockApiServers.applyCrd(hub, "hostedclusterpauses.dr.flotilla.io");
    MockApiServers.applyCrd(hub, "hostedclusterteardowns.dr.flotilla.io");
    for (String crd : List.of("hostedclusters.hypershift.openshift.io", "nodepools.hypershift.openshift.io",
        "hostedcontrolplanes.hypershift.openshift.io", "clusters.cluster.x-k8s.io", "machines.cluster.x-k8s.io",
        "agentmachines.capi-provider.agent-install.openshift.io",
        "agentclusters.capi-provider.agent-install.openshift.io", "agents.agent-install.openshift.io",
        "clusterdeployments.hive.openshift.io")) {
      MockApiServers.applyCrd(local, crd);
    }
    for (String ns : List.of(HC_NS, CP_NS, AGENT_NS)) {
      local.resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build()).create();
    }
    hub.resource(new NamespaceBuilder().withNewMetadata().withName(CLUSTER).endMetadata().build()).create();
  }

  public static AgentConfig agentConfig() {
    return new AgentConfig(CLUSTER, Duration.ofSeconds(60), "test");
  }


  /** Creates the hosted cluster laid out above. */
  public void hostedCluster() {
    HostedCluster hc = new HostedCluster();
    hc.setMetadata(meta(HC_NS, HC, HostedCluster.FINALIZER));
    hc.getSpec().infraID = INFRA;
    hc.getSpec().platform = new HostedCluster.Platform();
    hc.getSpec().platform.type = "Agent";
    hc.getSpec().platform.agent = new HostedCluster.AgentPlatformSpec();
    hc.getSpec().platform.agent.agentNamespace = AGENT_NS;
    local.resource(hc).create();
    nodePool("hc-1-deadline", HC, DEADLINE);
    nodePool("hc-1-held", HC, "true");
    nodePool("hc-2-pool", "hc-2", null);

    deployment("kube-apiserver", 3);
    deployment("openshift-apiserver", 2);
    deployment("openshift-oauth-apiserver", 2);
    deployment("cluster-api", 1);
    deployment("capi-provider", 1);

    HostedControlPlane hcp = new HostedControlPlane();
    hcp.setMetadata(meta(CP_NS, HC, HostedCluster.FINALIZER));
    local.resource(hcp).create();

    Cluster cluster = new Cluster();
    cluster.setMetadata(meta(CP_NS, INFRA, Cluster.FINALIZER));
    cluster.getSpec().infrastructureRef = new ObjectReferenceBuilder().withKind("AgentCluster").withName(INFRA)
        .withNamespace(CP_NS).build();
    local.resource(cluster).create();

    worker("np-abc", null);
    worker("np-def", "true");

    AgentCluster ac = new AgentCluster();
    ac.setMetadata(meta(CP_NS, INFRA, AgentCluster.DEPROVISION_FINALIZER));
    local.resource(ac).create();

    ClusterDeployment cd = new ClusterDeployment();
    cd.setMetadata(meta(CP_NS, INFRA, ClusterDeployment.AI_DEPROVISION_FINALIZER));
    cd.getSpec().clusterName = INFRA;
    local.resource(cd).create();

    agent("worker-1", CP_NS, INFRA);
    agent("worker-2", CP_NS, INFRA);
    agent("spare", null, null);
    agent("other", "clusters-hc-2", "hc-2-infra");
  }

  private void nodePool(String name, String cluster, String pausedUntil) {
    NodePool np = new NodePool();
    np.setMetadata(meta(HC_NS, name, HostedCluster.FINALIZER));
    np.getSpec().clusterName = cluster;
    np.getSpec().replicas = 1;
    np.getSpec().pausedUntil = pausedUntil;
    local.resource(np).create();
  }

  private void deployment(String name, int replicas) {
    local.resource(new DeploymentBuilder().withNewMetadata().withName(name).withNamespace(CP_NS).endMetadata()
        .withNewSpec().withReplicas(replicas).withNewSelector().addToMatchLabels("app", name).endSelector()
        .withNewTemplate().withNewMetadata().addToLabels("app", name).endMetadata().withNewSpec().addNewContainer()
        .withName(name).withImage("quay.io/openshift/" + name).endContainer().endSpec().endTemplate().endSpec()
        .build()).create();
  }

  private void worker(String name, String paused) {
    Machine m = new Machine();
    m.setMetadata(meta(CP_NS, name, Machine.FINALIZER));
    m.getSpec().clusterName = INFRA;
    local.resource(m).create();
    AgentMachine am = new AgentMachine();
    am.setMetadata(meta(CP_NS, name, AgentMachine.DEPROVISION_FINALIZER));
    if (paused != null) {
      am.getMetadata().setAnnotations(Map.of(Cluster.PAUSED_ANNOTATION, paused));
    }
    local.resource(am).create();
  }

  private void agent(String name, String cdNamespace, String cdName) {
    Agent a = new Agent();
    a.setMetadata(new ObjectMetaBuilder().withNamespace(AGENT_NS).withName(name).build());
    a.getSpec().hostname = name;
    a.getSpec().approved = true;
    if (cdName != null) {
      a.getSpec().clusterDeploymentName = new Agent.ClusterDeploymentName();
      a.getSpec().clusterDeploymentName.namespace = cdNamespace;
      a.getSpec().clusterDeploymentName.name = cdName;
    }
    local.resource(a).create();
  }

  private static io.fabric8.kubernetes.api.model.ObjectMeta meta(String ns, String name, String finalizer) {
    return new ObjectMetaBuilder().withNamespace(ns).withName(name).addToFinalizers(finalizer).build();
  }

  // ---------------------------------------------------------------- reads

  public <T extends HasMetadata> T get(Class<T> kind, String ns, String name) {
    return local.resources(kind).inNamespace(ns).withName(name).get();
  }

  public HostedCluster hc() { return get(HostedCluster.class, HC_NS, HC); }

  public NodePool nodePool(String name) { return get(NodePool.class, HC_NS, name); }

  public Integer replicas(String deployment) {
    Deployment d = get(Deployment.class, CP_NS, deployment);
    return d == null ? null : d.getSpec().getReplicas();
  }

  public String annotation(HasMetadata o, String key) {
    return o == null || o.getMetadata().getAnnotations() == null ? null : o.getMetadata().getAnnotations().get(key);
  }

  public Agent agent(String name) { return get(Agent.class, AGENT_NS, name); }

  /** Removes a local object's finalizers and deletes it, as if it had been torn down. */
  public void removeForGood(HasMetadata o) {
    local.resource(o).edit(x -> {
      x.getMetadata().setFinalizers(List.of());
      return x;
    });
    local.resource(o).delete();
  }

  @Override
  public void close() {
    hub.close();
    local.close();
    hubServer.destroy();
    localServer.destroy();
  }
}
