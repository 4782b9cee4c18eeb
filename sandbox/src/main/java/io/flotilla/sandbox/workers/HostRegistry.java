package io.flotilla.sandbox.workers;

import java.security.SecureRandom;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

/**
 * The fleet's physical hosts. Hosts outlive management clusters: a hosted cluster's workers keep running while its
 * control plane moves from one management cluster to another, and the Agent objects that describe them are
 * re-created on the destination (docs/hypershift-facts.md §3.1, §3.4). So this registry is one plain object per fleet, shared by
 * every {@code HyperShiftSimulator}; each simulator reports what its Agent objects and controllers do to a host.
 *
 * <p>A host is identified by its system UUID (which is also the name of its Agent objects, as assisted-service names
 * them), its serial number and its hostname. What a test cares about is in {@link Host}: which ClusterDeployment it is
 * installed into, and how many times it was deprovisioned (unbound and rebooted into discovery).
 *
 * <p>Thread-safe: every method is synchronized; {@link Host} values are immutable snapshots.
 */
public final class HostRegistry {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final String SERIAL_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789";

  private final Map<String, Entry> hosts = new HashMap<>();

  /** The key a binding is recorded under: the ClusterDeployment's {@code <namespace>/<name>}. */
  public static String clusterDeploymentKey(String namespace, String name) { return namespace + "/" + name; }

  /** Racks a new host: it boots into discovery, unbound, with a fresh UUID and serial number. */
  public synchronized Host rack(String hostname) {
    Entry e = new Entry(UUID.randomUUID().toString(), newSerial(), hostname);
    hosts.put(e.uuid, e);
    return e.snapshot();
  }

  public synchronized Optional<Host> find(String uuid) {
    return Optional.ofNullable(hosts.get(uuid)).map(Entry::snapshot);
  }

  /** Every host, by hostname. */
  public synchronized List<Host> hosts() {
    return hosts.values().stream().map(Entry::snapshot).sorted(Comparator.comparing(Host::hostname)).toList();
  }

  /** The hosts installed into the ClusterDeployment {@code <namespace>/<name>}, by hostname. */
  public synchronized List<Host> boundTo(String clusterDeployment) {
    return hosts.values().stream().filter(e -> clusterDeployment.equals(e.boundTo)).map(Entry::snapshot)
        .sorted(Comparator.comparing(Host::hostname)).toList();
  }

  /** How many times any host was deprovisioned. */
  public synchronized int totalDeprovisions() {
    return hosts.values().stream().mapToInt(e -> e.deprovisions).sum();
  }

  // ---------------------------------------------------------------- what the simulators report

  /**
   * A management cluster has an Agent object for the host that is bound to {@code clusterDeployment}. A host already
   * installed into that ClusterDeployment is re-attached as it is: this is the re-adoption after a restore on another
   * management cluster (docs/hypershift-facts.md §3.1), nothing happens to the machine. A host in discovery gets installed. A
   * host installed into another cluster would have to be wiped first: it is deprovisioned, then installed.
   */
  public synchronized Host observeBound(String uuid, String serialNumber, String hostname, String clusterDeployment,
                                        String managementCluster) {
    Entry e = hosts.computeIfAbsent(uuid, u -> new Entry(u, serialNumber == null ? newSerial() : serialNumber, hostname));
    e.agentsOn.add(managementCluster);
    if (clusterDeployment.equals(e.boundTo)) {
      return e.snapshot();
    }
    if (e.boundTo != null) {
      e.deprovisions++;
      e.spokeCleanups++;
    }
    e.boundTo = clusterDeployment;
    e.provisions++;
    return e.snapshot();
  }

  /**
   * A management cluster has an Agent object for the host that is not bound. This changes nothing on the machine:
   * only an unbind (see {@link #deprovision}) reboots a host into discovery.
   */
  public synchronized Host observeUnbound(String uuid, String serialNumber, String hostname, String managementCluster) {
    Entry e = hosts.computeIfAbsent(uuid, u -> new Entry(u, serialNumber == null ? newSerial() : serialNumber, hostname));
    e.agentsOn.add(managementCluster);
    return e.snapshot();
  }

  /**
   * The host was unbound from {@code clusterDeployment} (an AgentMachine or ClusterDeployment deletion): it reboots
   * into discovery. Its Node is also removed from the hosted cluster unless the Agent carries
   * {@code skip-spoke-cleanup} (docs/hypershift-facts.md §3.3). Returns false, and changes nothing, when the host is not bound to
   * that ClusterDeployment (already unbound, or re-bound elsewhere).
   */
  public synchronized boolean deprovision(String uuid, String clusterDeployment, boolean skipSpokeCleanup) {
    Entry e = hosts.get(uuid);
    if (e == null || !clusterDeployment.equals(e.boundTo)) {
      return false;
    }
    e.boundTo = null;
    e.deprovisions++;
    if (!skipSpokeCleanup) {
      e.spokeCleanups++;
    }
    return true;
  }

  /** A management cluster deleted its Agent object for the host; the machine itself keeps running as it was. */
  public synchronized void agentRemoved(String uuid, String managementCluster) {
    Entry e = hosts.get(uuid);
    if (e != null) {
      e.agentsOn.remove(managementCluster);
    }
  }

  private static String newSerial() {
    StringBuilder s = new StringBuilder("SN");
    for (int i = 0; i < 10; i++) {
      s.append(SERIAL_ALPHABET.charAt(RANDOM.nextInt(SERIAL_ALPHABET.length())));
    }
    return s.toString();
  }

  private static final class Entry {
    final String uuid;
    final String serialNumber;
    final String hostname;
    final Set<String> agentsOn = new TreeSet<>();
    String boundTo;
    int provisions;
    int deprovisions;
    int spokeCleanups;

    Entry(String uuid, String serialNumber, String hostname) {
      this.uuid = uuid;
      this.serialNumber = serialNumber;
      this.hostname = hostname;
    }

    Host snapshot() {
      return new Host(uuid, serialNumber, hostname, Optional.ofNullable(boundTo), java.util.Collections.unmodifiableSet(new TreeSet<>(agentsOn)),
          provisions, deprovisions, spokeCleanups);
    }
  }
}
