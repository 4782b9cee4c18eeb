package io.flotilla.sandbox.workers;

import java.util.Optional;
import java.util.Set;

/**
 * A snapshot of one simulated physical host (a bare-metal worker of the Agent platform).
 *
 * @param uuid          the host's system UUID; also the name of its Agent objects, on every management cluster
 * @param serialNumber  the chassis serial number (the Agent's {@code status.inventory.systemVendor.serialNumber})
 * @param hostname      the hostname it was installed with
 * @param boundTo       the ClusterDeployment ({@code <namespace>/<name>}) it is installed into, empty when it sits
 *                      in discovery
 * @param agentsOn      the management clusters that have an Agent object for it
 * @param provisions    how many times it was bound to a cluster from discovery (installed)
 * @param deprovisions  how many times it was unbound and rebooted into discovery, wiping what ran on it: a
 *                      migration must keep this at 0 (docs/hypershift-facts.md §3)
 * @param spokeCleanups how many times its Node was removed from the hosted cluster after an unbind (skipped with
 *                      {@code agent.agent-install.openshift.io/skip-spoke-cleanup=true}, docs/hypershift-facts.md §3.3)
 */
public record Host(String uuid, String serialNumber, String hostname, Optional<String> boundTo, Set<String> agentsOn,
                   int provisions, int deprovisions, int spokeCleanups) {
  public boolean isBound() { return boundTo.isPresent(); }

  /** Whether it is installed into the ClusterDeployment {@code <namespace>/<name>}. */
  public boolean isBoundTo(String clusterDeployment) { return boundTo.filter(clusterDeployment::equals).isPresent(); }
}
