package io.flotilla.cli;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.flotilla.common.Durations;
import io.flotilla.api.common.NamespacedName;
import io.flotilla.api.common.Validation;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackup;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * What `backup create` was asked for, with every shape checked (names, the hosted-cluster reference, the pause
 * window) before the hub is asked anything, so bad input never leaves a record behind.
 *
 * @param maxPauseWindow as the user wrote it, or null for the agent's default
 */
record BackupRequest(String cluster, NamespacedName hostedCluster, String store, String name, String maxPauseWindow,
    boolean quiesceAPIServers) {
  /** The default name's suffix: when the backup was asked for, in UTC, sortable. */
  private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

  /**
   * @param hostedCluster {@code <namespace>/<name>} of the HostedCluster on the management cluster
   * @param name          null for {@code <hosted-cluster>-<yyyyMMdd-HHmmss>} at {@code now}
   * @throws BadInputException naming the value to change
   */
  static BackupRequest parse(String cluster, String hostedCluster, String store, String name, String maxPauseWindow,
      boolean quiesceAPIServers, Instant now) {
    requireClusterName(cluster);
    NamespacedName ref = hostedClusterRef(hostedCluster);
    if (store == null || !isSubdomain(store)) {
      throw new BadInputException("store \"" + store + "\" is not a BackupStore name (lower-case letters, digits, '-', '.')");
    }
    String backup = name != null ? name : ref.name + "-" + STAMP.format(now);
    if (!isSubdomain(backup)) {
      throw new BadInputException("backup name \"" + backup + "\" is not a DNS subdomain (lower-case letters, digits, "
          + "'-', '.', at most 253 characters)" + (name == null ? "; choose one with --name" : ""));
    }
    io.flotilla.common.PauseWindow.problem("--max-pause-window", maxPauseWindow).ifPresent(p -> {
      throw new BadInputException(p);
    });
    return new BackupRequest(cluster, ref, store, backup, maxPauseWindow, quiesceAPIServers);
  }

  /** The record to create on the hub, in the cluster's namespace; status is the agent's to write. */
  HostedClusterBackup toRecord() {
    HostedClusterBackup b = new HostedClusterBackup();
    b.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(cluster).build());
    b.getSpec().hostedCluster = new NamespacedName(hostedCluster.namespace, hostedCluster.name);
    b.getSpec().store = store;
    b.getSpec().maxPauseWindow = maxPauseWindow;
    b.getSpec().quiesceAPIServers = quiesceAPIServers ? Boolean.TRUE : null;
    b.setStatus(null);
    return b;
  }

  /** A management cluster's name is its namespace on the hub: a DNS label. */
  static void requireClusterName(String cluster) {
    if (cluster == null || !cluster.matches(Validation.DNS1123_LABEL) || cluster.length() > 63) {
      throw new BadInputException("cluster name \"" + cluster + "\" is not a DNS label (lower-case letters, digits, '-')");
    }
  }

  /** {@code clusters/hc-1}: a namespace (DNS label) and a name (DNS subdomain), as NamespacedName requires. */
  static NamespacedName hostedClusterRef(String text) {
    String[] parts = text == null ? new String[0] : text.split("/", -1);
    if (parts.length != 2 || !parts[0].matches(Validation.DNS1123_LABEL) || parts[0].length() > 63
        || !isSubdomain(parts[1])) {
      throw new BadInputException("hosted cluster \"" + text + "\" is not <namespace>/<name>, e.g. clusters/hc-1");
    }
    return new NamespacedName(parts[0], parts[1]);
  }

  /** A Go-style duration (90s, 10m, 1h30m) greater than zero, read with the API's one parser. */
  static Duration positiveDuration(String option, String text) {
    Duration d;
    try {
      d = Durations.parse(text);
    } catch (IllegalArgumentException e) {
      throw new BadInputException(option + ": " + e.getMessage());
    }
    if (d.isZero() || d.isNegative()) {
      throw new BadInputException(option + ": '" + text + "' must be longer than zero");
    }
    return d;
  }

  private static boolean isSubdomain(String s) {
    return s.length() <= 253 && s.matches(Validation.DNS1123_SUBDOMAIN);
  }
}
