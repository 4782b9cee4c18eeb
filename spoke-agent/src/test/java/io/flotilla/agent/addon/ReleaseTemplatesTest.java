package io.flotilla.agent.addon;

import io.flotilla.agent.addon.ReleaseTemplates.ReleaseTemplateException;
import io.flotilla.api.addon.v1alpha1.AddOnRelease;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The loader against the real addon-templates folder, and against broken copies. */
class ReleaseTemplatesTest {
  static final Path TEMPLATES = Path.of("../addon-templates");
  static final String FAIL_ANNOTATION = "sandbox.flotilla.io/fail";

  @Test
  void theShippedTemplatesLoadAsAtLeastTwoAddOnsWithThreeVersionsEach() {
    List<AddOnRelease> releases = ReleaseTemplates.load(TEMPLATES);
    Map<String, List<String>> versions = releases.stream().collect(Collectors.groupingBy(r -> r.getSpec().addOn,
        java.util.TreeMap::new, Collectors.mapping(r -> r.getSpec().version, Collectors.toList())));
    assertThat(versions).containsEntry("metrics-forwarder", List.of("1.0.0", "1.1.0", "1.2.0"))
        .containsEntry("node-tuning-helper", List.of("2.0.0", "2.1.0", "2.2.0"));
    for (AddOnRelease r : releases) {
      assertThat(r.getMetadata().getName()).isEqualTo(r.getSpec().addOn + "-" + r.getSpec().version);
      assertThat(r.getMetadata().getLabels()).containsEntry(ManifestApplier.NAME_LABEL, r.getSpec().addOn);
      assertThat(AddOnLifecycle.progressDeadline(r.getSpec())).isPositive();
      // every release renders for a cluster with its defaults alone
      List<Map<String, Object>> rendered = ReleaseRenderer.render(r.getSpec(),
          ReleaseRenderer.variables(r.getSpec(), Map.of(), "mc-1"));
      assertThat(rendered.toString()).doesNotContain("{{").contains("mc-1");
    }
  }

  @Test
  void eachAddOnHasExactlyOneVersionBuiltToFailAndOneThatRemovesAnObjectOfThePreviousVersion() {
    Map<String, List<AddOnRelease>> byAddOn = ReleaseTemplates.load(TEMPLATES).stream()
        .collect(Collectors.groupingBy(r -> r.getSpec().addOn));
    for (var e : byAddOn.entrySet()) {
      List<String> failing = e.getValue().stream().filter(ReleaseTemplatesTest::builtToFail)
          .map(r -> r.getSpec().version).toList();
      assertThat(failing).as(e.getKey() + " versions built to fail").hasSize(1);

      List<String> removing = new java.util.ArrayList<>();
      for (int i = 1; i < e.getValue().size(); i++) {
        Set<String> before = objects(e.getValue().get(i - 1));
        Set<String> after = objects(e.getValue().get(i));
        if (!after.containsAll(before)) {
          before.removeAll(after);
          removing.add(e.getValue().get(i).getSpec().version + " removes " + before);
        }
      }
      assertThat(removing).as(e.getKey() + " versions that remove objects").isNotEmpty();
    }
  }

  static boolean builtToFail(AddOnRelease r) {
    return r.getSpec().manifests.stream().filter(m -> "Deployment".equals(m.get("kind")))
        .anyMatch(m -> String.valueOf(m.get("spec")).contains(FAIL_ANNOTATION + "=true"));
  }

  static Set<String> objects(AddOnRelease r) {
    return r.getSpec().manifests.stream().map(m -> m.get("kind") + "/" + ((Map<?, ?>) m.get("metadata")).get("name"))
        .collect(Collectors.toCollection(TreeSet::new));
  }

  // ---- broken sources: every problem is reported, with its file

  static void write(Path file, String content) throws IOException {
    Files.createDirectories(file.getParent());
    Files.writeString(file, content);
  }

  static final String CONFIG_MAP = """
      apiVersion: v1
      kind: ConfigMap
      metadata:
        name: cfg
        namespace: "{{namespace}}"
      data:
        cluster: "{{clusterName}}"
      """;

  @Test
  void aValidMinimalTreeLoads(@TempDir Path dir) throws IOException {
    write(dir.resolve("demo/0.1.0/release.yaml"), "version: 0.1.0\nvariables:\n  - name: namespace\n    defaultValue: demo\n");
    write(dir.resolve("demo/0.1.0/objects.yml"), CONFIG_MAP + "---\n" + CONFIG_MAP.replace("name: cfg", "name: other"));
    write(dir.resolve("demo/0.1.0/NOTES.md"), "not a manifest");
    write(dir.resolve("README.md"), "ignored");
    List<AddOnRelease> releases = ReleaseTemplates.load(dir);
    assertThat(releases).hasSize(1);
    AddOnRelease r = releases.get(0);
    assertThat(r.getSpec().addOn).isEqualTo("demo");
    assertThat(r.getSpec().progressDeadline).isNull();
    assertThat(r.getSpec().manifests).hasSize(2);
    assertThat(r.getSpec().manifests.get(0)).containsEntry("data", Map.of("cluster", "{{clusterName}}"));
  }

  @Test
  void everyProblemOfTheTreeIsReportedAtOnce(@TempDir Path dir) throws IOException {
    write(dir.resolve("demo/1.0.0/release.yaml"), "version: 1.0.1\nprogresDeadline: 5m\n");
    write(dir.resolve("demo/1.0.0/a.yaml"), CONFIG_MAP);
    write(dir.resolve("demo/1.1.0/release.yaml"), "addOn: other\nversion: 1.1.0\nprogressDeadline: soon\n"
        + "variables:\n  - name: version\n  - name: ns\n  - name: ns\n");
    write(dir.resolve("demo/1.1.0/a.yaml"), CONFIG_MAP + "---\n" + CONFIG_MAP
        + "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: svc\n");
    write(dir.resolve("demo/1.2.0/release.yaml"), "version: 1.2.0\n");
    write(dir.resolve("demo/1.2.0/a.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  namespace: {{ns}}\n");
    write(dir.resolve("demo/latest/release.yaml"), "version: latest\n");
    write(dir.resolve("demo/1.3.0/release.yaml"), "version: 1.3.0\n");
    write(dir.resolve("Bad_Name/1.0.0/release.yaml"), "version: 1.0.0\n");

    assertThatThrownBy(() -> ReleaseTemplates.load(dir))
        .isInstanceOf(ReleaseTemplateException.class)
        .satisfies(e -> assertThat(((ReleaseTemplateException) e).problems()).satisfiesExactlyInAnyOrder(
            p -> assertThat(p).endsWith("Bad_Name: add-on folder names must be DNS labels (lower case, digits, '-')"),
            p -> assertThat(p).contains("1.0.0/release.yaml: unknown keys [progresDeadline]"),
            p -> assertThat(p).contains("1.1.0/release.yaml: addOn \"other\" does not match the folder name \"demo\""),
            p -> assertThat(p).contains("1.1.0/release.yaml: progressDeadline \"soon\" is not a positive duration"),
            p -> assertThat(p).contains("variable \"version\" is built in and cannot be declared"),
            p -> assertThat(p).contains("variable \"ns\" is declared twice"),
            p -> assertThat(p).contains("a.yaml: ConfigMap {{namespace}}/cfg is defined twice"),
            p -> assertThat(p).contains("a.yaml: Service svc: metadata.namespace is required"),
            p -> assertThat(p).contains("1.1.0: placeholders name undeclared variables: namespace"),
            p -> assertThat(p).contains("1.2.0/a.yaml: cannot be read as Kubernetes objects (placeholders must sit inside quoted strings"),
            p -> assertThat(p).contains("1.2.0: no manifests"),
            p -> assertThat(p).contains("1.3.0: no manifests"),
            p -> assertThat(p).contains("latest: version folder names must be semantic versions")));
  }

  @Test
  void aFolderThatIsNotThereIsAClearError(@TempDir Path dir) {
    assertThatThrownBy(() -> ReleaseTemplates.load(dir.resolve("missing")))
        .isInstanceOf(ReleaseTemplateException.class).hasMessageContaining("missing is not a directory");
    assertThatThrownBy(() -> ReleaseTemplates.load(dir)).hasMessageContaining("no add-on folders");
  }
}
