package io.flotilla.hub.webhook;

import io.fabric8.kubernetes.api.model.admissionregistration.v1.RuleWithOperations;

import java.util.List;
import java.util.Objects;

/**
 * One webhook of the hub's ValidatingWebhookConfiguration and the server path that answers it. Add-ons use
 * {@code /validate-addons}; the DR kinds get their own endpoint ({@code /validate-dr}) the same way.
 *
 * @param webhookName  the webhook's name in the configuration: fully qualified, e.g. addons.webhook.flotilla.io
 * @param path         the server path, starting with "/validate-"
 * @param rules        which kinds and operations the API server sends here
 * @param validator    what judges them
 */
public record WebhookEndpoint(String webhookName, String path, List<RuleWithOperations> rules,
                              AdmissionValidator validator) {
  public WebhookEndpoint {
    Objects.requireNonNull(webhookName, "webhookName");
    if (webhookName.split("\\.").length < 3) {
      throw new IllegalArgumentException("webhook name must be fully qualified (three labels or more): " + webhookName);
    }
    if (path == null || !path.startsWith("/validate-")) {
      throw new IllegalArgumentException("webhook path must start with /validate-, got " + path);
    }
    rules = List.copyOf(rules);
    if (rules.isEmpty()) {
      throw new IllegalArgumentException("webhook " + webhookName + " has no rules");
    }
    Objects.requireNonNull(validator, "validator");
  }
}
