package io.flotilla.sandbox.ocm.addon;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.flotilla.api.foreign.ocm.ManifestWork;
import io.flotilla.common.Conditions;
import io.flotilla.common.DesiredCondition;
import io.flotilla.common.StatusWriter;
import io.flotilla.sandbox.workload.WorkloadSimulator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The sandbox's OCM work agent on one management cluster (ocm's pkg/work/spoke, docs/ocm-facts.md §2.5, §I7.2): it
 * applies the ManifestWorks of its cluster namespace on the hub to the spoke and reports back. Each pass:
 * <ul>
 *   <li>a work gets the finalizer {@code cluster.open-cluster-management.io/manifest-work-cleanup} and an
 *       AppliedManifestWork {@code <hub hash>-<work>} on the spoke (OCM's record of what it applied; the sandbox serves
 *       its CRD once this agent starts);</li>
 *   <li>each manifest is created or updated in OCM's kind order, and owned by that AppliedManifestWork unless the
 *       work's deleteOption orphans it; an owned object that left the manifests is deleted;</li>
 *   <li>the work's status: per object Applied, Available (it exists) and the feedback its manifestConfigs ask for
 *       (WellKnownStatus: a Deployment's ReadyReplicas, Replicas, AvailableReplicas), then the work's Applied and
 *       Available at its generation;</li>
 *   <li>a work being deleted: its owned objects are deleted, then the AppliedManifestWork, then the finalizer.</li>
 * </ul>
 * Deployments it applies are plain Deployments on the spoke's API server, so the cluster's {@link WorkloadSimulator}
 * reports their rollout as it does for Flotilla's own releases: a template whose pod template carries
 * {@value WorkloadSimulator#FAIL_ANNOTATION} never becomes available, and {@link #failWorkloadsOf} makes a given
 * template's Deployments do so without editing it.
 *
 * <p>Tests call {@link #reconcile()} directly; {@link #start()} runs it on events and every resync period.
 */
public final class WorkAgent implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(WorkAgent.class);
  public static final Duration DEFAULT_RESYNC = Duration.ofSeconds(1);
  public static final String APPLIED_WORK_GROUP = "work.open-cluster-management.io";
  public static final String APPLIED_WORK_KIND = "AppliedManifestWork";
  static final ResourceDefinitionContext APPLIED_WORKS = new ResourceDefinitionContext.Builder()
      .withGroup(APPLIED_WORK_GROUP).withVersion("v1").withKind(APPLIED_WORK_KIND).withPlural("appliedmanifestworks")
      .withNamespaced(false).build();

  private final String clusterName;
  private final KubernetesClient hub;
  private final KubernetesClient spoke;
  private final Clock clock;
  private final Duration resync;
  private final String hubHash;
  private final Set<String> failingTemplates = ConcurrentHashMap.newKeySet();
  private final List<SharedIndexInformer<?>> informers = new ArrayList<>();
  private ControlLoop loop;
  private boolean crdReady;

  public WorkAgent(String clusterName, KubernetesClient hub, KubernetesClient spoke) {
    this(clusterName, hub, spoke, Clock.systemUTC(), DEFAULT_RESYNC);
  }

  /**
   * @param hub    a client for the hub with the work agent's rights in the cluster namespace {@code clusterName}
   * @param spoke  a client for the management cluster
   * @param resync how often {@link #start()} runs a pass without an event: the feedback's polling period
   */
  public WorkAgent(String clusterName, KubernetesClient hub, KubernetesClient spoke, Clock clock, Duration resync) {
    this.clusterName = Objects.requireNonNull(clusterName, "clusterName");
    this.hub = Objects.requireNonNull(hub, "hub");
    this.spoke = Objects.requireNonNull(spoke, "spoke");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.resync = Objects.requireNonNull(resync, "resync");
    this.hubHash = sha256(hub.getConfiguration().getMasterUrl());
  }

  public String clusterName() { return clusterName; }

  /**
   * From now on the Deployments of works rendered from the AddOnTemplate {@code templateName} (by their
   * config-spec-hash annotation) get the workload simulator's failure annotation: that version never becomes
   * available. For a failed-rollout scenario without a broken template.
   */
  public void failWorkloadsOf(String templateName) {
    failingTemplates.add(templateName);
    trigger();
  }

  /** Undoes {@link #failWorkloadsOf}. */
  public void healWorkloadsOf(String templateName) {
    failingTemplates.remove(templateName);
    trigger();
  }

  public synchronized void start() {
    if (loop != null) {
      return;
    }
    loop = new ControlLoop("ocm-work-agent-" + clusterName, this::reconcile);
    informers.add(hub.resources(ManifestWork.class).inNamespace(clusterName).inform(triggering(), 0));
    // the feedback follows the objects (a Deployment's rollout), not only the resync
    informers.add(spoke.apps().deployments().inAnyNamespace().inform(triggering(), 0));
    loop.every(resync);
    loop.trigger();
    LOG.info("OCM work agent started on {}", clusterName);
  }

  private <T extends HasMetadata> ResourceEventHandler<T> triggering() {
    return new ResourceEventHandler<>() {
      @Override public void onAdd(T o) { trigger(); }

      @Override public void onUpdate(T a, T b) { trigger(); }

      @Override public void onDelete(T o, boolean unknown) { trigger(); }
    };
  }

  private void trigger() {
    ControlLoop l = loop;
    if (l != null) {
      l.trigger();
    }
  }

  @Override
  public synchronized void close() {
    informers.forEach(SharedIndexInformer::close);
    informers.clear();
    if (loop != null) {
      loop.close();
      loop = null;
    }
  }

  /** One pass over the cluster namespace's works. */
  public synchronized void reconcile() {
    ensureAppliedWorkCrd();
    List<ManifestWork> works = hub.resources(ManifestWork.class).inNamespace(clusterName).list().getItems();
    for (ManifestWork work : works) {
      try {
        if (work.getMetadata().getDeletionTimestamp() != null) {
          finalizeWork(work);
        } else {
          apply(work);
        }
      } catch (RuntimeException e) {
        LOG.warn("work agent {}: {}: {}", clusterName, work.getMetadata().getName(), e.toString());
      }
    }
    // AppliedManifestWorks of works that are gone without this agent letting them go (forced): their objects go too
    Set<String> names = new java.util.HashSet<>();
    works.forEach(w -> names.add(appliedWorkName(w.getMetadata().getName())));
    for (GenericKubernetesResource applied : spoke.genericKubernetesResources(APPLIED_WORKS).list().getItems()) {
      Map<String, Object> spec = spec(applied);
      if (hubHash.equals(spec.get("hubHash")) && clusterName.equals(spec.get("agentID"))
          && !names.contains(applied.getMetadata().getName())) {
        if (deleteApplied(applied, appliedResources(applied)).isEmpty()) {
          Patches.quietly(() -> spoke.genericKubernetesResources(APPLIED_WORKS).withName(applied.getMetadata().getName())
              .delete());
        }
      }
    }
  }

  // ---- applying -----------------------------------------------------------------------------------------------

  private record Outcome(int ordinal, ManifestWork.ResourceMeta meta, ManifestWork.ResourceIdentifier id,
                         String error, Map<String, Object> live, ManifestWork.ManifestConfig config) {}

  private void apply(ManifestWork work) {
    var resource = hub.resources(ManifestWork.class).inNamespace(clusterName).withName(work.getMetadata().getName());
    if (!Patches.hasFinalizer(work, ManifestWork.CLEANUP_FINALIZER)) {
      List<String> finalizers = new ArrayList<>(work.getMetadata().getFinalizers() == null ? List.of()
          : work.getMetadata().getFinalizers());
      finalizers.add(ManifestWork.CLEANUP_FINALIZER);
      Patches.setFinalizers(resource, work, finalizers);
      work = resource.get();
    }
    GenericKubernetesResource applied = appliedWork(work);
    OwnerReference owner = new OwnerReferenceBuilder().withApiVersion(APPLIED_WORK_GROUP + "/v1")
        .withKind(APPLIED_WORK_KIND).withName(applied.getMetadata().getName()).withUid(applied.getMetadata().getUid())
        .build();
    long generation = work.getMetadata().getGeneration() == null ? 1 : work.getMetadata().getGeneration();
    List<Map<String, Object>> manifests = work.getSpec() == null || work.getSpec().workload == null
        || work.getSpec().workload.manifests == null ? List.of()
        : work.getSpec().workload.manifests.stream().map(Manifests::toMap).toList();
    boolean failing = failing(work);

    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < manifests.size(); i++) {
      order.add(i);
    }
    order.sort(Comparator.comparingInt(i -> WorkStatusPlan.applyRank(Manifests.kind(manifests.get(i)))));
    List<Outcome> outcomes = new ArrayList<>();
    for (int i : order) {
      outcomes.add(applyOne(i, manifests.get(i), work, owner, failing));
    }
    outcomes.sort(Comparator.comparingInt(Outcome::ordinal));

    // objects this work applied before and no longer has: deleted when it owns them
    List<Map<String, Object>> wasApplied = appliedResources(applied);
    List<Map<String, Object>> nowApplied = new ArrayList<>();
    for (Outcome o : outcomes) {
      if (o.live() != null) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("group", o.id().group);
        r.put("version", o.meta().version);
        r.put("resource", o.id().resource);
        r.put("namespace", o.id().namespace);
        r.put("name", o.id().name);
        r.put("uid", Manifests.string(Manifests.metadata(o.live()).get("uid")));
        nowApplied.add(r);
      }
    }
    List<Map<String, Object>> gone = wasApplied.stream().filter(r -> nowApplied.stream().noneMatch(n -> sameApplied(n, r)))
        .toList();
    List<Map<String, Object>> pending = deleteApplied(applied, gone);
    List<Map<String, Object>> record = new ArrayList<>(nowApplied);
    record.addAll(pending);
    setAppliedResources(applied, record);

    StatusWriter.update(hub, ManifestWork.class, clusterName, work.getMetadata().getName(), (read, current) ->
        status(current, outcomes, generation));
  }

  private Outcome applyOne(int ordinal, Map<String, Object> manifest, ManifestWork work, OwnerReference owner,
                           boolean failing) {
    ManifestWork.ResourceMeta meta = new ManifestWork.ResourceMeta();
    meta.ordinal = ordinal;
    meta.group = Manifests.group(manifest);
    meta.version = Manifests.version(manifest);
    meta.kind = Manifests.kind(manifest);
    meta.resource = Manifests.resource(meta.kind);
    meta.name = Manifests.name(manifest);
    meta.namespace = Manifests.namespace(manifest);
    ManifestWork.ResourceIdentifier id = new ManifestWork.ResourceIdentifier(meta.group, meta.resource, meta.namespace,
        meta.name);
    ManifestWork.ManifestConfig config = config(work, id);
    if (meta.kind.isEmpty() || meta.name.isEmpty()) {
      return new Outcome(ordinal, meta, id, "the manifest has no kind or name", null, config);
    }
    Map<String, Object> desired = Manifests.copy(manifest);
    if (failing && Manifests.isDeployment(desired)) {
      Map<String, Object> podMeta = Manifests.map(Manifests.map(Manifests.map(desired, "spec"), "template"), "metadata");
      Manifests.map(podMeta, "annotations").put(WorkloadSimulator.FAIL_ANNOTATION, "true");
    }
    boolean owned = WorkStatusPlan.ownedByTheWork(work.getSpec().deleteOption, id);
    Resource<GenericKubernetesResource> object = object(meta);
    try {
      GenericKubernetesResource live = object.get();
      if (live == null) {
        if (owned) {
          Manifests.metadata(desired).put("ownerReferences", List.of(Manifests.toMap(owner)));
        }
        Manifests.metadata(desired).remove("resourceVersion");
        live = collection(meta).resource(Manifests.JSON.convertValue(desired, GenericKubernetesResource.class)).create();
      } else {
        Map<String, Object> have = Manifests.toMap(live);
        Map<String, Object> next = updated(have, desired, owner, owned);
        if (!next.equals(have)) {
          live = collection(meta).resource(Manifests.JSON.convertValue(next, GenericKubernetesResource.class)).update();
        }
      }
      return new Outcome(ordinal, meta, id, null, Manifests.toMap(object.get() == null ? live : object.get()), config);
    } catch (KubernetesClientException e) {
      return new Outcome(ordinal, meta, id, e.getMessage(), Patches.orNull(() -> {
        GenericKubernetesResource g = object.get();
        return g == null ? null : Manifests.toMap(g);
      }), config);
    }
  }

  /**
   * The Update strategy: the manifest's fields replace the object's, its labels and annotations are set over the
   * object's, and the AppliedManifestWork is added to (owned) or removed from (orphaned) the object's owners.
   */
  private static Map<String, Object> updated(Map<String, Object> have, Map<String, Object> desired, OwnerReference owner,
                                             boolean owned) {
    Map<String, Object> next = Manifests.copy(have);
    for (String key : List.copyOf(next.keySet())) {
      if (!Set.of("apiVersion", "kind", "metadata", "status").contains(key)) {
        next.remove(key);
      }
    }
    desired.forEach((k, v) -> {
      if (!Set.of("metadata", "status").contains(k)) {
        next.put(k, v);
      }
    });
    Map<String, Object> metadata = Manifests.metadata(next);
    for (String part : List.of("labels", "annotations")) {
      Object want = Manifests.metadata(desired).get(part);
      if (want instanceof Map<?, ?> w && !w.isEmpty()) {
        @SuppressWarnings("unchecked") Map<String, Object> wanted = (Map<String, Object>) w;
        Manifests.map(metadata, part).putAll(wanted);
      }
    }
    List<Object> owners = new ArrayList<>(Manifests.list(metadata, "ownerReferences"));
    Map<String, Object> mine = Manifests.toMap(owner);
    owners.removeIf(o -> o instanceof Map<?, ?> m && Objects.equals(m.get("uid"), owner.getUid()));
    if (owned) {
      owners.add(mine);
    }
    if (owners.isEmpty()) {
      metadata.remove("ownerReferences");
    } else {
      metadata.put("ownerReferences", owners);
    }
    return next;
  }

  private ManifestWork.Status status(ManifestWork.Status current, List<Outcome> outcomes, long generation) {
    ManifestWork.Status status = current == null ? new ManifestWork.Status() : current;
    var now = clock.instant();
    List<ManifestWork.ManifestCondition> previous = status.resourceStatus == null || status.resourceStatus.manifests == null
        ? List.of() : status.resourceStatus.manifests;
    List<ManifestWork.ManifestCondition> manifests = new ArrayList<>();
    List<Boolean> applied = new ArrayList<>();
    List<String> available = new ArrayList<>();
    for (Outcome o : outcomes) {
      ManifestWork.ManifestCondition m = new ManifestWork.ManifestCondition();
      m.resourceMeta = o.meta();
      m.conditions = previous.stream().filter(p -> p.resourceMeta != null && Objects.equals(p.resourceMeta.ordinal,
          o.ordinal())).findFirst().map(p -> p.conditions == null ? new ArrayList<Condition>()
          : new ArrayList<>(p.conditions)).orElseGet(ArrayList::new);
      Conditions.set(m.conditions, o.error() == null
          ? new DesiredCondition(ManifestWork.APPLIED, Conditions.TRUE, WorkStatusPlan.APPLIED_COMPLETE,
              "Apply manifest complete")
          : new DesiredCondition(ManifestWork.APPLIED, Conditions.FALSE, WorkStatusPlan.APPLIED_FAILED,
              "Failed to apply manifest: " + o.error()), generation, now);
      applied.add(o.error() == null);
      String exists = o.live() != null ? Conditions.TRUE : Conditions.FALSE;
      available.add(exists);
      Conditions.set(m.conditions, Conditions.TRUE.equals(exists)
          ? new DesiredCondition(ManifestWork.AVAILABLE, Conditions.TRUE, WorkStatusPlan.RESOURCE_AVAILABLE,
              "Resource is available")
          : new DesiredCondition(ManifestWork.AVAILABLE, Conditions.FALSE, WorkStatusPlan.RESOURCE_NOT_AVAILABLE,
              "Resource is not available"), null, now);
      boolean rules = o.config() != null && o.config().feedbackRules != null && !o.config().feedbackRules.isEmpty();
      Conditions.set(m.conditions, new DesiredCondition(WorkStatusPlan.FEEDBACK_SYNCED, Conditions.TRUE,
          rules ? WorkStatusPlan.FEEDBACK_SYNCED : "NoStatusFeedbackSynced", ""), null, now);
      List<ManifestWork.FeedbackValue> values = o.live() == null ? List.of() : WorkStatusPlan.feedback(o.live(), o.config());
      if (!values.isEmpty()) {
        m.statusFeedback = new ManifestWork.StatusFeedback();
        m.statusFeedback.values = values;
      }
      manifests.add(m);
    }
    status.resourceStatus = new ManifestWork.ResourceStatus();
    status.resourceStatus.manifests = manifests.isEmpty() ? null : manifests;
    if (status.conditions == null) {
      status.conditions = new ArrayList<>();
    }
    Optional<DesiredCondition> workApplied = WorkStatusPlan.applied(applied);
    workApplied.ifPresent(c -> Conditions.set(status.conditions, c, generation, now));
    if (Conditions.find(status.conditions, ManifestWork.APPLIED).isPresent()) {
      Conditions.set(status.conditions, WorkStatusPlan.available(available), generation, now);
    }
    return status;
  }

  private boolean failing(ManifestWork work) {
    if (failingTemplates.isEmpty() || work.getMetadata().getAnnotations() == null) {
      return false;
    }
    String hashes = work.getMetadata().getAnnotations().get(ManifestWork.CONFIG_SPEC_HASH_ANNOTATION);
    return hashes != null && failingTemplates.stream()
        .anyMatch(t -> hashes.contains("\"" + AddOnConfigs.TEMPLATE.resource() + "." + AddOnConfigs.TEMPLATE.group()
            + "//" + t + "\""));
  }

  /** The work's manifestConfig for an object: group and resource exact, namespace and name may be "*". */
  private static ManifestWork.ManifestConfig config(ManifestWork work, ManifestWork.ResourceIdentifier id) {
    if (work.getSpec() == null || work.getSpec().manifestConfigs == null) {
      return null;
    }
    return work.getSpec().manifestConfigs.stream().filter(c -> c.resourceIdentifier != null
        && Manifests.string(c.resourceIdentifier.group).equals(id.group)
        && Manifests.string(c.resourceIdentifier.resource).equals(id.resource)
        && wildcard(c.resourceIdentifier.namespace, id.namespace) && wildcard(c.resourceIdentifier.name, id.name))
        .findFirst().orElse(null);
  }

  private static boolean wildcard(String pattern, String value) {
    String p = Manifests.string(pattern);
    return p.equals("*") || p.equals(value)
        || (p.contains("*") && value.matches(java.util.regex.Pattern.quote(p).replace("*", "\\E.*\\Q")));
  }

  // ---- deleting -----------------------------------------------------------------------------------------------

  private void finalizeWork(ManifestWork work) {
    String name = appliedWorkName(work.getMetadata().getName());
    GenericKubernetesResource applied = spoke.genericKubernetesResources(APPLIED_WORKS).withName(name).get();
    if (applied != null) {
      List<Map<String, Object>> pending = deleteApplied(applied, appliedResources(applied));
      if (!pending.isEmpty()) {
        setAppliedResources(applied, pending);
        return;
      }
      Patches.quietly(() -> spoke.genericKubernetesResources(APPLIED_WORKS).withName(name).delete());
    }
    if (Patches.hasFinalizer(work, ManifestWork.CLEANUP_FINALIZER)) {
      var resource = hub.resources(ManifestWork.class).inNamespace(clusterName).withName(work.getMetadata().getName());
      Patches.quietly(() -> Patches.setFinalizers(resource, work,
          Patches.without(work.getMetadata().getFinalizers(), ManifestWork.CLEANUP_FINALIZER)));
      LOG.info("work agent {}: work {} cleaned up", clusterName, work.getMetadata().getName());
    }
  }

  /**
   * DeleteAppliedResources: an object the AppliedManifestWork owns is deleted (workloads first), or only let go when
   * another AppliedManifestWork owns it too; one it does not own (orphaned, or re-created by someone) is left.
   *
   * @return the objects still being deleted
   */
  private List<Map<String, Object>> deleteApplied(GenericKubernetesResource applied, List<Map<String, Object>> resources) {
    List<Map<String, Object>> pending = new ArrayList<>();
    String uid = applied.getMetadata().getUid();
    List<Map<String, Object>> ordered = new ArrayList<>(resources);
    ordered.sort(Comparator.comparingInt((Map<String, Object> r) -> -WorkStatusPlan.applyRank(kindOf(r))));
    for (Map<String, Object> r : ordered) {
      ManifestWork.ResourceMeta meta = new ManifestWork.ResourceMeta();
      meta.group = Manifests.string(r.get("group"));
      meta.version = Manifests.string(r.get("version"));
      meta.resource = Manifests.string(r.get("resource"));
      meta.kind = kindOf(r);
      meta.namespace = Manifests.string(r.get("namespace"));
      meta.name = Manifests.string(r.get("name"));
      Resource<GenericKubernetesResource> object = object(meta);
      GenericKubernetesResource live = Patches.orNull(object::get);
      if (live == null || !Patches.ownedBy(live, APPLIED_WORK_KIND, uid)) {
        continue;
      }
      if (!Objects.equals(live.getMetadata().getUid(), r.get("uid"))) {
        continue; // the object applied is gone; this is another
      }
      List<OwnerReference> others = Patches.owners(live).stream().filter(o -> !uid.equals(o.getUid())).toList();
      if (others.stream().anyMatch(o -> APPLIED_WORK_KIND.equals(o.getKind()))) {
        Patches.quietly(() -> Patches.setOwnerReferences(object, live, others));
        continue;
      }
      if (live.getMetadata().getDeletionTimestamp() != null) {
        pending.add(r);
        continue;
      }
      Patches.quietly(object::delete);
      if (Patches.orNull(object::get) != null) {
        pending.add(r);
      }
      LOG.info("work agent {}: deleted {} {}/{}", clusterName, meta.resource, meta.namespace, meta.name);
    }
    return pending;
  }

  // ---- the AppliedManifestWork --------------------------------------------------------------------------------

  private GenericKubernetesResource appliedWork(ManifestWork work) {
    String name = appliedWorkName(work.getMetadata().getName());
    var resource = spoke.genericKubernetesResources(APPLIED_WORKS).withName(name);
    GenericKubernetesResource applied = resource.get();
    if (applied != null) {
      return applied;
    }
    Map<String, Object> object = new LinkedHashMap<>();
    object.put("apiVersion", APPLIED_WORK_GROUP + "/v1");
    object.put("kind", APPLIED_WORK_KIND);
    object.put("metadata", Map.of("name", name));
    object.put("spec", Map.of("hubHash", hubHash, "manifestWorkName", work.getMetadata().getName(),
        "agentID", clusterName));
    return spoke.genericKubernetesResources(APPLIED_WORKS)
        .resource(Manifests.JSON.convertValue(object, GenericKubernetesResource.class)).create();
  }

  private String appliedWorkName(String work) { return hubHash + "-" + work; }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> appliedResources(GenericKubernetesResource applied) {
    Object status = applied.getAdditionalProperties().get("status");
    if (status instanceof Map<?, ?> s && s.get("appliedResources") instanceof List<?> list) {
      return list.stream().filter(Map.class::isInstance).map(o -> (Map<String, Object>) o).toList();
    }
    return List.of();
  }

  private void setAppliedResources(GenericKubernetesResource applied, List<Map<String, Object>> resources) {
    if (resources.equals(appliedResources(applied))) {
      return;
    }
    GenericKubernetesResource fresh = spoke.genericKubernetesResources(APPLIED_WORKS)
        .withName(applied.getMetadata().getName()).get();
    if (fresh == null) {
      return;
    }
    fresh.getAdditionalProperties().put("status", Map.of("appliedResources", resources));
    Patches.quietly(() -> spoke.genericKubernetesResources(APPLIED_WORKS).resource(fresh).updateStatus());
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> spec(GenericKubernetesResource r) {
    Object spec = r.getAdditionalProperties().get("spec");
    return spec instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
  }

  /** The sandbox's spoke serves the CRDs of Flotilla's API only: this one the agent brings, as a klusterlet does. */
  private void ensureAppliedWorkCrd() {
    if (crdReady) {
      return;
    }
    String name = APPLIED_WORKS.getPlural() + "." + APPLIED_WORK_GROUP;
    if (spoke.apiextensions().v1().customResourceDefinitions().withName(name).get() == null) {
      CustomResourceDefinition crd = new CustomResourceDefinitionBuilder().withNewMetadata().withName(name).endMetadata()
          .withNewSpec().withGroup(APPLIED_WORK_GROUP).withScope("Cluster")
          .withNewNames().withKind(APPLIED_WORK_KIND).withListKind(APPLIED_WORK_KIND + "List")
          .withPlural(APPLIED_WORKS.getPlural()).withSingular("appliedmanifestwork").endNames()
          .addNewVersion().withName("v1").withServed(true).withStorage(true)
          .withNewSchema().withNewOpenAPIV3Schema().withType("object").withXKubernetesPreserveUnknownFields(true)
          .endOpenAPIV3Schema().endSchema()
          .withNewSubresources().withNewStatus().endStatus().endSubresources()
          .endVersion().endSpec().build();
      Patches.quietly(() -> spoke.resource(crd).create());
    }
    crdReady = true;
  }

  private Resource<GenericKubernetesResource> object(ManifestWork.ResourceMeta meta) {
    return collection(meta).withName(meta.name);
  }

  /** The object's collection; OCM takes an object without a namespace to be cluster-scoped, and so does this. */
  private io.fabric8.kubernetes.client.dsl.NonNamespaceOperation<GenericKubernetesResource,
      io.fabric8.kubernetes.api.model.GenericKubernetesResourceList, Resource<GenericKubernetesResource>> collection(
      ManifestWork.ResourceMeta meta) {
    ResourceDefinitionContext context = new ResourceDefinitionContext.Builder().withGroup(meta.group)
        .withVersion(meta.version).withKind(meta.kind).withPlural(meta.resource)
        .withNamespaced(!meta.namespace.isEmpty()).build();
    var resources = spoke.genericKubernetesResources(context);
    return meta.namespace.isEmpty() ? resources : resources.inNamespace(meta.namespace);
  }

  private static boolean sameApplied(Map<String, Object> a, Map<String, Object> b) {
    for (String key : List.of("group", "resource", "namespace", "name", "uid")) {
      if (!Manifests.string(a.get(key)).equals(Manifests.string(b.get(key)))) {
        return false;
      }
    }
    return true;
  }

  /** The kind of an applied resource, from its plural (the record keeps the resource, as OCM's does). */
  private static String kindOf(Map<String, Object> r) {
    String resource = Manifests.string(r.get("resource"));
    return KINDS.getOrDefault(resource, resource);
  }

  private static final Map<String, String> KINDS = Map.ofEntries(
      Map.entry("namespaces", "Namespace"), Map.entry("serviceaccounts", "ServiceAccount"),
      Map.entry("clusterroles", "ClusterRole"), Map.entry("clusterrolebindings", "ClusterRoleBinding"),
      Map.entry("roles", "Role"), Map.entry("rolebindings", "RoleBinding"), Map.entry("secrets", "Secret"),
      Map.entry("configmaps", "ConfigMap"), Map.entry("services", "Service"), Map.entry("deployments", "Deployment"),
      Map.entry("daemonsets", "DaemonSet"), Map.entry("statefulsets", "StatefulSet"), Map.entry("jobs", "Job"),
      Map.entry("customresourcedefinitions", "CustomResourceDefinition"));

  private static String sha256(Object text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
          .digest(String.valueOf(text).getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
