package io.flotilla.hub.webhook;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.flotilla.hub.webhook.WebhookCertificates.Result;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The hub's validating admission webhook: certificates from {@link WebhookCertificates}, the HTTPS
 * {@link AdmissionWebhookServer}, and the ValidatingWebhookConfiguration kept pointing at it with the current CA
 * bundle. Every replica may run one (the Service spreads requests); the Secret is the shared state, so they serve
 * the same certificate and at most one of them rotates at a time.
 *
 * <p>Each check: publish the bundle already in the Secret (a rotation step relies on the previous one having
 * reached the API server), take at most one rotation step, publish again, and serve the serving certificate now
 * in the Secret.
 */
public final class AdmissionWebhook implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AdmissionWebhook.class);

  private final KubernetesClient hub;
  private final AdmissionWebhookConfig config;
  private final List<WebhookEndpoint> endpoints;
  private final WebhookCertificates certificates;
  private final WebhookConfigurations configurations;
  private final RotatingKeyManager keyManager = new RotatingKeyManager();
  private AdmissionWebhookServer server;
  private ScheduledExecutorService scheduler;

  /** The add-on webhook on the system clock. */
  public AdmissionWebhook(KubernetesClient hub, AdmissionWebhookConfig config) {
    this(hub, config, Clock.systemUTC(), List.of());
  }

  /**
   * @param extraEndpoints served next to the add-on webhook (e.g. {@code /validate-dr}), in the same configuration
   */
  public AdmissionWebhook(KubernetesClient hub, AdmissionWebhookConfig config, Clock clock,
                          List<WebhookEndpoint> extraEndpoints) {
    this.hub = Objects.requireNonNull(hub, "hub");
    this.config = Objects.requireNonNull(config, "config");
    List<WebhookEndpoint> all = new ArrayList<>();
    all.add(new AddOnAdmission(new ReleaseCatalog(hub), hub.getKubernetesSerialization()).endpoint());
    all.addAll(extraEndpoints);
    if (all.stream().map(WebhookEndpoint::path).distinct().count() != all.size()
        || all.stream().map(WebhookEndpoint::webhookName).distinct().count() != all.size()) {
      throw new IllegalArgumentException("webhook paths and names must be unique: " + all.stream()
          .map(e -> e.webhookName() + " " + e.path()).toList());
    }
    this.endpoints = List.copyOf(all);
    this.certificates = new WebhookCertificates(hub, config.namespace(), config.secretName(), config.names(),
        config.rotationPolicy(), clock);
    this.configurations = new WebhookConfigurations(hub, config.configurationName());
  }

  public AdmissionWebhookConfig config() { return config; }

  public List<WebhookEndpoint> endpoints() { return endpoints; }

  public synchronized void start() {
    if (server != null) {
      throw new IllegalStateException("admission webhook already started");
    }
    Result first = certificates.reconcile();
    keyManager.use(first.material().servingCertificate(), first.material().servingKey());
    Map<String, AdmissionValidator> routes = new LinkedHashMap<>();
    endpoints.forEach(e -> routes.put(e.path(), e.validator()));
    endpoints.forEach(e -> e.validator().start());
    AdmissionWebhookServer s = new AdmissionWebhookServer(routes, keyManager.sslContext(),
        hub.getKubernetesSerialization());
    try {
      s.start(config.bindAddress() == null ? new InetSocketAddress(config.port())
          : new InetSocketAddress(config.bindAddress(), config.port()));
      server = s;
      configurations.ensure(endpoints, target(), first.material().bundlePem());
    } catch (RuntimeException e) {
      close();
      s.close();
      throw e;
    }
    scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "flotilla-webhook-certificates");
      t.setDaemon(true);
      return t;
    });
    long interval = config.checkInterval().toMillis();
    scheduler.scheduleWithFixedDelay(this::checkQuietly, interval, interval, TimeUnit.MILLISECONDS);
  }

  /** One certificate check (the scheduler runs it every check interval); returns what it did. */
  public synchronized Result checkCertificates() {
    if (server == null) {
      throw new IllegalStateException("admission webhook not started");
    }
    TlsMaterial before = certificates.current();
    if (before != null) {
      configurations.ensure(endpoints, target(), before.bundlePem());
    }
    Result result = certificates.reconcile();
    configurations.ensure(endpoints, target(), result.material().bundlePem());
    if (keyManager.use(result.material().servingCertificate(), result.material().servingKey())) {
      log.info("admission webhook now serves {}", TlsMaterial.describe(result.material().servingCertificate()));
    }
    return result;
  }

  private void checkQuietly() {
    try {
      checkCertificates();
    } catch (RuntimeException e) {
      // the next check retries; serving goes on with the certificate it has
      log.warn("admission webhook certificate check failed: {}", e.toString());
    }
  }

  public synchronized int getPort() {
    if (server == null) {
      throw new IllegalStateException("admission webhook not started");
    }
    return server.getPort();
  }

  /** Where the API server is told to call. */
  public synchronized WebhookConfigurations.Target target() {
    if (config.urlHost() == null) {
      return new WebhookConfigurations.ServiceTarget(config.namespace(), config.serviceName(), config.servicePort());
    }
    String host = config.urlHost().contains(":") ? "[" + config.urlHost() + "]" : config.urlHost();
    return new WebhookConfigurations.UrlTarget("https://" + host + ":" + getPort());
  }

  @Override
  public synchronized void close() {
    if (scheduler != null) {
      scheduler.shutdownNow();
      scheduler = null;
    }
    if (server != null) {
      server.close();
      server = null;
    }
    for (WebhookEndpoint e : endpoints) {
      try {
        e.validator().close();
      } catch (RuntimeException ex) {
        log.debug("closing webhook {} failed: {}", e.webhookName(), ex.toString());
      }
    }
    // the ValidatingWebhookConfiguration stays: removing it would let writes through unvalidated while we restart
  }
}
