package io.flotilla.sandbox.ocm.addon;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenRequest;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.flotilla.api.foreign.ocm.ManagedClusterAddOn;
import io.flotilla.common.Conditions;
import io.flotilla.common.StatusWriter;
import io.flotilla.common.Time;
import io.flotilla.hub.cluster.ClusterRegistration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The klusterlet's add-on registration on one management cluster (ocm's pkg/registration/spoke/addon with the token
 * driver, docs/ocm-facts.md §I1.4 item 5, §I7.5): for each ManagedClusterAddOn of its cluster with a KubeClient
 * registration it declares the token driver ({@code status.kubeClientDriver: token}) and the subject, the ServiceAccount
 * {@code <addon>-agent} in the cluster namespace; once the hub has made that ServiceAccount it mints a token for it
 * through the hub's TokenRequest API and writes the Secret {@code <addon>-hub-kubeconfig} in the add-on's install
 * namespace on the spoke: keys {@code kubeconfig} (the hub, its CA, the token; namespace the cluster's), {@code token},
 * {@code cluster-name}, {@code agent-name}. The token is renewed at 80% of its lifetime, and {@link #rotate} renews it
 * at once. The Secret goes when the add-on does.
 *
 * <p>Why the token driver: the sandbox's hub issues ServiceAccount tokens (the identity mechanism `flotilla cluster
 * add` uses) and signs no CSRs. The kubeconfig carries the token inline, so a client that reads the file once works;
 * one that reads it again on a 401 or a file change gets the rotated token without a restart.
 */
public final class AddOnRegistrationAgent implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AddOnRegistrationAgent.class);
  /** OCM's default token lifetime (ocm's register/token/options.go). */
  public static final Duration DEFAULT_TOKEN_LIFETIME = Duration.ofDays(365);
  public static final Duration DEFAULT_RESYNC = Duration.ofSeconds(1);
  /** Sandbox bookkeeping on the Secret: which add-on it is for, and when its token was issued and expires. */
  public static final String ADDON_LABEL = "ocm.sandbox.flotilla.io/addon";
  public static final String ISSUED_ANNOTATION = "ocm.sandbox.flotilla.io/token-issued";
  public static final String EXPIRES_ANNOTATION = "ocm.sandbox.flotilla.io/token-expires";
  /** Refresh once this share of the lifetime has passed (the website's token driver: 80%). */
  static final double REFRESH_AT = 0.8;

  private final String clusterName;
  private final KubernetesClient hub;
  private final KubernetesClient spoke;
  private final Clock clock;
  private final Duration tokenLifetime;
  private final Duration resync;
  private final List<SharedIndexInformer<?>> informers = new ArrayList<>();
  private ControlLoop loop;

  public AddOnRegistrationAgent(String clusterName, KubernetesClient hub, KubernetesClient spoke) {
    this(clusterName, hub, spoke, Clock.systemUTC(), DEFAULT_TOKEN_LIFETIME, DEFAULT_RESYNC);
  }

  /**
   * @param hub           a client for the hub with the cluster's own rights (its agents' tokens, its MCAs' status)
   * @param spoke         a client for the management cluster
   * @param tokenLifetime the expirationSeconds asked of the TokenRequest API (OCM's minimum is 10 minutes)
   */
  public AddOnRegistrationAgent(String clusterName, KubernetesClient hub, KubernetesClient spoke, Clock clock,
                                Duration tokenLifetime, Duration resync) {
    this.clusterName = Objects.requireNonNull(clusterName, "clusterName");
    this.hub = Objects.requireNonNull(hub, "hub");
    this.spoke = Objects.requireNonNull(spoke, "spoke");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.tokenLifetime = Objects.requireNonNull(tokenLifetime, "tokenLifetime");
    this.resync = Objects.requireNonNull(resync, "resync");
  }

  public synchronized void start() {
    if (loop != null) {
      return;
    }
    loop = new ControlLoop("ocm-addon-registration-" + clusterName, this::reconcile);
    informers.add(hub.resources(ManagedClusterAddOn.class).inNamespace(clusterName).inform(new ResourceEventHandler<>() {
      @Override public void onAdd(ManagedClusterAddOn o) { loop.trigger(); }

      @Override public void onUpdate(ManagedClusterAddOn a, ManagedClusterAddOn b) { loop.trigger(); }

      @Override public void onDelete(ManagedClusterAddOn o, boolean unknown) { loop.trigger(); }
    }, 0));
    loop.every(resync);
    loop.trigger();
    LOG.info("OCM add-on registration started on {}", clusterName);
  }

  @Override
  public synchronized void close() {
    informers.forEach(SharedIndexInformer::close);
    informers.clear();
    if (loop != null) {
      loop.close();
      loop = null;
    }
  }

  /** One pass over the cluster's add-ons. */
  public synchronized void reconcile() {
    List<ManagedClusterAddOn> addons = hub.resources(ManagedClusterAddOn.class).inNamespace(clusterName).list().getItems();
    Set<String> live = addons.stream().filter(a -> a.getMetadata().getDeletionTimestamp() == null)
        .map(a -> a.getMetadata().getName()).collect(Collectors.toSet());
    for (ManagedClusterAddOn addon : addons) {
      if (addon.getMetadata().getDeletionTimestamp() != null) {
        continue;
      }
      try {
        register(addon, false);
      } catch (RuntimeException e) {
        LOG.warn("add-on registration {}: {}: {}", clusterName, addon.getMetadata().getName(), e.toString());
      }
    }
    // the add-on is gone: so is its hub credential (ocm's stopRegistration)
    for (Secret secret : spoke.secrets().inAnyNamespace().withLabel(ADDON_LABEL).list().getItems()) {
      String addon = secret.getMetadata().getLabels().get(ADDON_LABEL);
      if (!live.contains(addon)) {
        Patches.quietly(() -> spoke.resource(secret).delete());
        LOG.info("add-on registration {}: {} removed, Secret {}/{} deleted", clusterName, addon,
            secret.getMetadata().getNamespace(), secret.getMetadata().getName());
      }
    }
  }

  /**
   * Re-issues the add-on's hub credential now and rewrites its Secret on the spoke; the agent that mounts it sees the
   * new file without a restart. The old token is not revoked (TokenRequest tokens live until they expire).
   *
   * @return when the new token expires
   * @throws IllegalStateException when the add-on has no hub credential yet (not registered, or the hub has not made
   *                               its ServiceAccount)
   */
  public synchronized Instant rotate(String addonName) {
    ManagedClusterAddOn addon = hub.resources(ManagedClusterAddOn.class).inNamespace(clusterName).withName(addonName).get();
    if (addon == null) {
      throw new IllegalStateException("no ManagedClusterAddOn " + clusterName + "/" + addonName);
    }
    return register(addon, true).orElseThrow(() -> new IllegalStateException("add-on " + clusterName + "/" + addonName
        + " has no hub credential yet: the hub has not made its ServiceAccount, or its install namespace is missing"));
  }

  /** The Secret's token's expiry when one was written this time. */
  private Optional<Instant> register(ManagedClusterAddOn addon, boolean force) {
    String name = addon.getMetadata().getName();
    ManagedClusterAddOn.Status status = addon.getStatus();
    if (RegistrationPlan.existing(status, ManagedClusterAddOn.KUBE_APISERVER_CLIENT_SIGNER).isEmpty()) {
      return Optional.empty();
    }
    ManagedClusterAddOn.Subject subject = RegistrationPlan.tokenSubject(clusterName, name);
    boolean declared = ManagedClusterAddOn.DRIVER_TOKEN.equals(status.kubeClientDriver)
        && RegistrationPlan.existing(status, ManagedClusterAddOn.KUBE_APISERVER_CLIENT_SIGNER)
            .map(r -> Manifests.toMap(subject).equals(r.subject == null ? null : Manifests.toMap(r.subject))).orElse(false);
    if (!declared) {
      // ensureDriver and ensureSubject: the hub keeps this subject from now on (docs/ocm-facts.md §I7.5)
      addon = StatusWriter.update(hub, ManagedClusterAddOn.class, clusterName, name, (read, s) -> {
        if (s == null || s.registrations == null) {
          return s == null ? new ManagedClusterAddOn.Status() : s;
        }
        s.kubeClientDriver = ManagedClusterAddOn.DRIVER_TOKEN;
        s.registrations.stream().filter(r -> ManagedClusterAddOn.KUBE_APISERVER_CLIENT_SIGNER.equals(r.signerName))
            .forEach(r -> r.subject = subject);
        return s;
      });
      if (addon == null) {
        return Optional.empty();
      }
      status = addon.getStatus();
    }
    String namespace = status.namespace;
    if (!Conditions.isTrue(status.conditions, AddOnNames.TOKEN_INFRASTRUCTURE_READY) || namespace == null
        || namespace.isEmpty() || spoke.namespaces().withName(namespace).get() == null) {
      return Optional.empty(); // the hub's ServiceAccount, or the namespace the work creates, is not there yet
    }
    String secretName = AddOnNames.hubKubeconfigSecret(name);
    Secret secret = spoke.secrets().inNamespace(namespace).withName(secretName).get();
    if (!force && !due(secret, name)) {
      return Optional.empty();
    }
    TokenRequest request = new TokenRequestBuilder().withNewSpec().withExpirationSeconds(tokenLifetime.toSeconds())
        .endSpec().build();
    TokenRequest response = hub.serviceAccounts().inNamespace(clusterName).withName(AddOnNames.agent(name))
        .tokenRequest(request);
    if (response == null || response.getStatus() == null || response.getStatus().getToken() == null) {
      throw new IllegalStateException("the hub returned no token for " + clusterName + "/" + AddOnNames.agent(name));
    }
    String token = response.getStatus().getToken();
    // by this agent's clock, so the renewal point follows it (the server's expiry is the same lifetime)
    Instant issued = clock.instant();
    Instant expires = issued.plus(tokenLifetime);
    Map<String, String> data = new LinkedHashMap<>();
    data.put(AddOnNames.SECRET_KUBECONFIG, ClusterRegistration.agentKubeconfig(hub.getConfiguration(), token, clusterName));
    data.put(AddOnNames.SECRET_TOKEN, token);
    data.put(AddOnNames.SECRET_CLUSTER_NAME, clusterName);
    data.put(AddOnNames.SECRET_AGENT_NAME, AddOnNames.agent(name));
    Secret next = new SecretBuilder().withNewMetadata().withName(secretName).withNamespace(namespace)
        .withLabels(Map.of(ADDON_LABEL, name))
        .withAnnotations(Map.of(ISSUED_ANNOTATION, Time.format(issued), EXPIRES_ANNOTATION, Time.format(expires)))
        // data, not stringData: the sandbox's API server stores stringData as given instead of folding it into data
        .endMetadata().withType("Opaque").withData(encode(data)).build();
    if (secret == null) {
      spoke.resource(next).create();
    } else {
      next.getMetadata().setResourceVersion(secret.getMetadata().getResourceVersion());
      spoke.resource(next).update();
    }
    LOG.info("add-on registration {}: {}: hub credential written to {}/{}, valid until {}", clusterName, name, namespace,
        secretName, expires);
    return Optional.of(expires);
  }

  /** A Secret without a token, for another cluster or agent, or past 80% of its token's lifetime. */
  private boolean due(Secret secret, String addon) {
    if (secret == null || secret.getData() == null || !secret.getData().containsKey(AddOnNames.SECRET_TOKEN)
        || !secret.getData().containsKey(AddOnNames.SECRET_KUBECONFIG)) {
      return true;
    }
    String cluster = decode(secret.getData().get(AddOnNames.SECRET_CLUSTER_NAME));
    String agent = decode(secret.getData().get(AddOnNames.SECRET_AGENT_NAME));
    if (!clusterName.equals(cluster) || !AddOnNames.agent(addon).equals(agent)) {
      return true;
    }
    Map<String, String> a = secret.getMetadata().getAnnotations();
    if (a == null || a.get(ISSUED_ANNOTATION) == null || a.get(EXPIRES_ANNOTATION) == null) {
      return true;
    }
    Instant issued = Time.parse(a.get(ISSUED_ANNOTATION));
    Instant expires = Time.parse(a.get(EXPIRES_ANNOTATION));
    long lifetime = Duration.between(issued, expires).toMillis();
    return !clock.instant().isBefore(issued.plusMillis((long) (lifetime * REFRESH_AT)));
  }

  private static Map<String, String> encode(Map<String, String> data) {
    Map<String, String> encoded = new LinkedHashMap<>();
    data.forEach((k, v) -> encoded.put(k, java.util.Base64.getEncoder()
        .encodeToString(v.getBytes(java.nio.charset.StandardCharsets.UTF_8))));
    return encoded;
  }

  private static String decode(String base64) {
    return base64 == null ? null
        : new String(java.util.Base64.getDecoder().decode(base64), java.nio.charset.StandardCharsets.UTF_8);
  }
}
