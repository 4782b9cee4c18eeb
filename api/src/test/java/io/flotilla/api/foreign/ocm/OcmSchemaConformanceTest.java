package io.flotilla.api.foreign.ocm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every OCM object Flotilla can write, the CRDs the sandbox serves for OCM's kinds, and every OCM object under
 * manifests/ocm/ follow OCM's published CRD schemas as api/src/test/resources/ocm/schema-shapes.yaml records them
 * (docs/ocm-facts.md §I5): a field the schema lacks would be pruned by a real hub without a word.
 */
class OcmSchemaConformanceTest {
  private static final ObjectMapper JSON = Serialization.jsonMapper();
  private static final SchemaShapes.Fixture FIXTURE = SchemaShapes.load();
  private static final Path CLASSES = Path.of("target/classes");
  private static final Path GENERATED_CRDS = CLASSES.resolve("META-INF/fabric8");
  private static final Path SHIPPED = Path.of("../manifests/ocm");
  private static final Path SAMPLES = Path.of("target/ocm-samples");
  /** A field name no schema has: it must survive a round trip through every class, as Unmodelled promises. */
  private static final String UNMODELLED = "flotillaTestUnmodelled";

  static Stream<Class<? extends CustomResource<?, ?>>> ocmKinds() throws IOException {
    return ocmClasses().stream();
  }

  @Test
  void theFixtureDescribesExactlyTheKindsInThePackage() throws IOException {
    assertThat(FIXTURE.repository()).isEqualTo("open-cluster-management-io/api");
    assertThat(FIXTURE.commit()).hasSize(40);
    assertThat(ocmClasses()).extracting(HasMetadata::getKind).containsExactlyInAnyOrderElementsOf(FIXTURE.kinds().keySet());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("ocmKinds")
  void classIsTheStorageVersionWithOcmsNamesAndScope(Class<? extends CustomResource<?, ?>> type) {
    SchemaShapes.Kind kind = shape(type);
    assertThat(HasMetadata.getGroup(type)).isEqualTo(kind.group());
    assertThat(HasMetadata.getVersion(type)).as("the storage version").isEqualTo(kind.storage());
    assertThat(kind.served()).contains(kind.storage());
    assertThat(HasMetadata.getPlural(type)).isEqualTo(kind.plural());
    assertThat(Namespaced.class.isAssignableFrom(type) ? "Namespaced" : "Cluster").isEqualTo(kind.scope());
    ShortNames shortNames = type.getAnnotation(ShortNames.class);
    assertThat(shortNames == null ? List.of() : List.of(shortNames.value())).isEqualTo(kind.shortNames());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("ocmKinds")
  void everyFieldTheClassCanSendIsInOcmsSchemaAndEveryListedFieldIsModelled(Class<? extends CustomResource<?, ?>> type)
      throws IOException {
    SchemaShapes.Kind kind = shape(type);
    JsonNode json = JSON.valueToTree(FullyPopulated.of(type, kind));
    Set<String> seen = new TreeSet<>();
    // Kept for checking by hand against OCM's CRD files themselves (docs/ocm-facts.md §I5.4).
    Files.createDirectories(SAMPLES);
    Files.writeString(SAMPLES.resolve(kind.kind() + ".json"), json.toPrettyString());

    assertThat(SchemaShapes.problems(kind, json, seen)).as(json.toPrettyString()).isEmpty();
    // Exactly the fields Flotilla uses: the fixture lists nothing the class does not have.
    assertThat(seen).containsExactlyInAnyOrderElementsOf(kind.fields().keySet());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("ocmKinds")
  void fieldsTheClassDoesNotModelSurviveARoundTrip(Class<? extends CustomResource<?, ?>> type) throws IOException {
    ObjectNode json = JSON.valueToTree(FullyPopulated.of(type, shape(type)));
    for (String part : List.of("spec", "status")) {
      if (json.get(part) instanceof ObjectNode node) {
        addUnmodelledEverywhere(node);
      }
    }

    HasMetadata read = JSON.treeToValue(json, type);

    assertThat((JsonNode) JSON.valueToTree(read)).isEqualTo(json);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("ocmKinds")
  void theSandboxCrdFollowsOcms(Class<? extends CustomResource<?, ?>> type) throws IOException {
    SchemaShapes.Kind kind = shape(type);
    Path file = GENERATED_CRDS.resolve(kind.plural() + "." + kind.group() + "-v1.yml");
    CustomResourceDefinition crd;
    try (InputStream in = Files.newInputStream(file)) {
      crd = Serialization.unmarshal(in, CustomResourceDefinition.class);
    }

    assertThat(crd.getSpec().getGroup()).isEqualTo(kind.group());
    assertThat(crd.getSpec().getNames().getKind()).isEqualTo(kind.kind());
    assertThat(crd.getSpec().getNames().getPlural()).isEqualTo(kind.plural());
    assertThat(crd.getSpec().getScope()).isEqualTo(kind.scope());
    List<String> shortNames = crd.getSpec().getNames().getShortNames();
    assertThat(shortNames == null ? List.of() : shortNames).isEqualTo(kind.shortNames());
    // Only the storage version: the mock has no conversion, and v1beta1 objects would be a store of their own
    // (docs/ocm-facts.md §I5.3).
    assertThat(crd.getSpec().getVersions()).hasSize(1);
    CustomResourceDefinitionVersion version = crd.getSpec().getVersions().get(0);
    assertThat(version.getName()).isEqualTo(kind.storage());
    assertThat(version.getServed()).isTrue();
    assertThat(version.getStorage()).isTrue();
    boolean statusSubresource = version.getSubresources() != null && version.getSubresources().getStatus() != null;
    assertThat(statusSubresource).as("status subresource").isEqualTo(kind.statusSubresource());
    List<String> columns = version.getAdditionalPrinterColumns() == null ? List.of()
        : version.getAdditionalPrinterColumns().stream()
            .map(c -> c.getName() + "|" + c.getType() + "|" + c.getJsonPath()).toList();
    assertThat(columns).isEqualTo(kind.printerColumns());

    Set<String> paths = new TreeSet<>();
    List<String> problems = new ArrayList<>();
    Set<String> absent = voidParts(type);
    version.getSchema().getOpenAPIV3Schema().getProperties().forEach((name, schema) -> {
      // crd-generator 7.5.2 still writes a bare {type: object} for a Void spec or status, which OCM's schema lacks
      // (docs/ocm-facts.md §I5.3); anything more there would be ours.
      if (absent.contains(name)) {
        assertThat(schema.getProperties()).as(name + " of a Void part").isNullOrEmpty();
      } else {
        schemaPaths(kind, name, schema, paths, problems);
      }
    });
    assertThat(problems).isEmpty();
    assertThat(paths).containsExactlyInAnyOrderElementsOf(kind.fields().keySet());
  }

  @Test
  void objectsTheRepositoryShipsFollowOcmsSchemas() throws IOException {
    // everything under manifests/ocm/ (examples included) is held to the fixture
    assertThat(shippedProblems(SHIPPED)).isEmpty();
  }

  @Test
  void theShippedObjectsCheckCatchesWhatARealHubWouldDropOrRefuse(@TempDir Path dir) throws IOException {
    Files.writeString(dir.resolve("flotilla.yaml"), """
        apiVersion: addon.open-cluster-management.io/v1alpha1
        kind: ClusterManagementAddOn
        metadata: {name: flotilla}
        spec:
          defaultConfigs:
          - {group: addon.open-cluster-management.io, resource: addontemplates, name: flotilla-1.4.2}
          installStrategy: {type: Placement}
        ---
        apiVersion: cluster.open-cluster-management.io/v1beta1
        kind: Placement
        metadata: {name: hosting-clusters, namespace: flotilla-system}
        spec:
          predicates:
          - requiredClusterSelector:
              claimSelector:
                matchLabels: {hostingcluster.hypershift.openshift.io: "true"}
        ---
        apiVersion: addon.open-cluster-management.io/v1alpha1
        kind: AddOnDeploymentConfig
        metadata: {name: flotilla, namespace: flotilla-system}
        spec:
          customizedVariables:
          - {name: log-level, value: debug}
        ---
        apiVersion: addon.open-cluster-management.io/v1beta1
        kind: ManagedClusterAddOn
        metadata: {name: flotilla, namespace: mc-1}
        spec: {}
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRole
        metadata: {name: flotilla-agent-hub}
        rules: []
        """);

    assertThat(shippedProblems(dir)).containsExactly(
        "flotilla.yaml ClusterManagementAddOn/flotilla: unknown field spec.defaultConfigs (not in ClusterManagementAddOn's schema as the fixture has it)",
        "flotilla.yaml ClusterManagementAddOn/flotilla: spec.installStrategy.type is 'Placement', not one of [Manual, Placements]",
        "flotilla.yaml Placement/hosting-clusters: unknown field spec.predicates[].requiredClusterSelector.claimSelector.matchLabels (not in Placement's schema as the fixture has it)",
        "flotilla.yaml AddOnDeploymentConfig/flotilla: spec.customizedVariables[].name 'log-level' does not match ^[a-zA-Z_][_a-zA-Z0-9]*$",
        "flotilla.yaml ManagedClusterAddOn/flotilla: apiVersion addon.open-cluster-management.io/v1beta1, not addon.open-cluster-management.io/v1alpha1");
  }

  @Test
  void theCheckWantsWhatTheSchemaRequires() {
    SchemaShapes.Kind decisions = FIXTURE.kinds().get("PlacementDecision");
    PlacementDecision page = new PlacementDecision();
    page.getMetadata().setName("hosting-clusters-decision-0");
    page.setStatus(new PlacementDecision.Status());
    page.getStatus().decisions = null;
    PlacementDecision.Decision decision = new PlacementDecision.Decision();
    decision.clusterName = "mc-1";

    assertThat(SchemaShapes.problems(decisions, JSON.valueToTree(page), new TreeSet<>()))
        .containsExactly("missing required status.decisions");
    page.getStatus().decisions = new ArrayList<>(List.of(decision));
    // A decision Flotilla builds sends reason "" rather than nothing, as the schema requires it.
    assertThat(SchemaShapes.problems(decisions, JSON.valueToTree(page), new TreeSet<>())).isEmpty();
  }

  /** Every OCM object in the .yaml/.yml files of {@code dir}, held to the fixture and read losslessly by its class. */
  private static List<String> shippedProblems(Path dir) throws IOException {
    List<String> problems = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return problems;
    }
    Map<String, Class<? extends CustomResource<?, ?>>> classes = new HashMap<>();
    ocmClasses().forEach(c -> classes.put(HasMetadata.getKind(c), c));
    List<Path> files;
    try (Stream<Path> list = Files.walk(dir)) {
      files = list.filter(f -> f.toString().endsWith(".yaml") || f.toString().endsWith(".yml")).sorted().toList();
    }
    for (Path file : files) {
      try (MappingIterator<JsonNode> docs = SchemaShapes.YAML.readerFor(JsonNode.class).readValues(file.toFile())) {
        while (docs.hasNext()) {
          JsonNode doc = docs.next();
          if (doc == null || doc.isEmpty() || !doc.path("apiVersion").asText().contains("open-cluster-management.io/")) {
            continue;
          }
          String where = file.getFileName() + " " + doc.path("kind").asText() + "/" + doc.at("/metadata/name").asText();
          SchemaShapes.Kind kind = FIXTURE.kinds().get(doc.path("kind").asText());
          if (kind == null) {
            problems.add(where + ": an OCM kind the fixture does not describe");
            continue;
          }
          List<String> found = SchemaShapes.problems(kind, doc, new TreeSet<>());
          found.forEach(p -> problems.add(where + ": " + p));
          if (found.isEmpty()) {
            JsonNode back = JSON.valueToTree(JSON.treeToValue(doc, classes.get(kind.kind())));
            if (!back.equals(doc)) {
              problems.add(where + ": " + kind.kind() + " does not read it back unchanged: " + back);
            }
          }
        }
      }
    }
    return problems;
  }

  private static void schemaPaths(SchemaShapes.Kind kind, String path, JSONSchemaProps schema, Set<String> paths,
                                  List<String> problems) {
    SchemaShapes.Field field = kind.fields().get(path);
    if (field == null) {
      problems.add("the sandbox's CRD has " + path + ", which OCM's schema does not");
      return;
    }
    paths.add(path);
    String type = Boolean.TRUE.equals(schema.getXKubernetesIntOrString()) ? "int-or-string"
        : schema.getAdditionalProperties() != null && schema.getAdditionalProperties().getSchema() != null ? "map"
        : schema.getType();
    if (!type.equals(field.type())) {
      problems.add(path + " is " + type + " in the sandbox's CRD and " + field.type() + " in OCM's");
    }
    if (field.preserve() != Boolean.TRUE.equals(schema.getXKubernetesPreserveUnknownFields())) {
      problems.add(path + " preserves unknown fields in one CRD and not in the other");
    }
    if (schema.getProperties() != null) {
      schema.getProperties().forEach((name, child) -> schemaPaths(kind, path + "." + name, child, paths, problems));
    }
    if (schema.getItems() != null && schema.getItems().getSchema() != null) {
      schemaPaths(kind, path + "[]", schema.getItems().getSchema(), paths, problems);
    }
    if ("map".equals(type)) {
      schemaPaths(kind, path + ".*", schema.getAdditionalProperties().getSchema(), paths, problems);
    }
  }

  /** "spec" and/or "status" where the class's type argument is Void: the kind has no such part. */
  private static Set<String> voidParts(Class<?> type) {
    Class<?> level = type;
    while (!(level.getGenericSuperclass() instanceof ParameterizedType p && p.getRawType() == CustomResource.class)) {
      level = level.getSuperclass();
    }
    Type[] arguments = ((ParameterizedType) level.getGenericSuperclass()).getActualTypeArguments();
    Set<String> parts = new TreeSet<>();
    if (arguments[0] == Void.class) {
      parts.add("spec");
    }
    if (arguments[1] == Void.class) {
      parts.add("status");
    }
    return parts;
  }

  private static void addUnmodelledEverywhere(ObjectNode node) {
    List<JsonNode> children = new ArrayList<>();
    node.elements().forEachRemaining(children::add);
    node.put(UNMODELLED, "kept");
    for (JsonNode child : children) {
      addUnmodelledTo(child);
    }
  }

  private static void addUnmodelledTo(JsonNode node) {
    if (node instanceof ObjectNode object) {
      addUnmodelledEverywhere(object);
    } else if (node.isArray()) {
      node.forEach(OcmSchemaConformanceTest::addUnmodelledTo);
    }
  }

  private static SchemaShapes.Kind shape(Class<? extends HasMetadata> type) {
    SchemaShapes.Kind kind = FIXTURE.kinds().get(HasMetadata.getKind(type));
    assertThat(kind).as("fixture entry for " + type.getSimpleName()).isNotNull();
    return kind;
  }

  @SuppressWarnings("unchecked")
  private static List<Class<? extends CustomResource<?, ?>>> ocmClasses() throws IOException {
    Path dir = CLASSES.resolve(OcmSchemaConformanceTest.class.getPackageName().replace('.', '/'));
    List<Class<? extends CustomResource<?, ?>>> result = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path file : files.sorted().toList()) {
        String name = file.getFileName().toString();
        if (name.endsWith(".class") && !name.contains("$")) {
          Class<?> type;
          try {
            type = Class.forName(OcmSchemaConformanceTest.class.getPackageName() + "." + name.replace(".class", ""));
          } catch (ClassNotFoundException e) {
            throw new IllegalStateException(e);
          }
          if (CustomResource.class.isAssignableFrom(type)) {
            result.add((Class<? extends CustomResource<?, ?>>) type);
          }
        }
      }
    }
    return result;
  }
}
