package io.flotilla.hub.webhook;

import io.fabric8.kubernetes.api.model.admission.v1.AdmissionRequest;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.RuleWithOperations;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.RuleWithOperationsBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.flotilla.api.addon.v1alpha1.AddOnRelease;
import io.flotilla.api.addon.v1alpha1.FleetAddOn;
import io.flotilla.api.addon.v1alpha1.FleetAddOnSpec;
import io.flotilla.api.addon.v1alpha1.ManagedAddOn;
import io.flotilla.api.addon.v1alpha1.ManagedAddOnSpec;
import io.flotilla.hub.addon.validation.AddOnValidation;
import io.flotilla.hub.addon.validation.AddOnValidation.Problem;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Admission for the addon.flotilla.io kinds, with the rules and messages of {@link AddOnValidation}:
 * <ul>
 *   <li>AddOnRelease: on create, named {@code <addOn>-<version>} with a semantic version; on update, spec unchanged.
 *   <li>FleetAddOn: the target version has a release of the add-on (the FleetAddOn's name); the rollout strategy
 *       makes sense; the clusters are chosen by a label selector or by an OCM Placement, not both.
 *   <li>ManagedAddOn: a pin names a release of spec.addOn.
 * </ul>
 * An update is judged only on the fields it changes, so an object made invalid later (its release deleted, or
 * created while the webhook was bypassed) can still be paused, labelled or given finalizers.
 */
public final class AddOnAdmission implements AdmissionValidator {
  public static final String PATH = "/validate-addons";
  public static final String WEBHOOK_NAME = "addons.webhook.flotilla.io";

  private final ReleaseCatalog releases;
  private final KubernetesSerialization serialization;

  public AddOnAdmission(ReleaseCatalog releases, KubernetesSerialization serialization) {
    this.releases = Objects.requireNonNull(releases, "releases");
    this.serialization = Objects.requireNonNull(serialization, "serialization");
  }

  /** This validator at {@value #PATH} for CREATE and UPDATE of the three kinds. */
  public WebhookEndpoint endpoint() {
    return new WebhookEndpoint(WEBHOOK_NAME, PATH, rules(), this);
  }

  public static List<RuleWithOperations> rules() {
    return List.of(new RuleWithOperationsBuilder()
        .withApiGroups(AddOnRelease.GROUP)
        .withApiVersions(AddOnRelease.VERSION)
        .withOperations("CREATE", "UPDATE")
        .withResources("addonreleases", "fleetaddons", "managedaddons")
        .withScope("*")
        .build());
  }

  @Override
  public void start() { releases.start(); }

  @Override
  public void close() { releases.close(); }

  @Override
  public AdmissionVerdict validate(AdmissionRequest request) {
    String operation = request.getOperation();
    boolean create = "CREATE".equals(operation);
    if (!create && !"UPDATE".equals(operation)) {
      return AdmissionVerdict.allow();
    }
    String kind = request.getKind() == null ? null : request.getKind().getKind();
    if (kind == null) {
      return AdmissionVerdict.badRequest("the AdmissionReview request has no kind");
    }
    try {
      return switch (kind) {
        case "AddOnRelease" -> release(request, create);
        case "FleetAddOn" -> fleet(request, create);
        case "ManagedAddOn" -> managed(request, create);
        // the configuration sends only these kinds here; anything else is not ours to judge
        default -> AdmissionVerdict.allow(List.of("flotilla's add-on webhook does not validate " + kind));
      };
    } catch (IllegalArgumentException e) {
      return AdmissionVerdict.badRequest("the " + kind + " in the request cannot be read: " + rootMessage(e));
    }
  }

  private AdmissionVerdict release(AdmissionRequest request, boolean create) {
    AddOnRelease next = object(request.getObject(), AddOnRelease.class);
    if (create) {
      return verdict(AddOnValidation.releaseProblem(request.getName() != null ? request.getName()
          : next.getMetadata() == null ? null : next.getMetadata().getName(), next.getSpec()).stream().toList());
    }
    AddOnRelease old = object(request.getOldObject(), AddOnRelease.class);
    return AddOnValidation.releaseSpecChange(old.getSpec(), next.getSpec())
        .map(m -> AdmissionVerdict.deny(AddOnValidation.IMMUTABLE_SPEC, m))
        .orElse(AdmissionVerdict.allow());
  }

  private AdmissionVerdict fleet(AdmissionRequest request, boolean create) {
    FleetAddOn next = object(request.getObject(), FleetAddOn.class);
    FleetAddOnSpec spec = next.getSpec() == null ? new FleetAddOnSpec() : next.getSpec();
    FleetAddOnSpec oldSpec = create ? null : specOf(object(request.getOldObject(), FleetAddOn.class).getSpec());
    String addOn = request.getName() != null ? request.getName() : next.getMetadata().getName();
    List<Problem> problems = new ArrayList<>();
    if (create || !Objects.equals(oldSpec.version, spec.version)) {
      versionProblem(addOn, spec.version).ifPresent(problems::add);
    }
    if (create || !json(oldSpec.rolloutStrategy).equals(json(spec.rolloutStrategy))) {
      AddOnValidation.strategyProblem(spec.rolloutStrategy).ifPresent(problems::add);
    }
    if (create || !json(oldSpec.placement).equals(json(spec.placement))) {
      AddOnValidation.placementProblem(spec.placement).ifPresent(problems::add);
    }
    return verdict(problems);
  }

  private AdmissionVerdict managed(AdmissionRequest request, boolean create) {
    ManagedAddOn next = object(request.getObject(), ManagedAddOn.class);
    ManagedAddOnSpec spec = next.getSpec() == null ? new ManagedAddOnSpec() : next.getSpec();
    if (spec.version == null || spec.version.isEmpty()) {
      return AdmissionVerdict.allow(); // no pin: follows the fleet
    }
    String addOn = spec.addOn != null ? spec.addOn : next.getMetadata().getName();
    if (!create) {
      ManagedAddOn old = object(request.getOldObject(), ManagedAddOn.class);
      ManagedAddOnSpec oldSpec = old.getSpec() == null ? new ManagedAddOnSpec() : old.getSpec();
      if (Objects.equals(oldSpec.version, spec.version) && Objects.equals(oldSpec.addOn, spec.addOn)) {
        return AdmissionVerdict.allow();
      }
    }
    return verdict(versionProblem(addOn, spec.version).stream().toList());
  }

  private Optional<Problem> versionProblem(String addOn, String version) {
    return AddOnValidation.versionProblem(addOn, version, releases.versions(addOn, version));
  }

  /** Allowed when there is no problem; otherwise denied with the first reason and every message. */
  private static AdmissionVerdict verdict(List<Problem> problems) {
    if (problems.isEmpty()) {
      return AdmissionVerdict.allow();
    }
    return AdmissionVerdict.deny(problems.get(0).reason(),
        String.join("; ", problems.stream().map(Problem::message).toList()));
  }

  private static FleetAddOnSpec specOf(FleetAddOnSpec spec) {
    return spec == null ? new FleetAddOnSpec() : spec;
  }

  private String json(Object value) {
    return value == null ? "null" : serialization.asJson(value);
  }

  private <T> T object(Object raw, Class<T> type) {
    if (raw == null) {
      throw new IllegalArgumentException("the request carries no object");
    }
    T value = serialization.convertValue(raw, type);
    if (value == null) {
      throw new IllegalArgumentException("the request carries no object");
    }
    return value;
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    String m = t.getMessage();
    return m == null ? t.getClass().getSimpleName() : m.lines().findFirst().orElse(m);
  }
}
