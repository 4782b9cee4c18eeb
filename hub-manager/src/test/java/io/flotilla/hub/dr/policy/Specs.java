package io.flotilla.hub.dr.policy;

import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.flotilla.api.common.NamespacedName;
import io.flotilla.api.dr.v1alpha1.BackupPolicySpec;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Small builders for policy specs and placement inputs. */
final class Specs {
  private Specs() {}

  static BackupPolicySpec spec(String schedule) {
    BackupPolicySpec s = new BackupPolicySpec();
    s.schedule = schedule;
    s.store = "s3";
    return s;
  }

  static BackupPolicySpec clusters(BackupPolicySpec s, String... labels) {
    s.clusterSelector = new LabelSelectorBuilder().withMatchLabels(labels(labels)).build();
    return s;
  }

  static BackupPolicySpec hosted(BackupPolicySpec s, List<String> namespaces, String... labels) {
    s.hostedClusterSelector = new BackupPolicySpec.HostedClusterSelector();
    s.hostedClusterSelector.namespaces = namespaces;
    if (labels.length > 0) {
      s.hostedClusterSelector.labelSelector = new LabelSelectorBuilder().withMatchLabels(labels(labels)).build();
    }
    return s;
  }

  static BackupPolicySpec retention(BackupPolicySpec s, Integer keepLast, String maxAge) {
    s.retention = new BackupPolicySpec.Retention();
    s.retention.keepLast = keepLast;
    s.retention.maxAge = maxAge;
    return s;
  }

  /** Restore drills every Nth backup ({@code everyNth}) or on {@code schedule}, one of them null. */
  static BackupPolicySpec drills(BackupPolicySpec s, Integer everyNth, String schedule, String maxVerifiedAge) {
    s.verification = new BackupPolicySpec.Verification();
    s.verification.everyNth = everyNth;
    s.verification.schedule = schedule;
    s.verification.maxVerifiedAge = maxVerifiedAge;
    return s;
  }

  static SchedulePlacement.Policy active(String name, BackupPolicySpec spec) {
    return new SchedulePlacement.Policy(name, spec, true);
  }

  static SchedulePlacement.HostedCluster hc(String nsName, String... labels) {
    String[] p = nsName.split("/");
    return new SchedulePlacement.HostedCluster(new NamespacedName(p[0], p[1]), labels(labels));
  }

  static SchedulePlacement.Cluster cluster(String name, Map<String, String> labels,
                                           SchedulePlacement.HostedCluster... hosted) {
    return new SchedulePlacement.Cluster(name, labels, List.of(hosted));
  }

  static SchedulePlacement.Target target(String cluster, String nsName) {
    String[] p = nsName.split("/");
    return new SchedulePlacement.Target(cluster, new NamespacedName(p[0], p[1]));
  }

  static Map<String, String> labels(String... kv) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return m;
  }
}
