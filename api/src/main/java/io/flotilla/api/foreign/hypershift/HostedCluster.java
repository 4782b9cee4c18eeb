package io.flotilla.api.foreign.hypershift;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;
import io.fabric8.kubernetes.client.CustomResource;
import io.flotilla.api.foreign.Unmodelled;

import java.util.ArrayList;
import java.util.List;

/** HyperShift's HostedCluster (hypershift.openshift.io/v1beta1), the fields Flotilla reads or writes. */
@Group(HostedCluster.GROUP)
@Version(HostedCluster.VERSION)
@ShortNames({"hc", "hcs"})
@AdditionalPrinterColumn(name = "Available", jsonPath = ".status.conditions[?(@.type==\"Available\")].status")
@AdditionalPrinterColumn(name = "Paused", jsonPath = ".spec.pausedUntil")
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
public class HostedCluster extends CustomResource<HostedCluster.Spec, HostedCluster.Status> implements Namespaced {
  public static final String GROUP = "hypershift.openshift.io";
  public static final String VERSION = "v1beta1";

  /** HostedCluster and NodePool finalizer (docs/hypershift-facts.md §1.5). */
  public static final String FINALIZER = "hypershift.openshift.io/finalizer";
  /** Keeps the control-plane namespace when the HostedCluster is deleted (docs/hypershift-facts.md §3.2). */
  public static final String SKIP_DELETE_HCP_NAMESPACE = "hypershift.openshift.io/skip-delete-hosted-controlplane-namespace";
  /** Deletion also removes cloud resources; must stay unset on a DR teardown (docs/hypershift-facts.md §1.5). */
  public static final String CLEANUP_CLOUD_RESOURCES = "hypershift.openshift.io/cleanup-cloud-resources";
  public static final String RESTORED_FROM_BACKUP = "hypershift.openshift.io/restored-from-backup";

  /** Condition types and reasons (docs/hypershift-facts.md §1.3, §1.4). */
  public static final String AVAILABLE = "Available";
  public static final String RECONCILIATION_ACTIVE = "ReconciliationActive";
  public static final String ETCD_SNAPSHOT_RESTORED = "EtcdSnapshotRestored";
  public static final String REASON_PAUSED = "ReconciliationPaused";
  public static final String REASON_AS_EXPECTED = "AsExpected";
  public static final String REASON_INVALID_PAUSED_UNTIL = "InvalidPausedUntilValue";

  /** The control-plane namespace HyperShift creates for a hosted cluster: {@code <namespace>-<name>}. */
  public static String controlPlaneNamespace(String namespace, String name) { return namespace + "-" + name; }

  public String controlPlaneNamespace() {
    return controlPlaneNamespace(getMetadata().getNamespace(), getMetadata().getName());
  }

  @Override
  protected Spec initSpec() { return new Spec(); }

  @Override
  protected Status initStatus() { return new Status(); }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Spec extends Unmodelled {
    /** RFC 3339 deadline, or "true"/"false" (docs/hypershift-facts.md §1.3). */
    public String pausedUntil;
    public String infraID;
    public Platform platform;
    public Etcd etcd;
    public SecretEncryption secretEncryption;
    public LocalObjectReference pullSecret;
    public LocalObjectReference sshKey;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Platform extends Unmodelled {
    /** AWS, Agent, KubeVirt, None, ... */
    public String type;
    public AgentPlatformSpec agent;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class AgentPlatformSpec extends Unmodelled {
    /** The InfraEnv namespace holding the Agents (hosts) this hosted cluster's NodePools bind (docs/hypershift-facts.md §3.4). */
    public String agentNamespace;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Etcd extends Unmodelled {
    public String managementType;
    public ManagedEtcd managed;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class ManagedEtcd extends Unmodelled {
    public EtcdStorage storage;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class EtcdStorage extends Unmodelled {
    public String type;
    /** One URL, set only at creation; immutable (docs/hypershift-facts.md §1.4). */
    public List<String> restoreSnapshotURL;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class SecretEncryption extends Unmodelled {
    public String type;
    public AESCBC aescbc;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class AESCBC extends Unmodelled {
    public LocalObjectReference activeKey;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class LocalObjectReference {
    public String name;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Status extends Unmodelled {
    public List<Condition> conditions = new ArrayList<>();
  }
}
