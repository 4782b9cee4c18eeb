package io.flotilla.hub.webhook;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.flotilla.hub.webhook.CertificateIssuer.Issued;
import io.flotilla.hub.webhook.CertificateRotation.Decision;
import io.flotilla.hub.webhook.CertificateRotation.Policy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The webhook's CA and serving certificate, kept in a Secret so a restarted hub-manager or a new leader reuses them
 * rather than invalidating the bundle the API server holds. Each {@link #reconcile()} reads the Secret, applies at
 * most one {@link CertificateRotation} step, and writes it back with optimistic locking, so replicas checking at
 * the same time cannot both rotate.
 */
public final class WebhookCertificates {
  public static final String SECRET_NAME = "flotilla-webhook-tls";
  public static final String CA_NAME = "flotilla-webhook-ca";

  private static final Logger log = LoggerFactory.getLogger(WebhookCertificates.class);
  private static final int ATTEMPTS = 3;

  private final KubernetesClient hub;
  private final String namespace;
  private final String secretName;
  private final Set<String> names;
  private final Policy policy;
  private final Clock clock;

  /** What a reconcile left in the Secret and the decision that led there. */
  public record Result(TlsMaterial material, Decision decision) {}

  public WebhookCertificates(KubernetesClient hub, String namespace, String secretName, List<String> names,
                             Policy policy, Clock clock) {
    this.hub = Objects.requireNonNull(hub, "hub");
    this.namespace = Objects.requireNonNull(namespace, "namespace");
    this.secretName = Objects.requireNonNull(secretName, "secretName");
    this.names = new LinkedHashSet<>(names);
    if (this.names.isEmpty()) {
      throw new IllegalArgumentException("the serving certificate needs at least one name");
    }
    this.policy = Objects.requireNonNull(policy, "policy");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** The names the serving certificate carries, the first one also its common name. */
  public List<String> names() { return List.copyOf(names); }

  /** The material in the Secret now, or null when there is none (or none usable); changes nothing. */
  public TlsMaterial current() {
    return read(hub.secrets().inNamespace(namespace).withName(secretName).get());
  }

  /** Reads the Secret, takes at most one rotation step, writes the Secret back; returns what it now holds. */
  public Result reconcile() {
    KubernetesClientException last = null;
    for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
      Secret secret = hub.secrets().inNamespace(namespace).withName(secretName).get();
      TlsMaterial current = read(secret);
      Instant now = clock.instant();
      Decision decision = CertificateRotation.decide(current, names, now, policy);
      if (!decision.changes()) {
        return new Result(current, decision);
      }
      TlsMaterial next = apply(decision.step(), current, names, now, policy);
      try {
        write(secret, next);
        log.info("webhook certificates: {} ({}); now {}", decision.step(), decision.reason(), next);
        return new Result(next, decision);
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409) {
          throw e;
        }
        // another replica wrote first: decide again on what it wrote
        last = e;
      }
    }
    throw new IllegalStateException("Secret " + namespace + "/" + secretName + " kept changing under us", last);
  }

  /** The material a step produces from the current one. */
  static TlsMaterial apply(CertificateRotation.Step step, TlsMaterial current, Set<String> names, Instant now,
                           Policy policy) {
    switch (step) {
      case ISSUE_ALL -> {
        Issued ca = CertificateIssuer.newCa(CA_NAME, now, policy.caLifetime());
        Issued serving = CertificateIssuer.newServing(ca, names, now, policy.servingLifetime());
        return new TlsMaterial(ca.certificate(), ca.key(), List.of(), serving.certificate(), serving.key());
      }
      case ROTATE_CA -> {
        Issued ca = CertificateIssuer.newCa(CA_NAME, now, policy.caLifetime());
        List<X509Certificate> retired = new ArrayList<>();
        for (X509Certificate c : current.bundle()) {
          if (!CertificateRotation.expired(c, now)) {
            retired.add(c);
          }
        }
        return new TlsMaterial(ca.certificate(), ca.key(), retired, current.servingCertificate(), current.servingKey());
      }
      case REISSUE_SERVING -> {
        Issued serving = CertificateIssuer.newServing(new Issued(current.caCertificate(), current.caKey()), names, now,
            policy.servingLifetime());
        return new TlsMaterial(current.caCertificate(), current.caKey(), current.retiredCas(), serving.certificate(),
            serving.key());
      }
      case DROP_RETIRED_CAS -> {
        return new TlsMaterial(current.caCertificate(), current.caKey(), List.of(), current.servingCertificate(),
            current.servingKey());
      }
      default -> {
        return current;
      }
    }
  }

  /** The material in the Secret, or null when there is none or it cannot be read (it is then replaced). */
  TlsMaterial read(Secret secret) {
    if (secret == null || secret.getData() == null) {
      return null;
    }
    Map<String, String> plain = new HashMap<>();
    try {
      secret.getData().forEach((k, v) -> plain.put(k, new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8)));
      return TlsMaterial.fromSecretData(plain);
    } catch (IllegalArgumentException e) {
      log.warn("Secret {}/{} does not hold usable webhook certificates ({}); issuing new ones", namespace, secretName,
          e.getMessage());
      return null;
    }
  }

  private void write(Secret existing, TlsMaterial material) {
    Map<String, String> data = new HashMap<>();
    material.toSecretData().forEach((k, v) -> data.put(k, Base64.getEncoder().encodeToString(v.getBytes(StandardCharsets.UTF_8))));
    if (existing == null) {
      hub.secrets().inNamespace(namespace).resource(new SecretBuilder()
          .withNewMetadata().withName(secretName).withNamespace(namespace)
          .addToLabels("app.kubernetes.io/managed-by", "flotilla-hub-manager")
          .addToLabels("app.kubernetes.io/component", "webhook")
          .endMetadata()
          .withType("kubernetes.io/tls")
          .withData(data)
          .build()).create();
    } else {
      Secret next = new SecretBuilder(existing).withData(data).build();
      // update() sends the resourceVersion we read: a concurrent writer makes this fail with 409
      hub.secrets().inNamespace(namespace).resource(next).update();
    }
  }
}
