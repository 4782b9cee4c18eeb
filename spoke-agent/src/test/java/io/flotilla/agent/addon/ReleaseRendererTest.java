package io.flotilla.agent.addon;

import io.flotilla.agent.addon.ReleaseRenderer.TemplateException;
import io.flotilla.api.addon.v1alpha1.AddOnReleaseSpec;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ReleaseRendererTest {
  static AddOnReleaseSpec release(Map<String, Object> manifest, String... variables) {
    AddOnReleaseSpec spec = new AddOnReleaseSpec();
    spec.addOn = "metrics-forwarder";
    spec.version = "1.1.0";
    spec.manifests = new ArrayList<>(List.of(manifest));
    for (int i = 0; i < variables.length; i += 2) {
      AddOnReleaseSpec.Variable v = new AddOnReleaseSpec.Variable();
      v.name = variables[i];
      v.defaultValue = variables[i + 1];
      spec.variables.add(v);
    }
    return spec;
  }

  static Map<String, Object> configMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("apiVersion", "v1");
    m.put("kind", "ConfigMap");
    m.put("metadata", new LinkedHashMap<>(Map.of("name", "forwarder", "namespace", "{{ namespace }}")));
    m.put("data", new LinkedHashMap<>(Map.of("endpoint", "{{url}}/write?cluster={{clusterName}}&v={{version}}")));
    m.put("list", new ArrayList<>(List.of("{{namespace}}", 42, true, Map.of("deep", "x-{{namespace}}"))));
    return m;
  }

  @Test
  void replacesPlaceholdersInEveryStringRecursivelyAndLeavesOtherValuesAlone() {
    AddOnReleaseSpec spec = release(configMap(), "namespace", "mf", "url", "https://default");
    Map<String, String> vars = ReleaseRenderer.variables(spec, Map.of("url", "https://cluster"), "mc-1");

    Map<String, Object> out = ReleaseRenderer.render(spec, vars).get(0);

    assertThat(out).extracting("metadata").isEqualTo(Map.of("name", "forwarder", "namespace", "mf"));
    assertThat(out).extracting("data")
        .isEqualTo(Map.of("endpoint", "https://cluster/write?cluster=mc-1&v=1.1.0"));
    assertThat(out.get("list")).isEqualTo(List.of("mf", 42, true, Map.of("deep", "x-mf")));
    // the release is not modified: it is rendered again for every cluster
    assertThat(spec.manifests.get(0)).isEqualTo(configMap());
  }

  @Test
  void builtInsWinOverEverything() {
    AddOnReleaseSpec spec = release(configMap(), "namespace", "mf", "url", "u");
    Map<String, String> vars = ReleaseRenderer.variables(spec, Map.of("clusterName", "spoofed", "version", "9.9.9"), "mc-2");
    assertThat(vars).containsEntry("clusterName", "mc-2").containsEntry("version", "1.1.0");
  }

  @Test
  void anUnknownPlaceholderFailsTheWholeRenderNamingItAndWhereItIs() {
    AddOnReleaseSpec spec = release(configMap(), "namespace", "mf");
    Map<String, String> vars = ReleaseRenderer.variables(spec, null, "mc-1");
    assertThatThrownBy(() -> ReleaseRenderer.render(spec, vars))
        .isInstanceOf(TemplateException.class)
        .hasMessageContaining("ConfigMap {{ namespace }}/forwarder .data.endpoint: unknown variable \"url\"")
        .hasMessageContaining("defined: clusterName, namespace, version");
  }

  @Test
  void aDeclaredVariableWithoutAValueIsNamedAsSuch() {
    AddOnReleaseSpec spec = release(configMap(), "namespace", "mf", "url", null);
    Map<String, String> vars = ReleaseRenderer.variables(spec, Map.of(), "mc-1");
    assertThatThrownBy(() -> ReleaseRenderer.render(spec, vars))
        .hasMessageContaining("unknown variable \"url\"")
        .hasMessageContaining("declared without a default and not set by the ManagedAddOn: url");
    // set by the ManagedAddOn: fine
    assertThat(ReleaseRenderer.render(spec, ReleaseRenderer.variables(spec, Map.of("url", "u"), "mc-1"))).hasSize(1);
  }

  @Test
  void aMalformedPlaceholderIsAnError() {
    Map<String, Object> m = configMap();
    m.put("data", Map.of("bad", "{{ not a name }}"));
    AddOnReleaseSpec spec = release(m, "namespace", "mf", "url", "u");
    assertThatThrownBy(() -> ReleaseRenderer.render(spec, ReleaseRenderer.variables(spec, null, "mc")))
        .hasMessageContaining(".data.bad: malformed placeholder \"{{ not a name }}\"");
  }

  @Test
  void listsEveryPlaceholderUsed() {
    assertThat(ReleaseRenderer.placeholders(List.of(configMap())))
        .containsExactly("clusterName", "namespace", "url", "version");
  }
}
