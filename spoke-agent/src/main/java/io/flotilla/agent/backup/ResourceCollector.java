package io.flotilla.agent.backup;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.flotilla.api.foreign.agent.Agent;
import io.flotilla.api.foreign.agent.AgentCluster;
import io.flotilla.api.foreign.agent.AgentMachine;
import io.flotilla.api.foreign.capi.Cluster;
import io.flotilla.api.foreign.capi.Machine;
import io.flotilla.api.foreign.hive.ClusterDeployment;
import io.flotilla.api.foreign.hypershift.HostedCluster;
import io.flotilla.api.foreign.hypershift.HostedControlPlane;
import io.flotilla.api.foreign.hypershift.NodePool;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * The Kubernetes objects a restore needs besides etcd (docs/hypershift-facts.md §1.2 step 6, §6 item 2): the HostedCluster and
 * its NodePools, the Secrets of the hosted cluster (pull secret, SSH key, etcd encryption key, anything named after
 * it), the control-plane namespace's HostedControlPlane, PKI Secrets, CAPI objects, and for the Agent platform the
 * AgentCluster, AgentMachines, ClusterDeployment and the bound Agents. Server-set fields and status are stripped, as
 * the upstream script does before re-applying them.
 *
 * <p>The result is a tar of YAML files, {@code <namespace>/<kind>/<name>.yaml}, sorted so two backups of the same
 * state are byte-identical. It is small (tens of KiB), so it is built in memory.
 */
public final class ResourceCollector {
  /** Control-plane Secrets the upstream backup leaves out: per-pod tokens and registry credentials. */
  static Pattern excludedControlPlaneSecret(String hostedClusterName) {
    return Pattern.compile("docker|service-account-token|oauth-openshift|token-" + Pattern.quote(hostedClusterName));
  }

  private static final Set<String> SERVER_SET_METADATA = Set.of("resourceVersion", "uid", "creationTimestamp",
      "managedFields", "generation", "ownerReferences", "selfLink", "deletionTimestamp", "deletionGracePeriodSeconds");

  private final KubernetesClient local;

  public ResourceCollector(KubernetesClient local) {
    this.local = local;
  }

  /** What was collected: the tar and the object names in it (for the log and the tests). */
  public record Collected(byte[] tar, List<String> entries) {}

  public Collected collect(HostedCluster hc, List<NodePool> nodePools) throws IOException {
    String ns = hc.getMetadata().getNamespace();
    String name = hc.getMetadata().getName();
    String cpNs = hc.controlPlaneNamespace();
    List<HasMetadata> objects = new ArrayList<>();
    objects.add(hc);
    objects.addAll(nodePools);

    Set<String> referenced = new TreeSet<>();
    HostedCluster.Spec spec = hc.getSpec();
    if (spec != null) {
      if (spec.pullSecret != null && spec.pullSecret.name != null) referenced.add(spec.pullSecret.name);
      if (spec.sshKey != null && spec.sshKey.name != null) referenced.add(spec.sshKey.name);
      if (spec.secretEncryption != null && spec.secretEncryption.aescbc != null
          && spec.secretEncryption.aescbc.activeKey != null && spec.secretEncryption.aescbc.activeKey.name != null) {
        referenced.add(spec.secretEncryption.aescbc.activeKey.name);
      }
    }
    for (Secret s : local.secrets().inNamespace(ns).list().getItems()) {
      String n = s.getMetadata().getName();
      if (n.startsWith(name) || referenced.contains(n)) {
        objects.add(s);
      }
    }
    Pattern excluded = excludedControlPlaneSecret(name);
    for (Secret s : local.secrets().inNamespace(cpNs).list().getItems()) {
      if (!excluded.matcher(s.getMetadata().getName()).find()) {
        objects.add(s);
      }
    }
    objects.addAll(optional(() -> local.resources(HostedControlPlane.class).inNamespace(cpNs).list().getItems()));
    objects.addAll(optional(() -> local.resources(Cluster.class).inNamespace(cpNs).list().getItems()));
    objects.addAll(optional(() -> local.resources(Machine.class).inNamespace(cpNs).list().getItems()));
    objects.addAll(optional(() -> local.resources(AgentCluster.class).inNamespace(cpNs).list().getItems()));
    objects.addAll(optional(() -> local.resources(AgentMachine.class).inNamespace(cpNs).list().getItems()));
    objects.addAll(optional(() -> local.resources(ClusterDeployment.class).inNamespace(cpNs).list().getItems()));
    // Agents live in their InfraEnv namespace; those bound to this hosted cluster name its ClusterDeployment.
    objects.addAll(optional(() -> local.resources(Agent.class).inAnyNamespace().list().getItems().stream()
        .filter(a -> a.getSpec() != null && a.getSpec().clusterDeploymentName != null
            && cpNs.equals(a.getSpec().clusterDeploymentName.namespace))
        .toList()));
    return new Collected(tar(objects), objects.stream().map(ResourceCollector::entryName).sorted().toList());
  }

  private byte[] tar(List<HasMetadata> objects) throws IOException {
    Map<String, byte[]> files = new java.util.TreeMap<>();
    for (HasMetadata o : objects) {
      files.put(entryName(o), yaml(o).getBytes(StandardCharsets.UTF_8));
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes)) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      for (Map.Entry<String, byte[]> f : files.entrySet()) {
        TarArchiveEntry entry = new TarArchiveEntry(f.getKey());
        entry.setSize(f.getValue().length);
        entry.setModTime(0); // reproducible
        tar.putArchiveEntry(entry);
        tar.write(f.getValue());
        tar.closeArchiveEntry();
      }
      tar.finish();
    }
    return bytes.toByteArray();
  }

  @SuppressWarnings("unchecked")
  private String yaml(HasMetadata object) {
    var serialization = local.getKubernetesSerialization();
    Map<String, Object> map = serialization.convertValue(object, LinkedHashMap.class);
    map.remove("status");
    Object metadata = map.get("metadata");
    if (metadata instanceof Map<?, ?> m) {
      ((Map<String, Object>) m).keySet().removeAll(SERVER_SET_METADATA);
    }
    return serialization.asYaml(map);
  }

  static String entryName(HasMetadata o) {
    String ns = o.getMetadata().getNamespace() == null ? "_cluster" : o.getMetadata().getNamespace();
    return ns + "/" + o.getKind() + "/" + o.getMetadata().getName() + ".yaml";
  }

  /** Kinds that may not be installed on this cluster (CAPI, Agent, Hive): absent means nothing to back up. */
  private static <T extends HasMetadata> List<T> optional(Supplier<List<T>> list) {
    try {
      return list.get();
    } catch (KubernetesClientException e) {
      if (e.getCode() == 404) {
        return List.of();
      }
      throw e;
    }
  }
}
