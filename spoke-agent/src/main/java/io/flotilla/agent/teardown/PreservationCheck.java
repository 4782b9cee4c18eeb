package io.flotilla.agent.teardown;

import io.flotilla.api.common.NamespacedName;
import io.flotilla.api.foreign.agent.Agent;
import io.flotilla.api.foreign.capi.Cluster;
import io.flotilla.api.foreign.hypershift.HostedCluster;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The worker preservation of docs/hypershift-facts.md §3, as a plain check over the objects' values: what a teardown must see on
 * the management cluster before it deletes anything, and what is missing. The teardown applies the fix of every
 * {@link Missing} it finds, reads the objects again, and checks again; only an empty list lets it go on.
 *
 * <ul>
 *   <li>AgentMachine and AgentCluster: {@code cluster.x-k8s.io/paused: "true"}. A deleted, unpaused AgentMachine unbinds
 *       its Agent; a paused AgentCluster orphans its ClusterDeployment instead of deleting it (§3.1).</li>
 *   <li>ClusterDeployment: {@code spec.preserveOnDelete: true}: deleting it then leaves its hosts alone (§3.3).</li>
 *   <li>Every Agent bound to the hosted cluster: {@code skip-spoke-cleanup: "true"}, should it be unbound all the same
 *       (§3.3).</li>
 *   <li>HostedCluster: {@code skip-delete-hosted-controlplane-namespace: "true"} (§3.2), and never
 *       {@code cleanup-cloud-resources} (§1.5).</li>
 * </ul>
 */
public final class PreservationCheck {
  private PreservationCheck() {}

  /** One preservation an object must carry, and how it is applied. */
  public enum Requirement {
    PAUSED(Cluster.PAUSED_ANNOTATION + " missing", Cluster.PAUSED_ANNOTATION, "true"),
    PRESERVE_ON_DELETE("spec.preserveOnDelete missing", null, null),
    SKIP_SPOKE_CLEANUP(Agent.SKIP_SPOKE_CLEANUP + " missing", Agent.SKIP_SPOKE_CLEANUP, "true"),
    SKIP_DELETE_HCP_NAMESPACE(HostedCluster.SKIP_DELETE_HCP_NAMESPACE + " missing",
        HostedCluster.SKIP_DELETE_HCP_NAMESPACE, "true"),
    NO_CLEANUP_CLOUD_RESOURCES(HostedCluster.CLEANUP_CLOUD_RESOURCES + " is set", HostedCluster.CLEANUP_CLOUD_RESOURCES,
        null);

    private final String problem;
    private final String annotation;
    private final String value;

    Requirement(String problem, String annotation, String value) {
      this.problem = problem;
      this.annotation = annotation;
      this.value = value;
    }

    /** The annotation this requirement sets to {@link #annotationValue()} (removes, when that is null); null for a spec field. */
    public String annotation() { return annotation; }

    public String annotationValue() { return value; }

    /** For a spec field ({@link #annotation()} null): the JSON merge patch that applies it. */
    public Map<String, Object> specPatch() {
      return annotation != null ? null : Map.of("spec", Map.of("preserveOnDelete", true));
    }
  }

  /**
   * One object as the check sees it.
   *
   * @param preserveOnDelete a ClusterDeployment's {@code spec.preserveOnDelete}
   * @param boundTo          an Agent's {@code spec.clusterDeploymentName}
   */
  public record ObjectState(String kind, String namespace, String name, Map<String, String> annotations,
                            Boolean preserveOnDelete, NamespacedName boundTo) {
    public ObjectState {
      Objects.requireNonNull(kind, "kind");
      Objects.requireNonNull(name, "name");
      // a null value is an absent annotation (the mock API server keeps a key a merge patch set to null)
      annotations = annotations == null ? Map.of() : annotations.entrySet().stream().filter(e -> e.getValue() != null)
          .collect(java.util.stream.Collectors.toUnmodifiableMap(Map.Entry::getKey, Map.Entry::getValue));
    }

    public static ObjectState of(String kind, String namespace, String name, Map<String, String> annotations) {
      return new ObjectState(kind, namespace, name, annotations, null, null);
    }

    /** "AgentMachine clusters-hc-1/np-abc". */
    public String describe() {
      return kind + " " + (namespace == null ? "" : namespace + "/") + name;
    }

    String annotation(String key) { return annotations.get(key); }
  }

  /**
   * Everything the preservation covers for one hosted cluster.
   *
   * @param controlPlaneNamespace where its AgentMachines, AgentCluster and ClusterDeployment live
   * @param agents                candidate Agents (e.g. all of the InfraEnv namespace); only bound ones count
   */
  public record Observed(String controlPlaneNamespace, ObjectState hostedCluster, List<ObjectState> agentMachines,
                         List<ObjectState> agentClusters, List<ObjectState> clusterDeployments,
                         List<ObjectState> agents) {
    public Observed {
      Objects.requireNonNull(controlPlaneNamespace, "controlPlaneNamespace");
      agentMachines = List.copyOf(agentMachines);
      agentClusters = List.copyOf(agentClusters);
      clusterDeployments = List.copyOf(clusterDeployments);
      agents = List.copyOf(agents);
    }
  }

  /** A preservation an object lacks. */
  public record Missing(ObjectState object, Requirement requirement) {
    /** "AgentMachine clusters-hc-1/np-abc: cluster.x-k8s.io/paused missing". */
    public String describe() {
      return object.describe() + ": " + requirement.problem;
    }
  }

  /** Counts of what is preserved and what is missing; {@link #verified()} only when nothing is. */
  public record Result(int agentMachines, int agentClusters, int clusterDeployments, int agents, List<Missing> missing) {
    public Result {
      missing = List.copyOf(missing);
    }

    public boolean verified() { return missing.isEmpty(); }

    /**
     * What is missing, one line per item, for status and events; an item whose patch failed says so.
     *
     * @param patchErrors object ({@link ObjectState#describe()}) → why its patch failed
     */
    public List<String> describe(Map<String, String> patchErrors) {
      List<String> lines = new ArrayList<>();
      for (Missing m : missing) {
        String error = patchErrors.get(m.object().describe());
        lines.add(m.describe() + (error == null ? "" : " (could not be set: " + error + ")"));
      }
      // a patch that failed on an object that reads back fine is still reported: it must not go unnoticed
      patchErrors.forEach((object, error) -> {
        if (missing.stream().noneMatch(m -> m.object().describe().equals(object))) {
          lines.add(object + ": patch failed (" + error + ")");
        }
      });
      return lines;
    }
  }

  public static Result check(Observed o) {
    List<Missing> missing = new ArrayList<>();
    if (o.hostedCluster() != null) {
      if (!"true".equals(o.hostedCluster().annotation(HostedCluster.SKIP_DELETE_HCP_NAMESPACE))) {
        missing.add(new Missing(o.hostedCluster(), Requirement.SKIP_DELETE_HCP_NAMESPACE));
      }
      if (o.hostedCluster().annotations().containsKey(HostedCluster.CLEANUP_CLOUD_RESOURCES)) {
        missing.add(new Missing(o.hostedCluster(), Requirement.NO_CLEANUP_CLOUD_RESOURCES));
      }
    }
    for (ObjectState am : o.agentMachines()) {
      requirePaused(am, missing);
    }
    for (ObjectState ac : o.agentClusters()) {
      requirePaused(ac, missing);
    }
    for (ObjectState cd : o.clusterDeployments()) {
      if (!Boolean.TRUE.equals(cd.preserveOnDelete())) {
        missing.add(new Missing(cd, Requirement.PRESERVE_ON_DELETE));
      }
    }
    List<ObjectState> bound = boundAgents(o.agents(), o.controlPlaneNamespace());
    for (ObjectState agent : bound) {
      if (!"true".equals(agent.annotation(Agent.SKIP_SPOKE_CLEANUP))) {
        missing.add(new Missing(agent, Requirement.SKIP_SPOKE_CLEANUP));
      }
    }
    return new Result(o.agentMachines().size(), o.agentClusters().size(), o.clusterDeployments().size(), bound.size(),
        missing);
  }

  /**
   * The Agents bound to this hosted cluster: their {@code spec.clusterDeploymentName} names a ClusterDeployment in its
   * control-plane namespace, where its ClusterDeployments live. Matched by namespace, not by the ClusterDeployments
   * found, so the count after the teardown (when they are deleted) means the same as before it.
   */
  public static List<ObjectState> boundAgents(List<ObjectState> agents, String controlPlaneNamespace) {
    return agents.stream().filter(a -> a.boundTo() != null && a.boundTo().name != null
        && controlPlaneNamespace.equals(a.boundTo().namespace)).toList();
  }

  private static void requirePaused(ObjectState o, List<Missing> missing) {
    // Only "true" counts, although the provider honours the annotation with any value (PR #140): what we apply is what
    // we verify, and "true" is what the documented procedure sets (§3.4).
    if (!"true".equals(o.annotation(Cluster.PAUSED_ANNOTATION))) {
      missing.add(new Missing(o, Requirement.PAUSED));
    }
  }
}
