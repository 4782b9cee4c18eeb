package io.flotilla.hub.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.GroupVersionKind;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReview;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReviewBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.flotilla.api.addon.v1alpha1.AddOnRelease;
import io.flotilla.api.addon.v1alpha1.AddOnReleaseSpec;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/** A real TLS client for the webhook, and the hub fixtures the webhook tests share. */
final class WebhookTestSupport {
  private WebhookTestSupport() {}

  static final String[] ADDON_CRDS = {"addonreleases.addon.flotilla.io", "fleetaddons.addon.flotilla.io",
      "managedaddons.addon.flotilla.io"};

  /** An answer and the certificate the server presented on that (new) connection. */
  record Answer(int status, String body, X509Certificate presented) {}

  static void registerCrds(KubernetesClient client) throws Exception {
    for (String name : ADDON_CRDS) {
      try (InputStream in = WebhookTestSupport.class.getResourceAsStream("/META-INF/fabric8/" + name + "-v1.yml")) {
        assertThat(in).as(name).isNotNull();
        client.resource(client.getKubernetesSerialization().unmarshal(in, CustomResourceDefinition.class)).create();
      }
    }
  }

  static AddOnRelease release(String addOn, String version) {
    AddOnRelease r = new AddOnRelease();
    r.setMetadata(new ObjectMetaBuilder().withName(AddOnRelease.nameFor(addOn, version)).build());
    AddOnReleaseSpec spec = new AddOnReleaseSpec();
    spec.addOn = addOn;
    spec.version = version;
    spec.manifests = new ArrayList<>(List.of(new HashMap<>(Map.of("apiVersion", "v1", "kind", "ConfigMap",
        "metadata", Map.of("name", addOn)))));
    r.setSpec(spec);
    return r;
  }

  static AdmissionReview review(String operation, String kind, String namespace, String name, Object object,
                                Object oldObject) {
    return new AdmissionReviewBuilder().withApiVersion("admission.k8s.io/v1").withKind("AdmissionReview")
        .withNewRequest()
        .withUid(UUID.randomUUID().toString())
        .withKind(new GroupVersionKind(AddOnRelease.GROUP, kind, AddOnRelease.VERSION))
        .withOperation(operation).withNamespace(namespace).withName(name)
        .withObject(object).withOldObject(oldObject)
        .endRequest().build();
  }

  /** The CA bundle as the Secret holds it. */
  static List<X509Certificate> secretBundle(KubernetesClient client) {
    return TlsMaterial.certificates(secretValue(client, TlsMaterial.CA_CRT));
  }

  static X509Certificate secretServing(KubernetesClient client) {
    return TlsMaterial.certificates(secretValue(client, TlsMaterial.TLS_CRT)).get(0);
  }

  static String secretValue(KubernetesClient client, String key) {
    Secret s = client.secrets().inNamespace("flotilla-system").withName(WebhookCertificates.SECRET_NAME).get();
    assertThat(s).as("webhook Secret").isNotNull();
    return new String(Base64.getDecoder().decode(s.getData().get(key)), StandardCharsets.UTF_8);
  }

  /** The CA bundle as the API server would read it from the ValidatingWebhookConfiguration. */
  static List<X509Certificate> configurationBundle(KubernetesClient client) {
    ValidatingWebhookConfiguration c = client.admissionRegistration().v1().validatingWebhookConfigurations()
        .withName(WebhookConfigurations.NAME).get();
    assertThat(c).as("ValidatingWebhookConfiguration").isNotNull();
    String pem = new String(Base64.getDecoder().decode(c.getWebhooks().get(0).getClientConfig().getCaBundle()),
        StandardCharsets.UTF_8);
    return TlsMaterial.certificates(pem);
  }

  /** POSTs over a new HttpClient (so a new TLS connection and no resumed session) trusting only {@code trusted}. */
  static Answer post(int port, String path, String body, List<X509Certificate> trusted) throws Exception {
    return post(client(trusted), port, path, body);
  }

  /** An HTTP client trusting only {@code trusted}; it keeps its connections between calls. */
  static HttpClient client(List<X509Certificate> trusted) throws Exception {
    return HttpClient.newBuilder().sslContext(trusting(trusted)).build();
  }

  static Answer post(HttpClient http, int port, String path, String body) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + path))
        .header("Content-Type", "application/json")
        .method(body == null ? "GET" : "POST",
            body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
        .build();
    HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
    X509Certificate presented = (X509Certificate) response.sslSession().orElseThrow().getPeerCertificates()[0];
    return new Answer(response.statusCode(), response.body(), presented);
  }

  static SSLContext trusting(List<X509Certificate> cas) throws Exception {
    KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
    store.load(null, null);
    for (int i = 0; i < cas.size(); i++) {
      store.setCertificateEntry("ca-" + i, cas.get(i));
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(store);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    return ctx;
  }
}
