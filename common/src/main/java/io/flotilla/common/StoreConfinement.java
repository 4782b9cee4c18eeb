package io.flotilla.common;

import io.flotilla.api.common.NamespacedName;
import io.flotilla.api.dr.v1alpha1.BackupStoreSpec;

import java.util.ArrayList;
import java.util.List;

/**
 * What a BackupStore may make an agent do. Whoever may create a BackupStore on the hub could otherwise point every
 * agent at their own endpoint, in plain text, with Secrets read from any namespace of the spoke (a confused deputy):
 * credential and key Secrets come only from the agent's own namespace, an unencrypted store needs
 * {@code allowUnencrypted: true}, and a plain-http endpoint {@code insecureEndpoint: true}. The hub's webhook refuses
 * such a store, and since webhooks can be bypassed, the agent refuses it again before it pauses anything.
 */
public final class StoreConfinement {
  /** Where the shipped manifests install the agent (manifests/spoke/spoke-agent.yaml). */
  public static final String DEFAULT_AGENT_NAMESPACE = "flotilla-agent";

  private StoreConfinement() {}

  /** The problems, one sentence each naming the field; empty when the store is confined. */
  public static List<String> problems(BackupStoreSpec spec, String agentNamespace) {
    List<String> problems = new ArrayList<>();
    if (spec == null) {
      problems.add("spec is missing");
      return problems;
    }
    secretProblem("credentialsSecret", spec.credentialsSecret, agentNamespace).ifPresent(problems::add);
    if (spec.encryption != null) {
      secretProblem("encryption.keySecret", spec.encryption.keySecret, agentNamespace).ifPresent(problems::add);
      if (spec.encryption.type == BackupStoreSpec.Encryption.Type.None && !Boolean.TRUE.equals(spec.allowUnencrypted)) {
        problems.add("encryption.type None stores etcd snapshots (every Secret of the hosted cluster) in plain text;"
            + " set allowUnencrypted: true to mean it, or use AES256GCM");
      }
    }
    if (spec.endpoint != null && spec.endpoint.regionMatches(true, 0, "http://", 0, 7)
        && !Boolean.TRUE.equals(spec.insecureEndpoint)) {
      problems.add("endpoint " + spec.endpoint + " is plain http: credentials and snapshots would cross the network"
          + " unprotected; use https, or set insecureEndpoint: true to mean it");
    }
    return problems;
  }

  private static java.util.Optional<String> secretProblem(String field, NamespacedName secret, String agentNamespace) {
    if (secret == null || secret.namespace == null || secret.namespace.equals(agentNamespace)) {
      return java.util.Optional.empty();
    }
    return java.util.Optional.of(field + " " + secret + " is outside the agent's namespace " + agentNamespace
        + ": an agent reads Secrets only in its own namespace");
  }
}
