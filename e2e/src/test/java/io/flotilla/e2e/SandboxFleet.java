package io.flotilla.e2e;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.flotilla.sandbox.Fleet;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** The sandbox backend: mock API servers, S3Proxy and real etcd processes in this JVM. */
final class SandboxFleet implements FleetBackend {
  private final Fleet fleet;

  SandboxFleet(Path dir, int clusters, int hostedPerCluster) {
    this.fleet = Fleet.up(Fleet.Options.defaults(dir).withClusters(clusters).withHostedPerCluster(hostedPerCluster)
        .withEtcdSeedBytes(1L << 20).withHeartbeat(Duration.ofSeconds(1), 3), line -> { });
  }

  @Override public String name() { return "sandbox"; }
  @Override public KubernetesClient hub() { return fleet.hub(); }
  @Override public KubernetesClient spoke(String cluster) { return fleet.spokeClient(cluster); }
  @Override public List<String> clusters() { return fleet.clusterNames(); }
  @Override public List<String> hostedClusters(String cluster) { return fleet.hostedClusters(cluster); }
  @Override public void stopAgent(String cluster) { fleet.stopAgent(cluster); }
  @Override public void startAgent(String cluster) { fleet.startAgent(cluster); }
  @Override public Duration heartbeat() { return fleet.options().heartbeat(); }
  @Override public Duration gracePeriod() { return fleet.gracePeriod(); }

  Fleet fleet() { return fleet; }

  @Override public void close() { fleet.close(); }
}
