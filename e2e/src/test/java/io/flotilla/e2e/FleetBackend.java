package io.flotilla.e2e;

import io.fabric8.kubernetes.client.KubernetesClient;

import java.time.Duration;
import java.util.List;

/**
 * What a scenario needs from a fleet, so each scenario is written once and runs on the sandbox (always) and on
 * kind / API-server containers (when a Docker engine answers).
 */
interface FleetBackend extends AutoCloseable {
  String name();

  /** Admin client of the hub. */
  KubernetesClient hub();

  /** Admin client of one management cluster. */
  KubernetesClient spoke(String cluster);

  List<String> clusters();

  /** Hosted clusters the backend created on a management cluster. */
  List<String> hostedClusters(String cluster);

  void stopAgent(String cluster);

  void startAgent(String cluster);

  Duration heartbeat();

  Duration gracePeriod();

  @Override
  void close();
}
