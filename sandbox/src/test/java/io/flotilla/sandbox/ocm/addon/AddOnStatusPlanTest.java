package io.flotilla.sandbox.ocm.addon;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.flotilla.api.foreign.ocm.AddOnConfig;
import io.flotilla.api.foreign.ocm.ConfigSpecHash;
import io.flotilla.api.foreign.ocm.ManagedClusterAddOn;
import io.flotilla.api.foreign.ocm.ManifestWork;
import io.flotilla.common.DesiredCondition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** The addon-manager's status decisions (docs/ocm-facts.md §1.7 items 3-4, §I1.6, §I3.3, §I7.4). */
class AddOnStatusPlanTest {
  static final ManifestWork.ResourceIdentifier AGENT =
      new ManifestWork.ResourceIdentifier("apps", "deployments", "demo-agent", "demo-agent");

  static ManagedClusterAddOn.ConfigReference applied(String name, String hash) {
    ManagedClusterAddOn.ConfigReference r = new ManagedClusterAddOn.ConfigReference();
    r.group = "addon.open-cluster-management.io";
    r.resource = "addontemplates";
    r.name = name;
    r.desiredConfig = hash(name, hash);
    r.lastAppliedConfig = hash(name, hash);
    return r;
  }

  static ConfigSpecHash hash(String name, String hash) {
    ConfigSpecHash h = new ConfigSpecHash();
    h.name = name;
    h.specHash = hash;
    return h;
  }

  static Condition condition(String type, String status, long generation) {
    return new ConditionBuilder().withType(type).withStatus(status).withReason("R").withMessage("")
        .withObservedGeneration(generation).withLastTransitionTime("2026-01-01T00:00:00Z").build();
  }

  static ManifestWork work(long generation, String annotation, Condition... conditions) {
    ManifestWork w = new ManifestWork();
    w.getMetadata().setName("addon-demo-deploy-0");
    w.getMetadata().setGeneration(generation);
    if (annotation != null) {
      w.getMetadata().setAnnotations(Map.of(ManifestWork.CONFIG_SPEC_HASH_ANNOTATION, annotation));
    }
    w.setStatus(new ManifestWork.Status());
    w.getStatus().conditions = new ArrayList<>(List.of(conditions));
    return w;
  }

  static ManagedClusterAddOn mca(boolean manifestApplied, ManagedClusterAddOn.ConfigReference... refs) {
    ManagedClusterAddOn mca = new ManagedClusterAddOn();
    mca.getMetadata().setName("demo");
    mca.setStatus(new ManagedClusterAddOn.Status());
    mca.getStatus().configReferences = new ArrayList<>(List.of(refs));
    mca.getStatus().conditions = manifestApplied
        ? new ArrayList<>(List.of(condition("ManifestApplied", "True", 0))) : new ArrayList<>();
    return mca;
  }

  static final String HASHES = "{\"addontemplates.addon.open-cluster-management.io//demo-1.0.0\":\"h1\"}";

  @Test
  void aNewDesiredConfigKeepsLastAppliedOnlyWhenItIsTheSameConfig() {
    List<ManagedClusterAddOn.ConfigReference> current = List.of(applied("demo-1.0.0", "h1"));

    List<ManagedClusterAddOn.ConfigReference> sameTemplateEdited = AddOnStatusPlan.configReferences(current,
        List.of(new AddOnStatusPlan.DesiredConfig(AddOnConfig.template("demo-1.0.0"), "h2")));
    List<ManagedClusterAddOn.ConfigReference> newVersion = AddOnStatusPlan.configReferences(current,
        List.of(new AddOnStatusPlan.DesiredConfig(AddOnConfig.template("demo-1.1.0"), "h3")));

    assertThat(sameTemplateEdited).singleElement().satisfies(r -> {
      assertThat(r.desiredConfig.specHash).isEqualTo("h2");
      assertThat(r.lastAppliedConfig.specHash).isEqualTo("h1");
    });
    // mergeAddonConfig: another template is another entry; the old one and its lastAppliedConfig go (§I7.4)
    assertThat(newVersion).singleElement().satisfies(r -> {
      assertThat(r.name).isEqualTo("demo-1.1.0");
      assertThat(r.desiredConfig.specHash).isEqualTo("h3");
      assertThat(r.lastAppliedConfig).isNull();
    });
  }

  @Test
  void theWorksAnnotationIsTheDesiredHashesKeyedByResourceGroupNamespaceAndName() {
    assertThat(AddOnStatusPlan.specHashes(List.of(applied("demo-1.0.0", "h1"))))
        .isEqualTo(Map.of("addontemplates.addon.open-cluster-management.io//demo-1.0.0", "h1"));
  }

  /** The progressing controller's cases, in its order. */
  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "no ManifestApplied yet  | false | none                  | False | WaitingForManifestApplied | false",
      "no works                | true  | none                  | True  | Progressing               | false",
      "work of other configs   | true  | mismatch              | True  | Progressing               | false",
      "work applied, not there | true  | applied-only          | True  | Progressing               | false",
      "stale generation        | true  | stale                 | True  | Progressing               | false",
      "ready                   | true  | ready                 | False | Completed                 | true"})
  void progressing(String name, boolean manifestApplied, String works, String status, String reason, boolean completed) {
    ManagedClusterAddOn.ConfigReference ref = applied("demo-1.0.0", "h1");
    ref.lastAppliedConfig = null;
    ManagedClusterAddOn mca = mca(manifestApplied, ref);
    List<ManifestWork> list = switch (works) {
      case "mismatch" -> List.of(work(1, HASHES.replace("h1", "h0"), condition("Applied", "True", 1),
          condition("Available", "True", 1)));
      case "applied-only" -> List.of(work(1, HASHES, condition("Applied", "True", 1)));
      case "stale" -> List.of(work(2, HASHES, condition("Applied", "True", 1), condition("Available", "True", 1)));
      case "ready" -> List.of(work(2, HASHES, condition("Applied", "True", 2), condition("Available", "True", 2)));
      default -> List.of();
    };

    AddOnStatusPlan.Progressing p = AddOnStatusPlan.progressing(mca, list);

    assertThat(p.condition().status()).isEqualTo(status);
    assertThat(p.condition().reason()).isEqualTo(reason);
    assertThat(p.completed()).isEqualTo(completed);
  }

  @Test
  void anUnsupportedConfigTypeStopsProgressingFirst() {
    ManagedClusterAddOn mca = mca(true);
    mca.getSpec().configs = List.of(new AddOnConfig("example.com", "widgets", null, "w"));

    assertThat(AddOnStatusPlan.progressing(mca, List.of()).condition().reason()).isEqualTo("ConfigurationUnsupported");
  }

  @Test
  void completedMovesLastAppliedToDesired() {
    ManagedClusterAddOn.ConfigReference ref = applied("demo-1.1.0", "h3");
    ref.lastAppliedConfig = null;
    List<ManagedClusterAddOn.ConfigReference> refs = new ArrayList<>(List.of(ref));

    AddOnStatusPlan.markApplied(refs);

    assertThat(refs.get(0).lastAppliedConfig.name).isEqualTo("demo-1.1.0");
    assertThat(refs.get(0).lastAppliedConfig.specHash).isEqualTo("h3");
  }

  static ManifestWork probed(String workAvailable, Long ready, Long replicas) {
    ManifestWork w = work(1, HASHES, condition("Applied", "True", 1));
    if (workAvailable != null) {
      w.getStatus().conditions.add(condition("Available", workAvailable, 1));
    }
    ManifestWork.ManifestCondition m = new ManifestWork.ManifestCondition();
    m.resourceMeta = new ManifestWork.ResourceMeta();
    m.resourceMeta.group = "apps";
    m.resourceMeta.resource = "deployments";
    m.resourceMeta.namespace = "demo-agent";
    m.resourceMeta.name = "demo-agent";
    List<ManifestWork.FeedbackValue> values = new ArrayList<>();
    if (ready != null) {
      values.add(value("ReadyReplicas", ready));
    }
    if (replicas != null) {
      values.add(value("Replicas", replicas));
    }
    if (!values.isEmpty()) {
      m.statusFeedback = new ManifestWork.StatusFeedback();
      m.statusFeedback.values = values;
    }
    w.getStatus().resourceStatus = new ManifestWork.ResourceStatus();
    w.getStatus().resourceStatus.manifests = List.of(m);
    return w;
  }

  static ManifestWork.FeedbackValue value(String name, long v) {
    ManifestWork.FeedbackValue fv = new ManifestWork.FeedbackValue();
    fv.name = name;
    fv.fieldValue = new ManifestWork.FieldValue();
    fv.fieldValue.type = "Integer";
    fv.fieldValue.integer = v;
    return fv;
  }

  /** The workload probe (§I1.6): a Deployment is available with one ready replica. */
  @ParameterizedTest(name = "work Available {0}, ready {1} of {2} -> {3} {4}")
  @CsvSource(nullValues = "-", value = {
      "-,     1, 1, Unknown, WorkNotApplied",
      "False, 1, 1, False,   WorkNotApplied",
      "True,  -, -, Unknown, NoProbeResult",
      "True,  0, 2, False,   ProbeUnavailable",
      "True,  -, 2, False,   ProbeUnavailable",
      "True,  1, 3, True,    ProbeAvailable",
      "True,  0, 0, True,    ProbeAvailable"})
  void availableFromTheProbe(String workAvailable, Long ready, Long replicas, String status, String reason) {
    Optional<DesiredCondition> c = AddOnStatusPlan.available("demo", true, "True",
        List.of(probed(workAvailable, ready, replicas)), List.of(AGENT));

    assertThat(c).get().extracting(DesiredCondition::status, DesiredCondition::reason).containsExactly(status, reason);
  }

  @Test
  void availableWaitsForManifestAppliedSaysWhenTheWorkIsMissingAndLeavesAnUnknownClusterAlone() {
    assertThat(AddOnStatusPlan.available("demo", false, null, List.of(), List.of(AGENT))).isEmpty();
    assertThat(AddOnStatusPlan.available("demo", true, null, List.of(), List.of(AGENT))).get()
        .extracting(DesiredCondition::reason).isEqualTo("WorkNotFound");
    assertThat(AddOnStatusPlan.available("demo", true, "Unknown", List.of(probed("True", 1L, 1L)), List.of(AGENT)))
        .isEmpty();
    assertThat(AddOnStatusPlan.mirrorCluster(condition("ManagedClusterConditionAvailable", "Unknown", 0)))
        .extracting(DesiredCondition::type, DesiredCondition::status).containsExactly("Available", "Unknown");
  }
}
