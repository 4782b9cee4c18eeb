package io.flotilla.sandbox.ocm.addon;

import com.fasterxml.jackson.core.type.TypeReference;
import io.fabric8.kubernetes.api.model.Condition;
import io.flotilla.api.foreign.ocm.AddOnConfig;
import io.flotilla.api.foreign.ocm.ConfigSpecHash;
import io.flotilla.api.foreign.ocm.ManagedClusterAddOn;
import io.flotilla.api.foreign.ocm.ManifestWork;
import io.flotilla.common.Conditions;
import io.flotilla.common.DesiredCondition;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What the addon-manager writes into a ManagedClusterAddOn's status, decision by decision, as its controllers do
 * (docs/ocm-facts.md §1.7, §I1.6, §I3.3, §I7.4): the config references (desired, then last applied), Configured,
 * ManifestApplied, Progressing and Available. Values in, values out; the addon-manager writes the result.
 */
public final class AddOnStatusPlan {
  private AddOnStatusPlan() {}

  /** A config the cluster's add-on is to use, with its spec hash (null when the config does not exist). */
  public record DesiredConfig(AddOnConfig config, String specHash) {}

  /**
   * mergeAddonConfig: an entry whose desired config is still wanted keeps its lastAppliedConfig and gets the new
   * desired hash; a wanted config not there yet is added without one; an entry no longer wanted goes. So pointing an
   * add-on at another template (a new version) drops the old entry and its lastAppliedConfig with it (§I7.4).
   */
  public static List<ManagedClusterAddOn.ConfigReference> configReferences(
      List<ManagedClusterAddOn.ConfigReference> current, List<DesiredConfig> desired) {
    List<ManagedClusterAddOn.ConfigReference> result = new ArrayList<>();
    List<ManagedClusterAddOn.ConfigReference> existing = current == null ? List.of() : current;
    for (DesiredConfig d : desired) {
      ManagedClusterAddOn.ConfigReference ref = existing.stream().filter(r -> sameReferent(r, d.config())).findFirst()
          .map(AddOnStatusPlan::copy).orElseGet(ManagedClusterAddOn.ConfigReference::new);
      ref.group = d.config().group == null ? "" : d.config().group;
      ref.resource = d.config().resource;
      // v1alpha1 still requires the deprecated top-level referent (docs/ocm-facts.md §I5.2)
      ref.namespace = d.config().namespace;
      ref.name = d.config().name;
      ref.desiredConfig = hash(d.config().namespace, d.config().name, d.specHash());
      result.add(ref);
    }
    return result;
  }

  /** Every add-on is released at once: All, or Manual's single default node (§I3.2); the sandbox gates nothing. */
  public static DesiredCondition configured() {
    return new DesiredCondition(ManagedClusterAddOn.CONFIGURED, Conditions.TRUE, ManagedClusterAddOn.REASON_CONFIGURED,
        "Configurations configured");
  }

  /** A change to ManifestApplied: a condition to set, or (null) drop a stale False one and otherwise leave it. */
  public record ManifestApplied(DesiredCondition set) {
    public boolean clearStaleFalse() { return set == null; }
  }

  /** After rendering failed or the work could not be written. */
  public static ManifestApplied manifestApplyFailed(String message) {
    return new ManifestApplied(new DesiredCondition(ManagedClusterAddOn.MANIFEST_APPLIED, Conditions.FALSE,
        ManagedClusterAddOn.REASON_WORK_APPLY_FAILED, message));
  }

  /** From the deploy work just written: its Applied condition, once the work agent has reported one. */
  public static ManifestApplied manifestApplied(ManifestWork work) {
    Optional<Condition> applied = condition(work, ManifestWork.APPLIED);
    if (applied.isEmpty()) {
      return new ManifestApplied(null);
    }
    return Conditions.TRUE.equals(applied.get().getStatus())
        ? new ManifestApplied(new DesiredCondition(ManagedClusterAddOn.MANIFEST_APPLIED, Conditions.TRUE,
            ManagedClusterAddOn.REASON_MANIFEST_APPLIED, "manifests of addon are applied successfully"))
        : new ManifestApplied(new DesiredCondition(ManagedClusterAddOn.MANIFEST_APPLIED, Conditions.FALSE,
            ManagedClusterAddOn.REASON_MANIFEST_APPLY_FAILED, "failed to apply the manifests of addon"));
  }

  /** Progressing, and whether the rollout to this cluster completed (then lastAppliedConfig := desiredConfig). */
  public record Progressing(DesiredCondition condition, boolean completed) {}

  /**
   * The progressing controller (§1.7 item 4): ConfigurationUnsupported; waiting for ManifestApplied; no works; a work
   * rendered from other configs than desired; a work not ready (Applied and Available True at its generation); else
   * Completed. Completed says nothing of health (§I3.4 item 4).
   */
  public static Progressing progressing(ManagedClusterAddOn mca, List<ManifestWork> works) {
    Optional<AddOnConfigs.Type> unsupported = AddOnConfigs.unsupported(mca);
    if (unsupported.isPresent()) {
      return new Progressing(new DesiredCondition(ManagedClusterAddOn.PROGRESSING, Conditions.FALSE,
          ManagedClusterAddOn.REASON_CONFIGURATION_UNSUPPORTED, "Configuration with gvr " + unsupported.get().group()
          + "/" + unsupported.get().resource() + " is not supported for this addon"), false);
    }
    if (mca.condition(ManagedClusterAddOn.MANIFEST_APPLIED).isEmpty()) {
      return new Progressing(new DesiredCondition(ManagedClusterAddOn.PROGRESSING, Conditions.FALSE,
          "WaitingForManifestApplied", "Waiting for ManagedClusterAddOn ManifestApplied condition"), false);
    }
    if (works.isEmpty()) {
      return progressingBecause("no addon works");
    }
    for (ManifestWork work : works) {
      if (!configsMatch(work, mca)) {
        return progressingBecause("mca and work configs mismatch");
      }
      if (!isReady(work)) {
        return progressingBecause("work is not ready");
      }
    }
    return new Progressing(new DesiredCondition(ManagedClusterAddOn.PROGRESSING, Conditions.FALSE,
        ManagedClusterAddOn.REASON_COMPLETED, "completed with no errors."), true);
  }

  private static Progressing progressingBecause(String why) {
    return new Progressing(new DesiredCondition(ManagedClusterAddOn.PROGRESSING, Conditions.TRUE,
        ManagedClusterAddOn.REASON_PROGRESSING, "progressing... " + why), false);
  }

  /** Once completed, lastAppliedConfig is desiredConfig, and is never moved back (§1.7 item 4, §6.3). */
  public static void markApplied(List<ManagedClusterAddOn.ConfigReference> references) {
    references.forEach(r -> r.lastAppliedConfig = r.desiredConfig == null ? null
        : hash(r.desiredConfig.namespace, r.desiredConfig.name, r.desiredConfig.specHash));
  }

  /** workIsReady: Available and Applied True, both observed at the work's generation. */
  static boolean isReady(ManifestWork work) {
    long generation = work.getMetadata().getGeneration() == null ? 0 : work.getMetadata().getGeneration();
    for (String type : List.of(ManifestWork.AVAILABLE, ManifestWork.APPLIED)) {
      Optional<Condition> c = condition(work, type);
      if (c.isEmpty() || !Conditions.TRUE.equals(c.get().getStatus())
          || !Objects.equals(c.get().getObservedGeneration(), generation)) {
        return false;
      }
    }
    return true;
  }

  /** workConfigsMatchesAddon: the work's config-spec-hash annotation is the MCA's desired hashes, all non-empty. */
  static boolean configsMatch(ManifestWork work, ManagedClusterAddOn mca) {
    List<ManagedClusterAddOn.ConfigReference> refs = mca.getStatus() == null || mca.getStatus().configReferences == null
        ? List.of() : mca.getStatus().configReferences;
    Map<String, String> annotations = work.getMetadata().getAnnotations();
    String annotation = annotations == null ? null : annotations.get(ManifestWork.CONFIG_SPEC_HASH_ANNOTATION);
    if (annotation == null) {
      return refs.isEmpty();
    }
    Map<String, String> onWork;
    try {
      onWork = Manifests.JSON.readValue(annotation, new TypeReference<Map<String, String>>() {});
    } catch (Exception e) {
      return false;
    }
    if (onWork.values().stream().anyMatch(v -> v == null || v.isEmpty())) {
      return false;
    }
    if (refs.stream().anyMatch(r -> r.desiredConfig == null || r.desiredConfig.specHash == null
        || r.desiredConfig.specHash.isEmpty())) {
      return false;
    }
    return onWork.equals(specHashes(refs));
  }

  /**
   * ConfigsToMap: {@code <resource>.<group>/<namespace>/<name>} → desired spec hash, the value of the deploy work's
   * config-spec-hash annotation (docs/ocm-facts.md §1.6).
   */
  public static Map<String, String> specHashes(List<ManagedClusterAddOn.ConfigReference> refs) {
    Map<String, String> map = new LinkedHashMap<>();
    for (ManagedClusterAddOn.ConfigReference r : refs) {
      if (r.desiredConfig == null) {
        continue;
      }
      String key = r.resource + (r.group == null || r.group.isEmpty() ? "" : "." + r.group) + "/"
          + Manifests.string(r.desiredConfig.namespace) + "/" + Manifests.string(r.desiredConfig.name);
      map.put(key, r.desiredConfig.specHash == null ? "" : r.desiredConfig.specHash);
    }
    return map;
  }

  /**
   * MCA Available from the workload probe (§I1.6; addon-framework's healthcheck_sync.go): empty means leave it (before
   * ManifestApplied exists, and while the ManagedCluster is Unknown: then it mirrors the cluster, {@link #mirrorCluster}).
   *
   * @param clusterAvailable the ManagedCluster's ManagedClusterConditionAvailable status, or null
   * @param works            the add-on's deploy works
   * @param probes           the workloads to probe ({@link TemplateRenderer.Rendering#probes()})
   */
  public static Optional<DesiredCondition> available(String addon, boolean manifestAppliedKnown, String clusterAvailable,
                                                     List<ManifestWork> works, List<ManifestWork.ResourceIdentifier> probes) {
    if (!manifestAppliedKnown || Conditions.UNKNOWN.equals(clusterAvailable)) {
      return Optional.empty();
    }
    if (works.isEmpty()) {
      return Optional.of(available(Conditions.UNKNOWN, ManagedClusterAddOn.REASON_WORK_NOT_FOUND,
          "Addon manifestWork is not found"));
    }
    List<ManifestWork.ManifestCondition> manifests = new ArrayList<>();
    for (ManifestWork work : works) {
      Optional<Condition> workAvailable = condition(work, ManifestWork.AVAILABLE);
      if (workAvailable.isEmpty()) {
        return Optional.of(available(Conditions.UNKNOWN, ManagedClusterAddOn.REASON_WORK_NOT_APPLIED,
            "Addon manifestWork is not applied yet"));
      }
      if (Conditions.FALSE.equals(workAvailable.get().getStatus())) {
        return Optional.of(available(Conditions.FALSE, ManagedClusterAddOn.REASON_WORK_NOT_APPLIED,
            workAvailable.get().getMessage()));
      }
      if (work.getStatus().resourceStatus != null && work.getStatus().resourceStatus.manifests != null) {
        manifests.addAll(work.getStatus().resourceStatus.manifests);
      }
    }
    List<Probed> results = new ArrayList<>();
    for (ManifestWork.ResourceIdentifier probe : probes) {
      for (ManifestWork.ManifestCondition m : manifests) {
        if (m.resourceMeta != null && matches(m.resourceMeta, probe) && m.statusFeedback != null
            && m.statusFeedback.values != null && !m.statusFeedback.values.isEmpty()) {
          results.add(new Probed(probe, m.statusFeedback.values));
        }
      }
    }
    if (!probes.isEmpty() && results.isEmpty()) {
      return Optional.of(available(Conditions.UNKNOWN, ManagedClusterAddOn.REASON_NO_PROBE_RESULT,
          "Probe results are not returned"));
    }
    for (Probed p : results) {
      Optional<String> unhealthy = unhealthy(p);
      if (unhealthy.isPresent()) {
        return Optional.of(available(Conditions.FALSE, ManagedClusterAddOn.REASON_PROBE_UNAVAILABLE,
            "Probe addon unavailable with err " + unhealthy.get()));
      }
    }
    return Optional.of(available(Conditions.TRUE, ManagedClusterAddOn.REASON_PROBE_AVAILABLE,
        addon + " add-on is available."));
  }

  /** While the cluster is Unknown every MCA of it gets the cluster's Available (§2.3). */
  public static DesiredCondition mirrorCluster(Condition clusterAvailable) {
    return available(clusterAvailable.getStatus(), clusterAvailable.getReason(), clusterAvailable.getMessage());
  }

  private record Probed(ManifestWork.ResourceIdentifier probe, List<ManifestWork.FeedbackValue> values) {}

  /** checkWorkloadAvailabilityHealth: a Deployment is healthy with 1 ready replica, a DaemonSet with all ready. */
  private static Optional<String> unhealthy(Probed p) {
    String what = p.probe().resource + " " + p.probe().namespace + "/" + p.probe().name;
    long ready = -1;
    long desired = -1;
    for (ManifestWork.FeedbackValue v : p.values()) {
      Long value = v.fieldValue == null ? null : v.fieldValue.integer;
      if (value == null) {
        continue;
      }
      switch (v.name) {
        case "ReadyReplicas", "NumberReady" -> ready = value;
        case "Replicas", "DesiredNumberScheduled" -> desired = value;
        default -> { }
      }
    }
    if (ready == -1) {
      return Optional.of("readyReplica is not probed");
    }
    if (desired == -1) {
      return Optional.of("desiredNumberReplicas is not probed");
    }
    boolean healthy = "deployments".equals(p.probe().resource) ? desired == 0 || ready >= 1 : ready == desired;
    return healthy ? Optional.empty()
        : Optional.of("desiredNumberReplicas is " + desired + " but readyReplica is " + ready + " for " + what);
  }

  private static boolean matches(ManifestWork.ResourceMeta meta, ManifestWork.ResourceIdentifier id) {
    return Manifests.string(meta.group).equals(Manifests.string(id.group))
        && Manifests.string(meta.resource).equals(Manifests.string(id.resource))
        && Manifests.string(meta.namespace).equals(Manifests.string(id.namespace))
        && Manifests.string(meta.name).equals(Manifests.string(id.name));
  }

  private static DesiredCondition available(String status, String reason, String message) {
    return new DesiredCondition(ManagedClusterAddOn.AVAILABLE, status, reason, message == null ? "" : message);
  }

  private static Optional<Condition> condition(ManifestWork work, String type) {
    return work.getStatus() == null ? Optional.empty() : Conditions.find(work.getStatus().conditions, type);
  }

  private static boolean sameReferent(ManagedClusterAddOn.ConfigReference r, AddOnConfig c) {
    return r.desiredConfig != null && Manifests.string(r.group).equals(Manifests.string(c.group))
        && Objects.equals(r.resource, c.resource)
        && Manifests.string(r.desiredConfig.namespace).equals(Manifests.string(c.namespace))
        && Objects.equals(r.desiredConfig.name, c.name);
  }

  private static ConfigSpecHash hash(String namespace, String name, String specHash) {
    ConfigSpecHash h = new ConfigSpecHash();
    h.namespace = namespace;
    h.name = name;
    h.specHash = specHash;
    return h;
  }

  private static ManagedClusterAddOn.ConfigReference copy(ManagedClusterAddOn.ConfigReference r) {
    return Manifests.JSON.convertValue(r, ManagedClusterAddOn.ConfigReference.class);
  }
}
