package io.flotilla.hub.webhook;

import static io.flotilla.hub.webhook.WebhookTestSupport.configurationBundle;
import static io.flotilla.hub.webhook.WebhookTestSupport.release;
import static io.flotilla.hub.webhook.WebhookTestSupport.review;
import static io.flotilla.hub.webhook.WebhookTestSupport.secretBundle;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReview;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhook;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfiguration;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.flotilla.api.addon.v1alpha1.AddOnRelease;
import io.flotilla.api.addon.v1alpha1.FleetAddOn;
import io.flotilla.api.addon.v1alpha1.ManagedAddOn;
import io.flotilla.api.addon.v1alpha1.RolloutStrategy;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The add-on webhook over real HTTPS, against a fabric8 CRUD mock as the hub. */
@EnableKubernetesMockClient(crud = true)
class AdmissionWebhookTest {
  KubernetesClient client;
  AdmissionWebhook webhook;
  List<X509Certificate> trusted;
  HttpClient http;

  @BeforeEach
  void start() throws Exception {
    WebhookTestSupport.registerCrds(client);
    for (String v : List.of("1.1.0", "1.0.0", "1.10.0-rc.1")) {
      client.resource(release("foo", v)).create();
    }
    client.resource(release("bar", "2.0.0")).create();
    // the scheduler stays idle in these tests: checks run when a test calls them
    webhook = new AdmissionWebhook(client, AdmissionWebhookConfig.sandbox().withRotation(Duration.ofHours(1), null));
    webhook.start();
    trusted = secretBundle(client);
    http = WebhookTestSupport.client(trusted);
  }

  @AfterEach
  void stop() {
    if (webhook != null) {
      webhook.close();
    }
  }

  AdmissionResponse admit(AdmissionReview review) throws Exception {
    var answer = WebhookTestSupport.post(http, webhook.getPort(), AddOnAdmission.PATH,
        client.getKubernetesSerialization().asJson(review));
    assertThat(answer.status()).isEqualTo(200);
    AdmissionReview back = client.getKubernetesSerialization().unmarshal(answer.body(), AdmissionReview.class);
    assertThat(back.getApiVersion()).isEqualTo("admission.k8s.io/v1");
    assertThat(back.getKind()).isEqualTo("AdmissionReview");
    assertThat(back.getResponse().getUid()).isEqualTo(review.getRequest().getUid());
    return back.getResponse();
  }

  static void assertDenied(AdmissionResponse r, int code, String reason, String message) {
    assertThat(r.getAllowed()).as("allowed").isFalse();
    assertThat(r.getStatus().getCode()).isEqualTo(code);
    assertThat(r.getStatus().getReason()).isEqualTo(reason);
    assertThat(r.getStatus().getMessage()).isEqualTo(message);
  }

  static FleetAddOn fleet(String name, String version) {
    FleetAddOn f = new FleetAddOn();
    f.setMetadata(new ObjectMetaBuilder().withName(name).build());
    f.getSpec().version = version;
    return f;
  }

  static ManagedAddOn managed(String namespace, String addOn, String pin) {
    ManagedAddOn m = new ManagedAddOn();
    m.setMetadata(new ObjectMetaBuilder().withName(addOn).withNamespace(namespace).build());
    m.getSpec().addOn = addOn;
    m.getSpec().version = pin;
    return m;
  }

  @Test
  void addOnReleaseCreateNeedsItsNameAndASemanticVersion() throws Exception {
    AddOnRelease ok = release("foo", "1.2.0");
    assertThat(admit(review("CREATE", "AddOnRelease", null, "foo-1.2.0", ok, null)).getAllowed()).isTrue();

    AddOnRelease misnamed = release("foo", "1.2.0");
    misnamed.getMetadata().setName("foo-1.3.0");
    assertDenied(admit(review("CREATE", "AddOnRelease", null, "foo-1.3.0", misnamed, null)), 403, "InvalidName",
        "AddOnRelease of foo 1.2.0 must be named foo-1.2.0, not foo-1.3.0");

    AddOnRelease malformed = release("foo", "1.x");
    assertDenied(admit(review("CREATE", "AddOnRelease", null, "foo-1.x", malformed, null)), 403, "InvalidVersion",
        "version 1.x is not a semantic version");
  }

  @Test
  void addOnReleaseSpecCannotChangeButMetadataCan() throws Exception {
    AddOnRelease old = release("foo", "1.0.0");
    AddOnRelease edited = release("foo", "1.0.0");
    edited.getSpec().manifests.get(0).put("data", Map.of("k", "v"));
    assertDenied(admit(review("UPDATE", "AddOnRelease", null, "foo-1.0.0", edited, old)), 403, "ImmutableSpec",
        "AddOnRelease spec is immutable; publish a new version instead");

    AddOnRelease labelled = release("foo", "1.0.0");
    labelled.getMetadata().setLabels(Map.of("channel", "stable"));
    assertThat(admit(review("UPDATE", "AddOnRelease", null, "foo-1.0.0", labelled, old)).getAllowed()).isTrue();
  }

  @Test
  void fleetTargetMustHaveAReleaseAndTheDenialNamesTheVersionsThatExist() throws Exception {
    assertDenied(admit(review("CREATE", "FleetAddOn", null, "foo", fleet("foo", "1.9.0"), null)), 403,
        "InvalidVersion", "no release 1.9.0 of add-on foo; available: 1.0.0, 1.1.0, 1.10.0-rc.1");
    assertDenied(admit(review("CREATE", "FleetAddOn", null, "baz", fleet("baz", "1.0.0"), null)), 403,
        "InvalidVersion", "no release 1.0.0 of add-on baz; available: none published");
    assertDenied(admit(review("CREATE", "FleetAddOn", null, "foo", fleet("foo", "latest"), null)), 403,
        "InvalidVersion", "version latest is not a semantic version");
    assertThat(admit(review("CREATE", "FleetAddOn", null, "foo", fleet("foo", "1.1.0"), null)).getAllowed()).isTrue();

    // moving the target of an existing fleet is checked the same way
    assertDenied(admit(review("UPDATE", "FleetAddOn", null, "bar", fleet("bar", "2.1.0"), fleet("bar", "2.0.0"))),
        403, "InvalidVersion", "no release 2.1.0 of add-on bar; available: 2.0.0");
  }

  @Test
  void fleetRolloutStrategyMustMakeSense() throws Exception {
    FleetAddOn zero = fleet("foo", "1.1.0");
    zero.getSpec().rolloutStrategy.type = RolloutStrategy.Type.Progressive;
    zero.getSpec().rolloutStrategy.maxConcurrency = new IntOrString(0);
    assertDenied(admit(review("CREATE", "FleetAddOn", null, "foo", zero, null)), 403, "InvalidRolloutStrategy",
        "rolloutStrategy: maxConcurrency must be at least 1, got 0");

    FleetAddOn both = fleet("foo", "1.9.0");
    both.getSpec().rolloutStrategy.type = RolloutStrategy.Type.ProgressivePerGroup;
    both.getSpec().rolloutStrategy.maxConcurrency = new IntOrString("0%");
    assertDenied(admit(review("CREATE", "FleetAddOn", null, "foo", both, null)), 403, "InvalidVersion",
        "no release 1.9.0 of add-on foo; available: 1.0.0, 1.1.0, 1.10.0-rc.1; rolloutStrategy: maxConcurrency 0% must"
            + " be between 1% and 100%; ProgressivePerGroup needs at least one group");

    FleetAddOn good = fleet("foo", "1.1.0");
    good.getSpec().rolloutStrategy.type = RolloutStrategy.Type.ProgressivePerGroup;
    good.getSpec().rolloutStrategy.maxConcurrency = new IntOrString("25%");
    RolloutStrategy.Group canary = new RolloutStrategy.Group();
    canary.name = "canary";
    canary.mandatory = true;
    canary.clusterSelector = new LabelSelectorBuilder().withMatchLabels(Map.of("ring", "0")).build();
    good.getSpec().rolloutStrategy.groups = List.of(canary);
    assertThat(admit(review("CREATE", "FleetAddOn", null, "foo", good, null)).getAllowed()).isTrue();
  }

  @Test
  void fleetChoosesItsClustersByLabelsOrByAPlacementNotBoth() throws Exception {
    FleetAddOn byPlacement = fleet("foo", "1.1.0");
    byPlacement.getSpec().placement.placementRef = new io.flotilla.api.common.PlacementRef("ops", "canary");
    assertThat(admit(review("CREATE", "FleetAddOn", null, "foo", byPlacement, null)).getAllowed()).isTrue();

    FleetAddOn both = fleet("foo", "1.1.0");
    both.getSpec().placement.placementRef = new io.flotilla.api.common.PlacementRef("ops", "canary");
    both.getSpec().placement.clusterSelector = new LabelSelectorBuilder().withMatchLabels(Map.of("env", "prod")).build();
    assertDenied(admit(review("CREATE", "FleetAddOn", null, "foo", both, null)), 403, "InvalidPlacement",
        "spec.placement.clusterSelector and spec.placement.placementRef are both set: choose the clusters by labels"
            + " or by an OCM Placement, not both");
    // an update that adds the second way is refused too; one that leaves the placement alone is not judged on it
    assertDenied(admit(review("UPDATE", "FleetAddOn", null, "foo", both, byPlacement)), 403, "InvalidPlacement",
        "spec.placement.clusterSelector and spec.placement.placementRef are both set: choose the clusters by labels"
            + " or by an OCM Placement, not both");
    FleetAddOn bothPaused = fleet("foo", "1.1.0");
    bothPaused.getSpec().placement = both.getSpec().placement;
    bothPaused.getSpec().paused = true;
    assertThat(admit(review("UPDATE", "FleetAddOn", null, "foo", bothPaused, both)).getAllowed()).isTrue();
  }

  @Test
  void anUpdateIsJudgedOnlyOnWhatItChanges() throws Exception {
    // a fleet whose release was deleted (or that got in while the webhook was bypassed) can still be paused
    FleetAddOn stale = fleet("foo", "0.9.0");
    FleetAddOn paused = fleet("foo", "0.9.0");
    paused.getSpec().paused = true;
    assertThat(admit(review("UPDATE", "FleetAddOn", null, "foo", paused, stale)).getAllowed()).isTrue();

    ManagedAddOn pinnedStale = managed("mc1", "foo", "0.9.0");
    ManagedAddOn relabelled = managed("mc1", "foo", "0.9.0");
    relabelled.getMetadata().setLabels(Map.of("x", "y"));
    assertThat(admit(review("UPDATE", "ManagedAddOn", "mc1", "foo", relabelled, pinnedStale)).getAllowed()).isTrue();
  }

  @Test
  void managedAddOnPinMustHaveAReleaseOfItsAddOn() throws Exception {
    assertDenied(admit(review("CREATE", "ManagedAddOn", "mc1", "foo", managed("mc1", "foo", "1.5.0"), null)), 403,
        "InvalidVersion", "no release 1.5.0 of add-on foo; available: 1.0.0, 1.1.0, 1.10.0-rc.1");
    // a version of another add-on does not count
    assertDenied(admit(review("CREATE", "ManagedAddOn", "mc1", "foo", managed("mc1", "foo", "2.0.0"), null)), 403,
        "InvalidVersion", "no release 2.0.0 of add-on foo; available: 1.0.0, 1.1.0, 1.10.0-rc.1");
    assertThat(admit(review("CREATE", "ManagedAddOn", "mc1", "foo", managed("mc1", "foo", null), null)).getAllowed())
        .as("no pin follows the fleet").isTrue();
    assertThat(admit(review("CREATE", "ManagedAddOn", "mc1", "foo", managed("mc1", "foo", "1.0.0"), null))
        .getAllowed()).isTrue();
    assertDenied(admit(review("UPDATE", "ManagedAddOn", "mc1", "foo", managed("mc1", "foo", "1.2.0"),
        managed("mc1", "foo", "1.0.0"))), 403, "InvalidVersion",
        "no release 1.2.0 of add-on foo; available: 1.0.0, 1.1.0, 1.10.0-rc.1");
  }

  @Test
  void aReleasePublishedAMomentAgoCounts() throws Exception {
    client.resource(release("foo", "3.0.0")).create();
    assertThat(admit(review("CREATE", "FleetAddOn", null, "foo", fleet("foo", "3.0.0"), null)).getAllowed()).isTrue();
  }

  @Test
  void theAnswerIsAnAdmissionReviewWithOnlyAResponse() throws Exception {
    AdmissionReview review = review("CREATE", "FleetAddOn", null, "foo", fleet("foo", "1.9.0"), null);
    var answer = WebhookTestSupport.post(http, webhook.getPort(), AddOnAdmission.PATH,
        client.getKubernetesSerialization().asJson(review));
    @SuppressWarnings("unchecked")
    Map<String, Object> json = client.getKubernetesSerialization().unmarshal(answer.body(), Map.class);
    assertThat(json).containsOnlyKeys("apiVersion", "kind", "response");
    @SuppressWarnings("unchecked")
    Map<String, Object> response = (Map<String, Object>) json.get("response");
    assertThat(response).containsOnlyKeys("uid", "allowed", "status");
    assertThat(response.get("status")).asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP)
        .containsEntry("status", "Failure").containsEntry("code", 403).containsEntry("reason", "InvalidVersion");
  }

  @Test
  void anObjectThatDoesNotParseIsABadRequest() throws Exception {
    Map<String, Object> broken = Map.of("apiVersion", "addon.flotilla.io/v1alpha1", "kind", "FleetAddOn",
        "metadata", Map.of("name", "foo"), "spec", Map.of("version", "1.1.0", "rolloutStrategy", Map.of("type", "Sometimes")));
    AdmissionResponse r = admit(review("CREATE", "FleetAddOn", null, "foo", broken, null));
    assertThat(r.getAllowed()).isFalse();
    assertThat(r.getStatus().getCode()).isEqualTo(400);
    assertThat(r.getStatus().getMessage()).startsWith("the FleetAddOn in the request cannot be read: ").contains("Sometimes");
  }

  @Test
  void serverSpeaksOnlyTlsToClientsTrustingTheBundleAndOnlyAdmissionReviews() throws Exception {
    int port = webhook.getPort();
    assertThat(WebhookTestSupport.post(port, "/healthz", null, trusted).body()).isEqualTo("ok");
    assertThat(WebhookTestSupport.post(port, AddOnAdmission.PATH, null, trusted).status()).isEqualTo(405);
    assertThat(WebhookTestSupport.post(port, "/validate-nothing", "{}", trusted).status()).isEqualTo(404);
    var garbage = WebhookTestSupport.post(port, AddOnAdmission.PATH, "{not json", trusted);
    assertThat(garbage.status()).isEqualTo(400);
    assertThat(garbage.body()).contains("AdmissionReview");

    // a client that trusts another CA refuses the server's certificate
    var stranger = CertificateIssuer.newCa("stranger", java.time.Instant.now(), Duration.ofHours(1));
    assertThatThrownBy(() -> WebhookTestSupport.post(port, "/healthz", null, List.of(stranger.certificate())))
        .isInstanceOf(SSLHandshakeException.class);
    // the certificate names the Service and the sandbox's loopback names
    X509Certificate presented = WebhookTestSupport.post(port, "/healthz", null, trusted).presented();
    assertThat(CertificateIssuer.subjectAltNames(presented)).containsExactlyInAnyOrder(
        "flotilla-webhook.flotilla-system.svc", "flotilla-webhook.flotilla-system.svc.cluster.local", "localhost",
        "127.0.0.1");
  }

  @Test
  void configurationSendsTheThreeKindsToThisServerWithTheBundle() {
    ValidatingWebhookConfiguration c = client.admissionRegistration().v1().validatingWebhookConfigurations()
        .withName("flotilla-hub").get();
    assertThat(c.getWebhooks()).hasSize(1);
    ValidatingWebhook w = c.getWebhooks().get(0);
    assertThat(w.getName()).isEqualTo("addons.webhook.flotilla.io");
    assertThat(w.getSideEffects()).isEqualTo("None");
    assertThat(w.getFailurePolicy()).isEqualTo("Fail");
    assertThat(w.getAdmissionReviewVersions()).containsExactly("v1");
    assertThat(w.getRules()).singleElement().satisfies(rule -> {
      assertThat(rule.getApiGroups()).containsExactly("addon.flotilla.io");
      assertThat(rule.getApiVersions()).containsExactly("v1alpha1");
      assertThat(rule.getOperations()).containsExactly("CREATE", "UPDATE");
      assertThat(rule.getResources()).containsExactlyInAnyOrder("addonreleases", "fleetaddons", "managedaddons");
    });
    assertThat(w.getClientConfig().getUrl()).isEqualTo("https://127.0.0.1:" + webhook.getPort() + "/validate-addons");
    assertThat(w.getClientConfig().getService()).isNull();
    assertThat(configurationBundle(client)).containsExactlyElementsOf(secretBundle(client));

    // nothing changed: a check does not rewrite it
    String version = c.getMetadata().getResourceVersion();
    webhook.checkCertificates();
    assertThat(client.admissionRegistration().v1().validatingWebhookConfigurations().withName("flotilla-hub").get()
        .getMetadata().getResourceVersion()).isEqualTo(version);
  }

  @Test
  void inAClusterTheConfigurationPointsAtTheService() {
    var desired = WebhookConfigurations.desired("flotilla-hub", webhook.endpoints(),
        new WebhookConfigurations.ServiceTarget("flotilla-system", "flotilla-webhook", 443), "PEM");
    var client = desired.getWebhooks().get(0).getClientConfig();
    assertThat(client.getUrl()).isNull();
    assertThat(client.getService().getNamespace()).isEqualTo("flotilla-system");
    assertThat(client.getService().getName()).isEqualTo("flotilla-webhook");
    assertThat(client.getService().getPort()).isEqualTo(443);
    assertThat(client.getService().getPath()).isEqualTo("/validate-addons");
    assertThat(new String(Base64.getDecoder().decode(client.getCaBundle()), StandardCharsets.UTF_8)).isEqualTo("PEM");
  }

  @Test
  void aRestartedWebhookServesTheSameCertificate() throws Exception {
    X509Certificate before = WebhookTestSupport.post(webhook.getPort(), "/healthz", null, trusted).presented();
    String secretVersion = client.secrets().inNamespace("flotilla-system").withName("flotilla-webhook-tls").get()
        .getMetadata().getResourceVersion();
    webhook.close();
    webhook = new AdmissionWebhook(client, AdmissionWebhookConfig.sandbox().withRotation(Duration.ofHours(1), null));
    webhook.start();
    X509Certificate after = WebhookTestSupport.post(webhook.getPort(), "/healthz", null, trusted).presented();
    assertThat(after).isEqualTo(before);
    assertThat(client.secrets().inNamespace("flotilla-system").withName("flotilla-webhook-tls").get()
        .getMetadata().getResourceVersion()).isEqualTo(secretVersion);
    // the configuration follows the new port
    assertThat(client.admissionRegistration().v1().validatingWebhookConfigurations().withName("flotilla-hub").get()
        .getWebhooks().get(0).getClientConfig().getUrl()).endsWith(":" + webhook.getPort() + "/validate-addons");
  }
}
