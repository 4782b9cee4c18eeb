package io.flotilla.agent.metrics;

import io.flotilla.testing.Scrape;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.flotilla.hub.metrics.HubMetrics;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * manifests/hub/prometheus-rules.yaml parses as a PrometheusRule whose alerts are complete, and every metric its
 * expressions read is one hub-manager or spoke-agent exports (scraped from registries populated here), so a renamed
 * series cannot leave an alert that silently never fires.
 */
class PrometheusRulesTest {
  static final Path RULES = Path.of("../manifests/hub/prometheus-rules.yaml");
  static final Pattern PROMETHEUS_DURATION = Pattern.compile("^([0-9]+(ms|s|m|h|d|w|y))+$");
  static final Set<String> SEVERITIES = Set.of("critical", "warning", "info");

  static GenericKubernetesResource rule;
  static List<Map<String, Object>> alerts;
  static Set<String> exported;

  @BeforeAll
  @SuppressWarnings("unchecked")
  static void load() throws Exception {
    try (InputStream in = Files.newInputStream(RULES)) {
      rule = new KubernetesSerialization().unmarshal(in, GenericKubernetesResource.class);
    }
    Map<String, Object> spec = (Map<String, Object>) rule.getAdditionalProperties().get("spec");
    alerts = new ArrayList<>();
    for (Map<String, Object> group : (List<Map<String, Object>>) spec.get("groups")) {
      assertThat((String) group.get("name")).as("group name").isNotBlank();
      alerts.addAll((List<Map<String, Object>>) group.get("rules"));
    }

    HubMetrics hub = new HubMetrics(MetricsFixtures::fullFleet);
    Instant now = Instant.parse("2026-03-01T12:00:00Z");
    AgentMetrics agent = new AgentMetrics("mc1", () -> new SpokeState(MetricsFixtures.fullFleet().backups(),
        List.of(MetricsFixtures.hostedCluster("hc1", "2026-03-01T11:00:00Z"))), Clock.fixed(now, ZoneOffset.UTC));
    try (hub; agent) {
      exported = new TreeSet<>(Scrape.parse(hub.scrape()).names());
      exported.addAll(Scrape.parse(agent.scrape()).names());
    }
  }

  @Test
  void isAPrometheusRuleWithAlerts() {
    assertThat(rule.getApiVersion()).isEqualTo("monitoring.coreos.com/v1");
    assertThat(rule.getKind()).isEqualTo("PrometheusRule");
    assertThat(rule.getMetadata().getName()).isEqualTo("flotilla");
    assertThat(rule.getMetadata().getNamespace()).isEqualTo("flotilla-system");
    assertThat(alerts).extracting(a -> a.get("alert"))
        .contains("FlotillaBackupRPOMissed", "FlotillaHostedClusterPausedTooLong", "FlotillaBackupRepeatedFailures",
            "FlotillaBackupVerifiedRPOMissed")
        .doesNotHaveDuplicates();
  }

  @Test
  @SuppressWarnings("unchecked")
  void everyAlertHasAnExpressionADurationASeverityAndASummary() {
    for (Map<String, Object> a : alerts) {
      String name = (String) a.get("alert");
      assertThat(name).as("alert name").isNotBlank().matches("^Flotilla[A-Z][A-Za-z]+$");
      assertThat((String) a.get("expr")).as(name + " expr").isNotBlank();
      assertThat(String.valueOf(a.get("for"))).as(name + " for").matches(PROMETHEUS_DURATION);
      Map<String, Object> labels = (Map<String, Object>) a.get("labels");
      assertThat(labels).as(name + " labels").isNotNull();
      assertThat(labels.get("severity")).as(name + " severity").isIn(SEVERITIES.toArray());
      Map<String, Object> annotations = (Map<String, Object>) a.get("annotations");
      assertThat(annotations).as(name + " annotations").isNotNull();
      assertThat((String) annotations.get("summary")).as(name + " summary").isNotBlank();
    }
  }

  @Test
  void everyMetricAnExpressionReadsIsExported() {
    assertThat(exported).as("the registries exported the issue's series").contains(
        "flotilla_backup_last_success_timestamp_seconds", "flotilla_backup_last_duration_seconds",
        "flotilla_backup_last_stored_bytes", "flotilla_backup_last_pause_window_seconds",
        "flotilla_backup_failures_total", "flotilla_backup_rpo_compliant", "flotilla_hostedcluster_paused_seconds",
        "flotilla_addon_clusters", "flotilla_backup_verified_rpo_compliant",
        "flotilla_backup_last_verified_timestamp_seconds");
    for (Map<String, Object> a : alerts) {
      Set<String> read = metricNames((String) a.get("expr"));
      assertThat(read).as(a.get("alert") + " reads at least one series").isNotEmpty();
      assertThat(exported).as(a.get("alert") + " reads only exported series").containsAll(read);
    }
  }

  @Test
  void theMetricNameReaderFindsSeriesAndSkipsFunctionsLabelsAndKeywords() {
    assertThat(metricNames("max by (a, b) (increase(foo_total{x=\"y\",z=~\"w\"}[5m])) > on (a) group_left (c) bar"
        + " or absent(baz{component=\"hub\"}) unless qux offset 5m == bool 1"))
        .containsExactlyInAnyOrder("foo_total", "bar", "baz", "qux");
  }

  /** The metric names a PromQL expression reads: identifiers that are not functions, keywords or label names. */
  static Set<String> metricNames(String expr) {
    String e = expr.replaceAll("\\{[^}]*}", " ")                      // label matchers (and their strings)
        .replaceAll("\\[[^]]*]", " ")                                  // range selectors
        .replaceAll("\"[^\"]*\"", " ")                                 // any other string
        .replaceAll("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", " "); // label lists
    Set<String> keywords = new HashSet<>(List.of("and", "or", "unless", "by", "without", "on", "ignoring",
        "group_left", "group_right", "bool", "offset"));
    Set<String> names = new LinkedHashSet<>();
    Matcher m = Pattern.compile("(?<![0-9.])[a-zA-Z_:][a-zA-Z0-9_:]*(\\s*\\()?").matcher(e);
    while (m.find()) {
      String token = m.group().replaceAll("[\\s(]", "");
      if (m.group(1) == null && !keywords.contains(token)) {
        names.add(token);
      }
    }
    return names;
  }
}
