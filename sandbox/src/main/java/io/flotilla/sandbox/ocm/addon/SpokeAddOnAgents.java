package io.flotilla.sandbox.ocm.addon;

import io.fabric8.kubernetes.client.KubernetesClient;

import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * What a klusterlet runs on one management cluster for add-ons, together: its {@link WorkAgent} and its
 * {@link AddOnRegistrationAgent}, started and closed as one. The hub side is the hub's {@link AddOnManager}.
 */
public final class SpokeAddOnAgents implements AutoCloseable {
  private final WorkAgent work;
  private final AddOnRegistrationAgent registration;

  /**
   * @param hub   a client for the hub acting for this cluster (the sandbox enforces no RBAC: the admin client does)
   * @param spoke a client for the management cluster's API server
   */
  public SpokeAddOnAgents(String clusterName, KubernetesClient hub, KubernetesClient spoke) {
    this(new WorkAgent(clusterName, hub, spoke), new AddOnRegistrationAgent(clusterName, hub, spoke));
  }

  public SpokeAddOnAgents(String clusterName, KubernetesClient hub, KubernetesClient spoke, Clock clock,
                          Duration tokenLifetime, Duration resync) {
    this(new WorkAgent(clusterName, hub, spoke, clock, resync),
        new AddOnRegistrationAgent(clusterName, hub, spoke, clock, tokenLifetime, resync));
  }

  private SpokeAddOnAgents(WorkAgent work, AddOnRegistrationAgent registration) {
    this.work = Objects.requireNonNull(work);
    this.registration = Objects.requireNonNull(registration);
  }

  public WorkAgent work() { return work; }

  public AddOnRegistrationAgent registration() { return registration; }

  public void start() {
    registration.start();
    work.start();
  }

  /** One pass of each: the registration first, so a Secret the work's namespace now allows is written this pass. */
  public void reconcile() {
    registration.reconcile();
    work.reconcile();
  }

  @Override
  public void close() {
    try {
      work.close();
    } finally {
      registration.close();
    }
  }
}
