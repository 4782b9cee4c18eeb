package io.flotilla.agent;

/** The hub has no ManagementCluster for this agent's cluster name. */
public class UnknownClusterException extends RuntimeException {
  private final String clusterName;

  public UnknownClusterException(String clusterName) {
    super("cluster \"" + clusterName + "\" is not registered on the hub; run 'flotilla cluster add " + clusterName
        + "' first");
    this.clusterName = clusterName;
  }

  public String clusterName() { return clusterName; }
}
