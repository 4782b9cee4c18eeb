package io.flotilla.e2e;

import com.dajudge.kindcontainer.ApiServerContainer;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.flotilla.agent.SpokeAgent;
import io.flotilla.common.BuildInfo;
import io.flotilla.api.foreign.hypershift.HostedCluster;
import io.flotilla.hub.HubManager;
import io.flotilla.hub.HubManagerConfig;
import io.flotilla.hub.cluster.ClusterRegistration;
import io.flotilla.sandbox.hypershift.HyperShiftSimulator;
import io.flotilla.sandbox.kube.CrdCatalog;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Docker backend: a real kube-apiserver (kindcontainer's API-server-only container) for the hub and for each
 * management cluster, with hub-manager, agents and the HyperShift simulator running on the host against them,
 * exactly as in the sandbox. Used only when a Docker engine answers.
 */
final class KindFleet implements FleetBackend {
  private static final Duration HEARTBEAT = Duration.ofSeconds(1);
  private static final int GRACE = 3;

  private final ApiServerContainer<?> hubContainer = new ApiServerContainer<>();
  private final Map<String, ApiServerContainer<?>> spokeContainers = new LinkedHashMap<>();
  private final Map<String, KubernetesClient> spokeClients = new LinkedHashMap<>();
  private final Map<String, HyperShiftSimulator> simulators = new LinkedHashMap<>();
  private final Map<String, SpokeAgent> agents = new LinkedHashMap<>();
  private final Map<String, String> agentKubeconfigs = new LinkedHashMap<>();
  private final Map<String, List<String>> hosted = new LinkedHashMap<>();
  private final KubernetesClient hub;
  private final HubManager hubManager;

  KindFleet(Path dir, int clusters, int hostedPerCluster) {
    hubContainer.start();
    hub = client(hubContainer.getKubeconfig());
    installCrds(hub);
    hubManager = new HubManager(hub, new HubManagerConfig(GRACE, HEARTBEAT, "flotilla-system", "e2e", true, false));
    hubManager.start();
    int hostedIndex = 0;
    for (int i = 1; i <= clusters; i++) {
      String name = "mc-" + i;
      ApiServerContainer<?> container = new ApiServerContainer<>();
      container.start();
      spokeContainers.put(name, container);
      KubernetesClient spoke = client(container.getKubeconfig());
      spokeClients.put(name, spoke);
      installCrds(spoke);
      ClusterRegistration registrar = new ClusterRegistration(hub);
      ClusterRegistration.Registration registration =
          registrar.join(name, Map.of("flotilla.io/e2e", "true"), Duration.ofHours(1));
      registrar.setLeaseDuration(name, HEARTBEAT);
      agentKubeconfigs.put(name, ClusterRegistration.agentKubeconfig(hub.getConfiguration(), registration.token(), name));
      HyperShiftSimulator simulator = new HyperShiftSimulator(name, spoke, dir.resolve(name), 1L << 20);
      simulator.start();
      simulators.put(name, simulator);
      List<String> names = new ArrayList<>();
      for (int k = 0; k < hostedPerCluster; k++) {
        String hc = "hc-" + (++hostedIndex);
        createHostedCluster(spoke, hc);
        names.add(hc);
      }
      hosted.put(name, names);
      startAgent(name);
    }
  }

  static boolean dockerAvailable() {
    try {
      return org.testcontainers.DockerClientFactory.instance().isDockerAvailable();
    } catch (RuntimeException | LinkageError e) {
      return false;
    }
  }

  @Override public String name() { return "kind"; }
  @Override public KubernetesClient hub() { return hub; }
  @Override public KubernetesClient spoke(String cluster) { return spokeClients.get(cluster); }
  @Override public List<String> clusters() { return List.copyOf(spokeContainers.keySet()); }
  @Override public List<String> hostedClusters(String cluster) { return hosted.get(cluster); }
  @Override public Duration heartbeat() { return HEARTBEAT; }
  @Override public Duration gracePeriod() { return HEARTBEAT.multipliedBy(GRACE); }

  @Override
  public void startAgent(String cluster) {
    KubernetesClient agentHub = client(agentKubeconfigs.get(cluster));
    SpokeAgent agent = new SpokeAgent(agentHub, spokeClients.get(cluster),
        new io.flotilla.agent.AgentConfig(cluster, HEARTBEAT, BuildInfo.version()));
    agent.start();
    agents.put(cluster, agent);
  }

  @Override
  public void stopAgent(String cluster) {
    SpokeAgent agent = agents.remove(cluster);
    if (agent != null) {
      agent.close();
    }
  }

  @Override
  public void close() {
    new ArrayList<>(agents.keySet()).forEach(this::stopAgent);
    hubManager.close();
    simulators.values().forEach(HyperShiftSimulator::close);
    spokeClients.values().forEach(KubernetesClient::close);
    spokeContainers.values().forEach(ApiServerContainer::stop);
    hub.close();
    hubContainer.stop();
  }

  private static KubernetesClient client(String kubeconfig) {
    return new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(kubeconfig)).build();
  }

  private static void createHostedCluster(KubernetesClient client, String name) {
    if (client.namespaces().withName("clusters").get() == null) {
      client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("clusters").endMetadata().build())
          .create();
    }
    HostedCluster hc = new HostedCluster();
    hc.getMetadata().setName(name);
    hc.getMetadata().setNamespace("clusters");
    hc.getSpec().infraID = name;
    client.resource(hc).create();
  }

  /** Applies every CRD the api jar carries (ours and the foreign HyperShift subset) and waits until served. */
  private static void installCrds(KubernetesClient client) {
    List<CustomResourceDefinition> crds = CrdCatalog.loadApiCrds();
    for (CustomResourceDefinition crd : crds) {
      client.apiextensions().v1().customResourceDefinitions().resource(crd).create();
    }
    for (CustomResourceDefinition crd : crds) {
      client.apiextensions().v1().customResourceDefinitions().withName(crd.getMetadata().getName())
          .waitUntilCondition(c -> c != null && c.getStatus() != null && c.getStatus().getConditions().stream()
              .anyMatch(x -> "Established".equals(x.getType()) && "True".equals(x.getStatus())),
              60, java.util.concurrent.TimeUnit.SECONDS);
    }
  }
}
