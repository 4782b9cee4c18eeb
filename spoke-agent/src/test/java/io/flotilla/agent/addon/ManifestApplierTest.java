package io.flotilla.agent.addon;

import io.flotilla.testing.MockApiServers;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.flotilla.agent.addon.ManifestApplier.ObjectKey;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class ManifestApplierTest {
  KubernetesMockServer server;
  KubernetesClient client;
  ManifestApplier applier;

  @BeforeEach
  void start() {
    server = MockApiServers.startCrud();
    client = server.createClient();
    applier = new ManifestApplier(client);
  }

  @AfterEach
  void stop() {
    client.close();
    server.destroy();
  }

  static Map<String, Object> configMap(String name, Map<String, Object> data) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("apiVersion", "v1");
    m.put("kind", "ConfigMap");
    m.put("metadata", new LinkedHashMap<>(Map.of("name", name, "namespace", "addons")));
    m.put("data", new LinkedHashMap<>(data));
    return m;
  }

  static Map<String, Object> namespace() {
    return new LinkedHashMap<>(Map.of("apiVersion", "v1", "kind", "Namespace", "metadata", Map.of("name", "addons")));
  }

  ConfigMap get(String name) {
    return client.configMaps().inNamespace("addons").withName(name).get();
  }

  @Test
  void applyingTheSameRenderTwiceWritesNothingTheSecondTime() {
    List<Map<String, Object>> release = List.of(configMap("a", Map.of("k", "v")), namespace());
    List<HasMetadata> first = applier.apply("demo", "1.0.0", release);
    // namespaces first, whatever the order in the release
    assertThat(first).extracting(HasMetadata::getKind).containsExactly("Namespace", "ConfigMap");
    String rv = get("a").getMetadata().getResourceVersion();
    applier.apply("demo", "1.0.0", release);
    assertThat(get("a").getMetadata().getResourceVersion()).isEqualTo(rv);
    assertThat(get("a").getMetadata().getAnnotations()).containsEntry(ManifestApplier.VERSION_ANNOTATION, "1.0.0")
        .containsKey(ManifestApplier.HASH_ANNOTATION);
  }

  @Test
  void aRemovedKeyAndADriftedValueAreBothWrittenBack() {
    applier.apply("demo", "1.0.0", List.of(configMap("a", Map.of("k", "v", "old", "x"))));
    // the new version drops a key: the hash differs, so the object is replaced, not merged
    applier.apply("demo", "1.1.0", List.of(configMap("a", Map.of("k", "v"))));
    assertThat(get("a").getData()).isEqualTo(Map.of("k", "v"));
    // someone edits a field the release sets: the next apply restores it
    ConfigMap edited = get("a");
    edited.getData().put("k", "hand-edited");
    client.resource(edited).update();
    applier.apply("demo", "1.1.0", List.of(configMap("a", Map.of("k", "v"))));
    assertThat(get("a").getData()).containsEntry("k", "v");
  }

  @Test
  void pruneDeletesOnlyTheAddOnsObjectsThatAreNotKept() {
    List<HasMetadata> applied = applier.apply("demo", "1.0.0",
        List.of(namespace(), configMap("keep", Map.of()), configMap("drop", Map.of())));
    applier.apply("other", "1.0.0", List.of(configMap("theirs", Map.of())));
    Set<ObjectKey> keep = Set.of(ObjectKey.of(applied.get(0)), ObjectKey.of(applied.get(1)));
    List<ObjectKey> deleted = applier.prune("demo", keep, Set.of());
    assertThat(deleted).extracting(ObjectKey::toString).containsExactly("ConfigMap addons/drop");
    assertThat(get("keep")).isNotNull();
    assertThat(get("theirs")).isNotNull();
    // uninstall removes the rest, the namespace last
    assertThat(applier.uninstall("demo", Set.of())).extracting(ObjectKey::toString)
        .containsExactly("ConfigMap addons/keep", "Namespace addons");
    assertThat(get("theirs")).isNotNull();
  }

  @Test
  void containsComparesWhatTheReleaseSetsAndNothingElse() {
    assertThat(ManifestApplier.contains(Map.of("a", 1, "extra", "server default"), Map.of("a", 1L))).isTrue();
    assertThat(ManifestApplier.contains(Map.of("a", 2), Map.of("a", 1))).isFalse();
    assertThat(ManifestApplier.contains(List.of(Map.of("n", "x", "d", 1)), List.of(Map.of("n", "x")))).isTrue();
    assertThat(ManifestApplier.contains(List.of("x", "y"), List.of("x"))).isFalse();
    assertThat(ManifestApplier.contains(null, Map.of())).isTrue();
    assertThat(ManifestApplier.contains(null, new ArrayList<>(List.of("x")))).isFalse();
  }
}
