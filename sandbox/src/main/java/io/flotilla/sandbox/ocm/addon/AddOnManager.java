package io.flotilla.sandbox.ocm.addon;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleRef;
import io.fabric8.kubernetes.api.model.rbac.RoleRefBuilder;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.flotilla.api.foreign.ocm.AddOnConfig;
import io.flotilla.api.foreign.ocm.AddOnDeploymentConfig;
import io.flotilla.api.foreign.ocm.AddOnTemplate;
import io.flotilla.api.foreign.ocm.ClusterManagementAddOn;
import io.flotilla.api.foreign.ocm.ManagedCluster;
import io.flotilla.api.foreign.ocm.ManagedClusterAddOn;
import io.flotilla.api.foreign.ocm.ManifestWork;
import io.flotilla.api.foreign.ocm.Placement;
import io.flotilla.api.foreign.ocm.PlacementDecision;
import io.flotilla.common.Conditions;
import io.flotilla.common.DesiredCondition;
import io.flotilla.common.StatusWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The sandbox hub's addon-manager for template add-ons: what OCM's addon-manager and addon-framework do for a
 * ClusterManagementAddOn whose configs include an AddOnTemplate (docs/ocm-facts.md §1.7, §I1, §I3.3, §I3.4, §I7). One per
 * hub. Each pass, level-triggered:
 * <ol>
 *   <li>the garbage collector the sandbox's API server lacks: ManagedClusterAddOns of a deleted CMA, deploy works and
 *       permission RoleBindings of a deleted MCA, the token driver's objects of a deleted MCA;</li>
 *   <li>install strategy Placements: an MCA in every cluster the placements' decisions select (every page, by label),
 *       every other MCA of the add-on deleted ({@link InstallPlan}); Manual leaves MCAs to users;</li>
 *   <li>per MCA: the CMA's owner reference; its configs ({@link AddOnConfigs}) and their spec hashes into
 *       {@code status.configReferences} (desired), Configured; the template rendered ({@link TemplateRenderer}) into the
 *       ManifestWork {@code addon-<addon>-deploy-0}; registration: {@code status.registrations} and namespace, the
 *       hubPermissions RoleBindings, the token driver's ServiceAccount ({@link RegistrationPlan}); then ManifestApplied,
 *       Progressing with lastAppliedConfig, and Available from the workload probe ({@link AddOnStatusPlan}), in one
 *       status write.</li>
 * </ol>
 * The work itself is applied on the spoke by that cluster's {@link WorkAgent}, and the hub credential written there by
 * its {@link AddOnRegistrationAgent}. Rollout strategies other than releasing every cluster at once are not simulated.
 *
 * <p>Tests call {@link #reconcile()} directly; {@link #start()} runs it on informer events and every resync period.
 */
public final class AddOnManager implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AddOnManager.class);
  public static final Duration DEFAULT_RESYNC = Duration.ofSeconds(2);
  /** What OCM writes in owner references it sets (it works on v1beta1 internally; docs/ocm-facts.md §0). */
  static final String OWNER_API_VERSION = "addon.open-cluster-management.io/v1beta1";

  private final KubernetesClient hub;
  private final Clock clock;
  private final Duration resync;
  private final List<SharedIndexInformer<?>> informers = new ArrayList<>();
  private ControlLoop loop;

  public AddOnManager(KubernetesClient hub) { this(hub, Clock.systemUTC(), DEFAULT_RESYNC); }

  /**
   * @param hub    a client with the addon-manager's rights on the hub (the sandbox has no RBAC: any client)
   * @param clock  condition times
   * @param resync how often {@link #start()} runs a pass without an event
   */
  public AddOnManager(KubernetesClient hub, Clock clock, Duration resync) {
    this.hub = Objects.requireNonNull(hub, "hub");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.resync = Objects.requireNonNull(resync, "resync");
  }

  /** Runs {@link #reconcile()} on a thread of its own, on every change of the kinds it reads and every resync. */
  public synchronized void start() {
    if (loop != null) {
      return;
    }
    loop = new ControlLoop("ocm-addon-manager", this::reconcile);
    ResourceEventHandler<HasMetadata> trigger = new ResourceEventHandler<>() {
      @Override public void onAdd(HasMetadata o) { loop.trigger(); }

      @Override public void onUpdate(HasMetadata a, HasMetadata b) { loop.trigger(); }

      @Override public void onDelete(HasMetadata o, boolean unknown) { loop.trigger(); }
    };
    informers.add(hub.resources(ClusterManagementAddOn.class).inform(cast(trigger), 0));
    informers.add(hub.resources(ManagedClusterAddOn.class).inAnyNamespace().inform(cast(trigger), 0));
    informers.add(hub.resources(AddOnTemplate.class).inform(cast(trigger), 0));
    informers.add(hub.resources(AddOnDeploymentConfig.class).inAnyNamespace().inform(cast(trigger), 0));
    informers.add(hub.resources(PlacementDecision.class).inAnyNamespace().inform(cast(trigger), 0));
    informers.add(hub.resources(ManifestWork.class).inAnyNamespace().inform(cast(trigger), 0));
    informers.add(hub.resources(ManagedCluster.class).inform(cast(trigger), 0));
    loop.every(resync);
    loop.trigger();
    LOG.info("OCM addon-manager (template add-ons) started");
  }

  @SuppressWarnings("unchecked")
  private static <T extends HasMetadata> ResourceEventHandler<T> cast(ResourceEventHandler<HasMetadata> handler) {
    return (ResourceEventHandler<T>) (ResourceEventHandler<?>) handler;
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

  /** One pass over every template add-on of the hub. */
  public synchronized void reconcile() {
    List<ClusterManagementAddOn> cmas = hub.resources(ClusterManagementAddOn.class).list().getItems();
    collectGarbage(cmas);
    Map<String, ClusterManagementAddOn> managed = new LinkedHashMap<>();
    Map<String, Map<String, Set<String>>> decisions = new LinkedHashMap<>();
    for (ClusterManagementAddOn cma : cmas) {
      if (cma.getMetadata().getDeletionTimestamp() != null || !AddOnConfigs.isTemplateAddOn(cma) || selfManaged(cma)) {
        continue;
      }
      managed.put(cma.getMetadata().getName(), cma);
      decisions.put(cma.getMetadata().getName(), decisions(cma));
      install(cma, decisions.get(cma.getMetadata().getName()));
    }
    for (ManagedClusterAddOn mca : hub.resources(ManagedClusterAddOn.class).inAnyNamespace().list().getItems()) {
      ClusterManagementAddOn cma = managed.get(mca.getMetadata().getName());
      if (cma == null || mca.getMetadata().getDeletionTimestamp() != null) {
        continue;
      }
      try {
        mca = ensureOwner(cma, mca);
        reconcileAddOn(cma, mca, decisions.get(cma.getMetadata().getName()));
      } catch (RuntimeException e) {
        LOG.warn("addon-manager: {}/{}: {}", mca.getMetadata().getNamespace(), mca.getMetadata().getName(), e.toString());
      }
    }
  }

  /** The lifecycle annotation {@code self} leaves the add-on to its own manager (docs/ocm-facts.md §1.1). */
  private static boolean selfManaged(ClusterManagementAddOn cma) {
    Map<String, String> a = cma.getMetadata().getAnnotations();
    return a != null && "self".equals(a.get(ClusterManagementAddOn.LIFECYCLE_ANNOTATION));
  }

  // ---- install strategy ---------------------------------------------------------------------------------------

  /** Per placement strategy: the clusters of every PlacementDecision page of that Placement (§I2.5); absent if gone. */
  private Map<String, Set<String>> decisions(ClusterManagementAddOn cma) {
    Map<String, Set<String>> result = new LinkedHashMap<>();
    for (ClusterManagementAddOn.PlacementStrategy p : InstallPlan.placements(cma)) {
      if (hub.resources(Placement.class).inNamespace(p.namespace).withName(p.name).get() == null) {
        continue;
      }
      Set<String> clusters = new TreeSet<>();
      hub.resources(PlacementDecision.class).inNamespace(p.namespace)
          .withLabel(PlacementDecision.PLACEMENT_LABEL, p.name).list().getItems().stream()
          .filter(d -> d.getStatus() != null && d.getStatus().decisions != null)
          .flatMap(d -> d.getStatus().decisions.stream()).map(d -> d.clusterName).filter(Objects::nonNull)
          .forEach(clusters::add);
      result.put(InstallPlan.key(p), clusters);
    }
    return result;
  }

  private void install(ClusterManagementAddOn cma, Map<String, Set<String>> decisions) {
    String addon = cma.getMetadata().getName();
    Set<String> existing = hub.resources(ManagedClusterAddOn.class).inAnyNamespace().list().getItems().stream()
        .filter(m -> addon.equals(m.getMetadata().getName())).map(m -> m.getMetadata().getNamespace())
        .collect(Collectors.toSet());
    InstallPlan plan = InstallPlan.of(cma, existing, decisions);
    for (String cluster : plan.create()) {
      ManagedCluster managedCluster = hub.resources(ManagedCluster.class).withName(cluster).get();
      if (managedCluster == null) {
        // OCM reads the ManagedCluster for its annotations and fails without it; it tries again later
        LOG.info("addon-manager: {} selects cluster {}, which has no ManagedCluster yet", addon, cluster);
        continue;
      }
      ManagedClusterAddOn mca = new ManagedClusterAddOn();
      mca.getMetadata().setName(addon);
      mca.getMetadata().setNamespace(cluster);
      mca.getMetadata().setOwnerReferences(List.of(controllerOwner(cma)));
      Map<String, String> annotations = new LinkedHashMap<>();
      if (managedCluster.getMetadata().getAnnotations() != null) {
        managedCluster.getMetadata().getAnnotations().forEach((k, v) -> {
          if (k.startsWith(ManagedClusterAddOn.GROUP)) {
            annotations.put(k, v);
          }
        });
      }
      mca.getMetadata().setAnnotations(annotations.isEmpty() ? null : annotations);
      mca.setStatus(null);
      Patches.quietly(() -> hub.resource(mca).create());
      LOG.info("addon-manager: installed {} on {} (placement)", addon, cluster);
    }
    for (String cluster : plan.delete()) {
      Patches.quietly(() -> hub.resources(ManagedClusterAddOn.class).inNamespace(cluster).withName(addon).delete());
      LOG.info("addon-manager: removed {} from {}: no placement selects it", addon, cluster);
    }
  }

  /** Every MCA gets its CMA as controller owner, so deleting the CMA deletes it (§I3.4 item 3). */
  private ManagedClusterAddOn ensureOwner(ClusterManagementAddOn cma, ManagedClusterAddOn mca) {
    if (Patches.ownedBy(mca, "ClusterManagementAddOn", cma.getMetadata().getUid())) {
      return mca;
    }
    List<OwnerReference> owners = new ArrayList<>(Patches.owners(mca));
    owners.add(controllerOwner(cma));
    var resource = hub.resources(ManagedClusterAddOn.class).inNamespace(mca.getMetadata().getNamespace())
        .withName(mca.getMetadata().getName());
    Patches.setOwnerReferences(resource, mca, owners);
    return resource.get();
  }

  // ---- one cluster's add-on -----------------------------------------------------------------------------------

  private void reconcileAddOn(ClusterManagementAddOn cma, ManagedClusterAddOn mca, Map<String, Set<String>> decisions) {
    String cluster = mca.getMetadata().getNamespace();
    String addon = mca.getMetadata().getName();
    ClusterManagementAddOn.PlacementStrategy placement = InstallPlan.placementOf(cma, cluster, decisions).orElse(null);
    List<AddOnStatusPlan.DesiredConfig> desired = AddOnConfigs.effective(cma, placement, mca).stream()
        .map(c -> new AddOnStatusPlan.DesiredConfig(c, specHash(c))).toList();

    // What the template agent renders from: the first template and the first ADC the desired configs name.
    Optional<AddOnStatusPlan.DesiredConfig> templateConfig = first(desired, AddOnConfigs.TEMPLATE);
    Optional<AddOnStatusPlan.DesiredConfig> adcConfig = first(desired, AddOnConfigs.DEPLOYMENT_CONFIG);
    AddOnTemplate template = templateConfig.filter(d -> d.specHash() != null)
        .map(d -> hub.resources(AddOnTemplate.class).withName(d.config().name).get()).orElse(null);
    AddOnDeploymentConfig adc = adcConfig.filter(d -> d.specHash() != null)
        .map(d -> hub.resources(AddOnDeploymentConfig.class).inNamespace(d.config().namespace).withName(d.config().name)
            .get()).orElse(null);
    TemplateRenderer.Rendering rendering = null;
    String failure = null;
    if (templateConfig.isEmpty()) {
      failure = "addon " + cluster + "/" + addon + " template not found in status";
    } else if (template == null) {
      failure = "addon " + addon + " template desired spec hash is empty";
    } else if (adcConfig.isPresent() && adc == null) {
      failure = "addon " + addon + " deployment config desired spec hash is empty";
    } else {
      try {
        rendering = TemplateRenderer.render(addon, template, cluster, adc);
      } catch (TemplateRenderer.RenderException e) {
        failure = e.getMessage();
      }
    }

    boolean permissionReady = template == null || registerOnHub(template, mca);

    AddOnStatusPlan.ManifestApplied manifestApplied;
    if (rendering == null) {
      manifestApplied = AddOnStatusPlan.manifestApplyFailed("failed to get manifest from agent interface: " + failure);
    } else {
      manifestApplied = applyWork(mca, rendering, AddOnStatusPlan.configReferences(
          mca.getStatus() == null ? null : mca.getStatus().configReferences, desired));
    }
    List<ManifestWork> works = hub.resources(ManifestWork.class).inNamespace(cluster)
        .withLabel(AddOnNames.ADDON_NAME_LABEL, addon).list().getItems().stream()
        .filter(w -> w.getMetadata().getLabels() == null
            || !w.getMetadata().getLabels().containsKey("open-cluster-management.io/addon-namespace"))
        .toList();
    Condition clusterAvailable = Optional.ofNullable(hub.resources(ManagedCluster.class).withName(cluster).get())
        .flatMap(c -> c.condition(ManagedCluster.AVAILABLE)).orElse(null);
    TemplateRenderer.Rendering rendered = rendering;
    AddOnTemplate usedTemplate = template;
    AddOnDeploymentConfig usedAdc = adc;
    boolean permissionsApplied = permissionReady;

    StatusWriter.update(hub, ManagedClusterAddOn.class, cluster, addon, (read, current) -> {
      ManagedClusterAddOn.Status status = current == null ? new ManagedClusterAddOn.Status() : current;
      var now = clock.instant();
      if (status.conditions == null) {
        status.conditions = new ArrayList<>();
      }
      List<ManagedClusterAddOn.ConfigReference> refs = AddOnStatusPlan.configReferences(status.configReferences, desired);
      status.configReferences = refs.isEmpty() ? null : refs;
      Conditions.set(status.conditions, AddOnStatusPlan.configured(), null, now);
      if (usedTemplate != null) {
        List<ManagedClusterAddOn.Registration> registrations =
            RegistrationPlan.registrations(usedTemplate, cluster, addon, status);
        status.registrations = registrations.isEmpty() ? null : registrations;
        status.namespace = TemplateRenderer.installNamespace(usedTemplate, usedAdc);
        status.healthCheck = new ManagedClusterAddOn.HealthCheck();
        status.healthCheck.mode = ManagedClusterAddOn.HEALTH_CHECK_CUSTOMIZED;
        Conditions.set(status.conditions, registrationApplied(usedTemplate, permissionsApplied), null, now);
      }
      if (manifestApplied.set() != null) {
        Conditions.set(status.conditions, manifestApplied.set(), null, now);
      } else if (Conditions.find(status.conditions, ManagedClusterAddOn.MANIFEST_APPLIED)
          .filter(c -> Conditions.FALSE.equals(c.getStatus())).isPresent()) {
        status.conditions.removeIf(c -> ManagedClusterAddOn.MANIFEST_APPLIED.equals(c.getType()));
      }
      ManagedClusterAddOn view = new ManagedClusterAddOn();
      view.setMetadata(read.getMetadata());
      view.setSpec(read.getSpec());
      view.setStatus(status);
      AddOnStatusPlan.Progressing progressing = AddOnStatusPlan.progressing(view, works);
      Conditions.set(status.conditions, progressing.condition(), null, now);
      if (progressing.completed() && status.configReferences != null) {
        AddOnStatusPlan.markApplied(status.configReferences);
      }
      boolean manifestAppliedKnown = Conditions.find(status.conditions, ManagedClusterAddOn.MANIFEST_APPLIED).isPresent();
      List<ManifestWork> deployWorks = works.stream()
          .filter(w -> w.getMetadata().getName().startsWith("addon-" + addon + "-deploy")).toList();
      Optional<DesiredCondition> available;
      if (clusterAvailable != null && Conditions.UNKNOWN.equals(clusterAvailable.getStatus())) {
        available = Optional.of(AddOnStatusPlan.mirrorCluster(clusterAvailable));
      } else if (rendered == null && !deployWorks.isEmpty()) {
        available = Optional.empty(); // the probe cannot know its targets without the manifests
      } else {
        available = AddOnStatusPlan.available(addon, manifestAppliedKnown,
            clusterAvailable == null ? null : clusterAvailable.getStatus(), deployWorks,
            rendered == null ? List.of() : rendered.probes());
      }
      available.ifPresent(c -> Conditions.set(status.conditions, c, null, now));
      return status;
    });
  }

  private String specHash(AddOnConfig c) {
    HasMetadata config;
    if (AddOnConfigs.TEMPLATE.equals(new AddOnConfigs.Type(Manifests.string(c.group), c.resource))) {
      config = hub.resources(AddOnTemplate.class).withName(c.name).get();
    } else if (AddOnConfigs.DEPLOYMENT_CONFIG.equals(new AddOnConfigs.Type(Manifests.string(c.group), c.resource))) {
      config = c.namespace == null ? null
          : hub.resources(AddOnDeploymentConfig.class).inNamespace(c.namespace).withName(c.name).get();
    } else {
      config = null; // not a config type template add-ons support: Progressing says so
    }
    // a config that is not there is skipped without a word: no hash (docs/ocm-facts.md §I3.3)
    return config == null ? null : Manifests.specHash(config);
  }

  private static Optional<AddOnStatusPlan.DesiredConfig> first(List<AddOnStatusPlan.DesiredConfig> desired,
                                                                AddOnConfigs.Type type) {
    return desired.stream().filter(d -> type.equals(new AddOnConfigs.Type(Manifests.string(d.config().group),
        d.config().resource))).findFirst();
  }

  private static DesiredCondition registrationApplied(AddOnTemplate template, boolean permissionReady) {
    if (template.getSpec().registration == null || template.getSpec().registration.isEmpty()) {
      return new DesiredCondition(AddOnNames.REGISTRATION_APPLIED, Conditions.TRUE, "NilRegistration",
          "Registration of the addon agent is configured");
    }
    return permissionReady
        ? new DesiredCondition(AddOnNames.REGISTRATION_APPLIED, Conditions.TRUE, "SetPermissionApplied",
            "Registration of the addon agent is configured")
        : new DesiredCondition(AddOnNames.REGISTRATION_APPLIED, Conditions.FALSE, "PermissionConfigPending",
            "registration subject not ready");
  }

  // ---- the deploy work ----------------------------------------------------------------------------------------

  private AddOnStatusPlan.ManifestApplied applyWork(ManagedClusterAddOn mca, TemplateRenderer.Rendering rendering,
                                                   List<ManagedClusterAddOn.ConfigReference> refs) {
    String cluster = mca.getMetadata().getNamespace();
    String addon = mca.getMetadata().getName();
    var resource = hub.resources(ManifestWork.class).inNamespace(cluster).withName(AddOnNames.deployWork(addon));
    ManifestWork existing = resource.get();
    if (rendering.objects().isEmpty()) {
      if (existing != null) {
        Patches.quietly(resource::delete);
      }
      return new AddOnStatusPlan.ManifestApplied(new DesiredCondition(ManagedClusterAddOn.MANIFEST_APPLIED,
          Conditions.TRUE, ManagedClusterAddOn.REASON_MANIFEST_APPLIED, "no manifest need to apply"));
    }
    ManifestWork.Spec spec = new ManifestWork.Spec();
    spec.workload = new ManifestWork.Workload();
    spec.workload.manifests = rendering.objects().stream().map(ManifestWork.Manifest::of).toList();
    spec.manifestConfigs = rendering.manifestConfigs().isEmpty() ? null : rendering.manifestConfigs();
    spec.deleteOption = rendering.deleteOption();
    Map<String, String> labels = Map.of(AddOnNames.ADDON_NAME_LABEL, addon);
    Map<String, String> annotations = refs.isEmpty() ? null
        : Map.of(ManifestWork.CONFIG_SPEC_HASH_ANNOTATION, Manifests.json(AddOnStatusPlan.specHashes(refs)));
    // the MCA owns it: deleting the add-on deletes the work, and the work agent the objects (§I7.3)
    OwnerReference owner = new OwnerReferenceBuilder().withApiVersion(OWNER_API_VERSION).withKind("ManagedClusterAddOn")
        .withName(addon).withUid(mca.getMetadata().getUid()).withController(true).withBlockOwnerDeletion(true).build();
    try {
      ManifestWork written;
      if (existing == null) {
        ManifestWork work = new ManifestWork();
        work.getMetadata().setName(AddOnNames.deployWork(addon));
        work.getMetadata().setNamespace(cluster);
        work.getMetadata().setLabels(labels);
        work.getMetadata().setAnnotations(annotations);
        work.getMetadata().setOwnerReferences(List.of(owner));
        work.setSpec(spec);
        work.setStatus(null);
        written = hub.resource(work).create();
        LOG.info("addon-manager: {}/{}: created ManifestWork {}", cluster, addon, AddOnNames.deployWork(addon));
      } else if (existing.getMetadata().getDeletionTimestamp() != null) {
        written = existing; // going; a new one is made once the work agent has let it go
      } else if (!Manifests.toMap(spec).equals(Manifests.toMap(existing.getSpec()))
          || !Objects.equals(annotations, nullIfEmpty(existing.getMetadata().getAnnotations()))
          || !Objects.equals(labels, existing.getMetadata().getLabels())
          || !Patches.owners(existing).equals(List.of(owner))) {
        List<Map<String, Object>> ops = new ArrayList<>();
        ops.add(io.flotilla.common.JsonPatches.unchangedSince(existing));
        ops.add(Map.of("op", "add", "path", "/spec", "value", Manifests.toMap(spec)));
        ops.add(Map.of("op", "add", "path", "/metadata/labels", "value", labels));
        ops.add(Map.of("op", "add", "path", "/metadata/ownerReferences", "value", List.of(Manifests.toMap(owner))));
        if (annotations != null) {
          ops.add(Map.of("op", "add", "path", "/metadata/annotations", "value", annotations));
        } else if (existing.getMetadata().getAnnotations() != null) {
          ops.add(Map.of("op", "remove", "path", "/metadata/annotations"));
        }
        written = resource.patch(io.fabric8.kubernetes.client.dsl.base.PatchContext.of(
            io.fabric8.kubernetes.client.dsl.base.PatchType.JSON), Manifests.json(ops));
      } else {
        written = existing;
      }
      return AddOnStatusPlan.manifestApplied(written);
    } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
      return AddOnStatusPlan.manifestApplyFailed("failed to apply manifestWork: " + e.getMessage());
    }
  }

  private static Map<String, String> nullIfEmpty(Map<String, String> m) { return m == null || m.isEmpty() ? null : m; }

  // ---- registration on the hub --------------------------------------------------------------------------------

  /**
   * The token driver's ServiceAccount and the role that lets the cluster mint its tokens, once the spoke declared the
   * token driver; then the hubPermissions bindings for the published subject.
   *
   * @return whether the permissions are in place (false while no subject is published: SubjectNotReady)
   */
  private boolean registerOnHub(AddOnTemplate template, ManagedClusterAddOn mca) {
    String cluster = mca.getMetadata().getNamespace();
    String addon = mca.getMetadata().getName();
    ManagedClusterAddOn.Status status = mca.getStatus();
    boolean token = status != null && ManagedClusterAddOn.DRIVER_TOKEN.equals(status.kubeClientDriver)
        && RegistrationPlan.hasKubeClient(template);
    if (token) {
      ensureTokenInfrastructure(mca);
    } else if (Conditions.find(status == null ? null : status.conditions, AddOnNames.TOKEN_INFRASTRUCTURE_READY)
        .isPresent()) {
      removeTokenInfrastructure(cluster, addon);
      StatusWriter.update(hub, ManagedClusterAddOn.class, cluster, addon, (read, s) -> {
        if (s.conditions != null) {
          s.conditions.removeIf(c -> AddOnNames.TOKEN_INFRASTRUCTURE_READY.equals(c.getType()));
        }
        return s;
      });
    }
    List<Subject> subjects = RegistrationPlan.subjects(status);
    boolean any = false;
    for (AddOnTemplate.Registration r : template.getSpec().registration == null
        ? List.<AddOnTemplate.Registration>of() : template.getSpec().registration) {
      if (!AddOnTemplate.REGISTRATION_KUBE_CLIENT.equals(r.type) || r.kubeClient == null
          || r.kubeClient.hubPermissions == null) {
        continue;
      }
      for (AddOnTemplate.HubPermission p : r.kubeClient.hubPermissions) {
        any = true;
        if (subjects.isEmpty()) {
          continue;
        }
        if (AddOnTemplate.PERMISSION_CURRENT_CLUSTER.equals(p.type) && p.currentCluster != null) {
          RoleRef ref = new RoleRefBuilder().withApiGroup("rbac.authorization.k8s.io").withKind("ClusterRole")
              .withName(p.currentCluster.clusterRoleName).build();
          // owned by the MCA: the binding goes with the add-on (§I1.5)
          OwnerReference owner = new OwnerReferenceBuilder().withApiVersion(OWNER_API_VERSION)
              .withKind("ManagedClusterAddOn").withName(addon).withUid(mca.getMetadata().getUid()).build();
          applyBinding(cluster, addon, ref, subjects, owner);
        } else if (AddOnTemplate.PERMISSION_SINGLE_NAMESPACE.equals(p.type) && p.singleNamespace != null
            && p.singleNamespace.roleRef != null) {
          RoleRef ref = new RoleRefBuilder().withApiGroup(p.singleNamespace.roleRef.apiGroup)
              .withKind(p.singleNamespace.roleRef.kind).withName(p.singleNamespace.roleRef.name).build();
          // no owner: OCM does not clean it up when the add-on goes (§I1.5)
          applyBinding(p.singleNamespace.namespace, addon, ref, subjects, null);
        }
      }
    }
    return !any || !subjects.isEmpty();
  }

  private void applyBinding(String namespace, String addon, RoleRef ref, List<Subject> subjects, OwnerReference owner) {
    RoleBinding want = new RoleBindingBuilder().withNewMetadata()
        .withName(AddOnNames.permissionBinding(addon, ref.getKind())).withNamespace(namespace)
        .withLabels(Map.of(AddOnNames.ADDON_NAME_LABEL, addon, AddOnNames.ADDON_TEMPLATE_LABEL, ""))
        .withOwnerReferences(owner == null ? List.of() : List.of(owner)).endMetadata()
        .withRoleRef(ref).withSubjects(subjects).build();
    var resource = hub.rbac().roleBindings().inNamespace(namespace).withName(want.getMetadata().getName());
    RoleBinding have = resource.get();
    if (have == null) {
      Patches.quietly(() -> hub.resource(want).create());
      return;
    }
    if (!Objects.equals(have.getRoleRef(), ref)) {
      // roleRef cannot change: the binding is made again, as resourceapply does
      Patches.quietly(resource::delete);
      Patches.quietly(() -> hub.resource(want).create());
      return;
    }
    if (!Objects.equals(have.getSubjects(), subjects) || !Objects.equals(have.getMetadata().getLabels(),
        want.getMetadata().getLabels()) || !Objects.equals(Patches.owners(have), want.getMetadata().getOwnerReferences())) {
      have.setSubjects(subjects);
      have.getMetadata().setLabels(want.getMetadata().getLabels());
      have.getMetadata().setOwnerReferences(want.getMetadata().getOwnerReferences());
      Patches.quietly(() -> hub.resource(have).update());
    }
  }

  /** addontokeninfra: ServiceAccount {@code <addon>-agent}, and a Role letting the cluster's agents mint its tokens. */
  private void ensureTokenInfrastructure(ManagedClusterAddOn mca) {
    String cluster = mca.getMetadata().getNamespace();
    String addon = mca.getMetadata().getName();
    Map<String, String> labels = tokenLabels(addon);
    ServiceAccount sa = hub.serviceAccounts().inNamespace(cluster).withName(AddOnNames.agent(addon)).get();
    if (sa == null) {
      hub.resource(new ServiceAccountBuilder().withNewMetadata().withName(AddOnNames.agent(addon))
          .withNamespace(cluster).withLabels(labels).endMetadata().build()).create();
    } else if (!labels.entrySet().stream().allMatch(e -> e.getValue().equals(label(sa, e.getKey())))) {
      // an existing ServiceAccount of that name is taken over, labels added (resourceapply; docs/ocm-facts.md §I7.5)
      Map<String, String> merged = new LinkedHashMap<>(sa.getMetadata().getLabels() == null ? Map.of()
          : sa.getMetadata().getLabels());
      merged.putAll(labels);
      sa.getMetadata().setLabels(merged);
      Patches.quietly(() -> hub.resource(sa).update());
    }
    Role role = new RoleBuilder().withNewMetadata().withName(AddOnNames.tokenRole(addon)).withNamespace(cluster)
        .withLabels(labels).endMetadata()
        .withRules(new PolicyRuleBuilder().withApiGroups("").withResources("serviceaccounts/token")
            .withResourceNames(AddOnNames.agent(addon)).withVerbs("create").build())
        .build();
    if (hub.rbac().roles().inNamespace(cluster).withName(role.getMetadata().getName()).get() == null) {
      Patches.quietly(() -> hub.resource(role).create());
    }
    RoleBinding binding = new RoleBindingBuilder().withNewMetadata().withName(AddOnNames.tokenRole(addon))
        .withNamespace(cluster).withLabels(labels).endMetadata()
        .withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("Role").withName(AddOnNames.tokenRole(addon))
        .endRoleRef()
        .addNewSubject().withKind("Group").withApiGroup("rbac.authorization.k8s.io")
        .withName("system:open-cluster-management:" + cluster).endSubject()
        .addNewSubject().withKind("Group").withApiGroup("rbac.authorization.k8s.io")
        .withName("open-cluster-management:" + cluster).endSubject()
        .build();
    if (hub.rbac().roleBindings().inNamespace(cluster).withName(binding.getMetadata().getName()).get() == null) {
      Patches.quietly(() -> hub.resource(binding).create());
    }
    String uid = hub.serviceAccounts().inNamespace(cluster).withName(AddOnNames.agent(addon)).get().getMetadata().getUid();
    if (!Conditions.isTrue(mca.getStatus().conditions, AddOnNames.TOKEN_INFRASTRUCTURE_READY)) {
      StatusWriter.update(hub, ManagedClusterAddOn.class, cluster, addon, (read, s) -> {
        if (s.conditions == null) {
          s.conditions = new ArrayList<>();
        }
        Conditions.set(s.conditions, new DesiredCondition(AddOnNames.TOKEN_INFRASTRUCTURE_READY, Conditions.TRUE,
            "TokenInfrastructureReady", "ServiceAccount " + cluster + "/" + AddOnNames.agent(addon) + " (UID: " + uid
            + ") is ready"), null, clock.instant());
        return s;
      });
    }
  }

  /** cleanupTokenInfrastructure: by name, whoever made the ServiceAccount (docs/ocm-facts.md §I7.5). */
  private void removeTokenInfrastructure(String cluster, String addon) {
    Patches.quietly(() -> hub.rbac().roleBindings().inNamespace(cluster).withName(AddOnNames.tokenRole(addon)).delete());
    Patches.quietly(() -> hub.rbac().roles().inNamespace(cluster).withName(AddOnNames.tokenRole(addon)).delete());
    Patches.quietly(() -> hub.serviceAccounts().inNamespace(cluster).withName(AddOnNames.agent(addon)).delete());
    LOG.info("addon-manager: {}/{}: token infrastructure removed", cluster, addon);
  }

  private static Map<String, String> tokenLabels(String addon) {
    return Map.of(AddOnNames.TOKEN_ADDON_LABEL, addon, AddOnNames.TOKEN_INFRASTRUCTURE_LABEL, "true");
  }

  private static String label(HasMetadata o, String key) {
    return o.getMetadata().getLabels() == null ? null : o.getMetadata().getLabels().get(key);
  }

  // ---- the garbage collector the sandbox lacks ----------------------------------------------------------------

  private void collectGarbage(List<ClusterManagementAddOn> cmas) {
    Set<String> cmaUids = cmas.stream().map(c -> c.getMetadata().getUid()).collect(Collectors.toSet());
    List<ManagedClusterAddOn> mcas = hub.resources(ManagedClusterAddOn.class).inAnyNamespace().list().getItems();
    for (ManagedClusterAddOn mca : mcas) {
      List<OwnerReference> cmaOwners = Patches.owners(mca).stream()
          .filter(r -> "ClusterManagementAddOn".equals(r.getKind())).toList();
      if (!cmaOwners.isEmpty() && cmaOwners.stream().noneMatch(r -> cmaUids.contains(r.getUid()))
          && mca.getMetadata().getDeletionTimestamp() == null) {
        LOG.info("addon-manager: {}/{}: its ClusterManagementAddOn is gone", mca.getMetadata().getNamespace(),
            mca.getMetadata().getName());
        Patches.quietly(() -> hub.resource(mca).delete());
      }
    }
    Set<String> mcaUids = hub.resources(ManagedClusterAddOn.class).inAnyNamespace().list().getItems().stream()
        .map(m -> m.getMetadata().getUid()).collect(Collectors.toSet());
    for (ManifestWork work : hub.resources(ManifestWork.class).inAnyNamespace().withLabel(AddOnNames.ADDON_NAME_LABEL)
        .list().getItems()) {
      if (orphanOf(work, mcaUids) && work.getMetadata().getDeletionTimestamp() == null) {
        Patches.quietly(() -> hub.resource(work).delete());
      }
    }
    for (RoleBinding binding : hub.rbac().roleBindings().inAnyNamespace().withLabel(AddOnNames.ADDON_NAME_LABEL).list()
        .getItems()) {
      if (orphanOf(binding, mcaUids)) {
        Patches.quietly(() -> hub.resource(binding).delete());
      }
    }
    // the token driver's objects of add-ons no longer there
    Set<String> live = hub.resources(ManagedClusterAddOn.class).inAnyNamespace().list().getItems().stream()
        .map(m -> m.getMetadata().getNamespace() + "/" + m.getMetadata().getName()).collect(Collectors.toSet());
    Set<String> done = new HashSet<>();
    for (ServiceAccount sa : hub.serviceAccounts().inAnyNamespace()
        .withLabel(AddOnNames.TOKEN_INFRASTRUCTURE_LABEL, "true").list().getItems()) {
      String key = sa.getMetadata().getNamespace() + "/" + label(sa, AddOnNames.TOKEN_ADDON_LABEL);
      if (!live.contains(key) && done.add(key)) {
        removeTokenInfrastructure(sa.getMetadata().getNamespace(), label(sa, AddOnNames.TOKEN_ADDON_LABEL));
      }
    }
  }

  /** Owned by an MCA that no longer exists. */
  private static boolean orphanOf(HasMetadata o, Set<String> mcaUids) {
    List<OwnerReference> owners = Patches.owners(o).stream().filter(r -> "ManagedClusterAddOn".equals(r.getKind())).toList();
    return !owners.isEmpty() && owners.stream().noneMatch(r -> mcaUids.contains(r.getUid()));
  }

  private static OwnerReference controllerOwner(ClusterManagementAddOn cma) {
    return new OwnerReferenceBuilder().withApiVersion(OWNER_API_VERSION).withKind("ClusterManagementAddOn")
        .withName(cma.getMetadata().getName()).withUid(cma.getMetadata().getUid()).withController(true)
        .withBlockOwnerDeletion(true).build();
  }
}
