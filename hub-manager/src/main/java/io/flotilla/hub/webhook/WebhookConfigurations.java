package io.flotilla.hub.webhook;

import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhook;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfigurationBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.WebhookClientConfig;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.WebhookClientConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Objects;

/**
 * The hub's ValidatingWebhookConfiguration ({@value #NAME}): one webhook per {@link WebhookEndpoint}, sent to the
 * webhook Service in a cluster or to a URL in the sandbox, with the current CA bundle. Rewritten only when it
 * differs, so calling {@link #ensure} on every certificate check is cheap.
 */
public final class WebhookConfigurations {
  public static final String NAME = "flotilla-hub";
  public static final int TIMEOUT_SECONDS = 10;

  private static final Logger log = LoggerFactory.getLogger(WebhookConfigurations.class);

  /** Where the API server sends admission requests. */
  public sealed interface Target permits ServiceTarget, UrlTarget {}

  /** The webhook Service in the hub cluster ({@code https://<name>.<namespace>.svc:<port><path>}). */
  public record ServiceTarget(String namespace, String name, int port) implements Target {}

  /** A URL for API servers that cannot reach a Service, e.g. the sandbox: {@code https://127.0.0.1:8443}. */
  public record UrlTarget(String baseUrl) implements Target {
    public UrlTarget {
      if (baseUrl == null || !baseUrl.startsWith("https://")) {
        throw new IllegalArgumentException("webhook URL must be https, got " + baseUrl);
      }
      baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
    }
  }

  private final KubernetesClient hub;
  private final String name;

  public WebhookConfigurations(KubernetesClient hub, String name) {
    this.hub = Objects.requireNonNull(hub, "hub");
    this.name = Objects.requireNonNull(name, "name");
  }

  /** The configuration as it should be. Every field the API server would default is set, so a read-back compares equal. */
  public static ValidatingWebhookConfiguration desired(String name, List<WebhookEndpoint> endpoints, Target target,
                                                       String caBundlePem) {
    String caBundle = Base64.getEncoder().encodeToString(caBundlePem.getBytes(StandardCharsets.UTF_8));
    return new ValidatingWebhookConfigurationBuilder()
        .withNewMetadata().withName(name)
        .addToLabels("app.kubernetes.io/managed-by", "flotilla-hub-manager")
        .endMetadata()
        .withWebhooks(endpoints.stream().map(e -> webhook(e, target, caBundle)).toList())
        .build();
  }

  private static ValidatingWebhook webhook(WebhookEndpoint endpoint, Target target, String caBundle) {
    WebhookClientConfigBuilder client = new WebhookClientConfigBuilder().withCaBundle(caBundle);
    if (target instanceof ServiceTarget s) {
      client.withNewService().withNamespace(s.namespace()).withName(s.name()).withPort(s.port())
          .withPath(endpoint.path()).endService();
    } else if (target instanceof UrlTarget u) {
      client.withUrl(u.baseUrl() + endpoint.path());
    }
    return new ValidatingWebhookBuilder()
        .withName(endpoint.webhookName())
        .withClientConfig(client.build())
        .withRules(endpoint.rules())
        .withAdmissionReviewVersions("v1")
        .withSideEffects("None")
        .withFailurePolicy("Fail")
        .withMatchPolicy("Equivalent")
        .withTimeoutSeconds(TIMEOUT_SECONDS)
        .build();
  }

  /** Creates or updates the configuration; returns true when it wrote. */
  public boolean ensure(List<WebhookEndpoint> endpoints, Target target, String caBundlePem) {
    ValidatingWebhookConfiguration want = desired(name, endpoints, target, caBundlePem);
    for (int attempt = 1; ; attempt++) {
      var resource = hub.admissionRegistration().v1().validatingWebhookConfigurations().withName(name);
      ValidatingWebhookConfiguration existing = resource.get();
      try {
        if (existing == null) {
          hub.admissionRegistration().v1().validatingWebhookConfigurations().resource(want).create();
          log.info("created ValidatingWebhookConfiguration {} ({} webhooks)", name, endpoints.size());
          return true;
        }
        if (sameWebhooks(existing.getWebhooks(), want.getWebhooks())) {
          return false;
        }
        ValidatingWebhookConfiguration next = new ValidatingWebhookConfigurationBuilder(existing)
            .editMetadata().addToLabels(want.getMetadata().getLabels()).endMetadata()
            .withWebhooks(want.getWebhooks())
            .build();
        hub.admissionRegistration().v1().validatingWebhookConfigurations().resource(next).update();
        log.info("updated ValidatingWebhookConfiguration {} (CA bundle or webhooks changed)", name);
        return true;
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409 || attempt >= 3) {
          throw e;
        }
      }
    }
  }

  /** Compares the fields this class sets, so the API server filling in defaults for others is no difference. */
  static boolean sameWebhooks(List<ValidatingWebhook> have, List<ValidatingWebhook> want) {
    if (have == null || have.size() != want.size()) {
      return false;
    }
    for (int i = 0; i < want.size(); i++) {
      ValidatingWebhook a = have.get(i);
      ValidatingWebhook b = want.get(i);
      if (!Objects.equals(a.getName(), b.getName())
          || !sameClient(a.getClientConfig(), b.getClientConfig())
          || !Objects.equals(a.getRules(), b.getRules())
          || !Objects.equals(a.getAdmissionReviewVersions(), b.getAdmissionReviewVersions())
          || !Objects.equals(a.getSideEffects(), b.getSideEffects())
          || !Objects.equals(a.getFailurePolicy(), b.getFailurePolicy())
          || !Objects.equals(a.getMatchPolicy(), b.getMatchPolicy())
          || !Objects.equals(a.getTimeoutSeconds(), b.getTimeoutSeconds())) {
        return false;
      }
    }
    return true;
  }

  private static boolean sameClient(WebhookClientConfig a, WebhookClientConfig b) {
    return a != null && Objects.equals(a.getCaBundle(), b.getCaBundle()) && Objects.equals(a.getUrl(), b.getUrl())
        && Objects.equals(a.getService(), b.getService());
  }
}
