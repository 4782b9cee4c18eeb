package io.flotilla.sandbox.hypershift;

import io.fabric8.kubernetes.api.model.EndpointsBuilder;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.flotilla.sandbox.etcd.EtcdSeeder;
import org.bouncycastle.util.encoders.Base32;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.Map;

/**
 * The objects a hosted cluster's kube-apiserver stores for itself and its clients, as registry keys and JSON values
 * (docs/hypershift-facts.md §8.2–§8.5; JSON under {@code /registry}, as the sandbox's seed, where HyperShift stores
 * protobuf under {@code kubernetes.io}).
 */
final class RegistryObjects {
  record Entry(String key, String json) {}

  /** Who created an object and when: kept across renewals, as the API server keeps uid and creationTimestamp. */
  record Origin(String uid, Instant created) {}

  static final String IDENTITY_LABEL = "apiserver.kubernetes.io/identity";
  /** HyperShift's default advertise address and kube-apiserver port, what the kubernetes Endpoints hold (§8.4). */
  static final String ADVERTISE_ADDRESS = "172.20.0.1";
  static final int KAS_PORT = 6443;
  private static final KubernetesSerialization JSON = new KubernetesSerialization();

  private RegistryObjects() {}

  /**
   * {@code apiserver-<id>}: the lower-case, unpadded base32 of the first 16 bytes of SHA-256 over the length-prefixed
   * host name and "kube-apiserver" (§8.2).
   */
  static String identityLeaseName(String hostname) {
    ByteArrayOutputStream data = new ByteArrayOutputStream();
    lengthPrefixed(data, hostname);
    lengthPrefixed(data, "kube-apiserver");
    try {
      byte[] hash = MessageDigest.getInstance("SHA-256").digest(data.toByteArray());
      byte[] first16 = java.util.Arrays.copyOf(hash, 16);
      return "apiserver-" + Base32.toBase32String(first16).replace("=", "").toLowerCase(Locale.ROOT);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A kube-apiserver instance's identity Lease in kube-system: 3600 s, renewed every 10 s (§8.2). */
  static Entry identityLease(String hostname, String holder, Origin origin, Instant renewed) {
    String name = identityLeaseName(hostname);
    return lease("kube-system", name, origin, Map.of(IDENTITY_LABEL, "kube-apiserver", "kubernetes.io/hostname", hostname),
        holder, 3600, origin.created(), renewed);
  }

  /** The kube-controller-manager's or kube-scheduler's leader-election Lease in kube-system: 15 s (§8.2). */
  static Entry leaderElectionLease(String component, String holder, Origin origin, Instant renewed) {
    return lease("kube-system", component, origin, Map.of(), holder, 15, origin.created(), renewed);
  }

  /** A kubelet's Lease in kube-node-lease: 40 s, renewed every 10 s (§8.2). */
  static Entry nodeLease(String node, Origin origin, Instant renewed) {
    return lease("kube-node-lease", node, origin, Map.of(), node, 40, null, renewed);
  }

  /** What the scheduler reports for a pod: "Scheduled" onto a node, or "FailedScheduling" when there is none. */
  static Entry schedulingEvent(String namespace, String pod, String node, String uid, Instant at) {
    boolean scheduled = node != null;
    // client-go names an event after its object and the time: <name>.<nanoseconds in hex>
    String name = pod + "." + Long.toHexString(at.getEpochSecond() * 1_000_000_000L + at.getNano());
    var event = new EventBuilder()
        .withMetadata(meta(namespace, name, new Origin(uid, at), Map.of()))
        .withNewInvolvedObject().withKind("Pod").withNamespace(namespace).withName(pod).withApiVersion("v1")
        .endInvolvedObject()
        .withType(scheduled ? "Normal" : "Warning")
        .withReason(scheduled ? "Scheduled" : "FailedScheduling")
        .withMessage(scheduled ? "Successfully assigned " + namespace + "/" + pod + " to " + node
            : "0/0 nodes are available: no nodes available to schedule pods.")
        .withNewSource().withComponent("default-scheduler").endSource()
        .withReportingComponent("default-scheduler")
        .withFirstTimestamp(at.toString()).withLastTimestamp(at.toString()).withCount(1)
        .build();
    return new Entry(EtcdSeeder.REGISTRY_PREFIX + "events/" + namespace + "/" + name, JSON.asJson(event));
  }

  /** default/kubernetes Endpoints as the hosted-cluster-config-operator writes them (§8.4). */
  static Entry kubernetesEndpoints(Origin origin) {
    var endpoints = new EndpointsBuilder()
        .withMetadata(meta("default", "kubernetes", origin, Map.of("endpointslice.kubernetes.io/skip-mirror", "true")))
        .addNewSubset().addNewAddress().withIp(ADVERTISE_ADDRESS).endAddress()
        .addNewPort().withName("https").withPort(KAS_PORT).withProtocol("TCP").endPort().endSubset()
        .build();
    return new Entry(EtcdSeeder.REGISTRY_PREFIX + "services/endpoints/default/kubernetes", JSON.asJson(endpoints));
  }

  /** default/kubernetes EndpointSlice as the hosted-cluster-config-operator writes it (§8.4). */
  static Entry kubernetesEndpointSlice(Origin origin) {
    var slice = new EndpointSliceBuilder()
        .withMetadata(meta("default", "kubernetes", origin, Map.of("kubernetes.io/service-name", "kubernetes")))
        .withAddressType("IPv4")
        .addNewEndpoint().withAddresses(ADVERTISE_ADDRESS).withNewConditions().withReady(true).endConditions().endEndpoint()
        .addNewPort().withName("https").withPort(KAS_PORT).withProtocol("TCP").endPort()
        .build();
    return new Entry(EtcdSeeder.REGISTRY_PREFIX + "endpointslices/default/kubernetes", JSON.asJson(slice));
  }

  private static Entry lease(String namespace, String name, Origin origin, Map<String, String> labels, String holder,
                             int durationSeconds, Instant acquired, Instant renewed) {
    var lease = new LeaseBuilder()
        .withMetadata(meta(namespace, name, origin, labels))
        .withNewSpec().withHolderIdentity(holder).withLeaseDurationSeconds(durationSeconds)
        .withAcquireTime(acquired == null ? null : micro(acquired))
        .withRenewTime(micro(renewed)).endSpec()
        .build();
    return new Entry(EtcdSeeder.REGISTRY_PREFIX + "leases/" + namespace + "/" + name, JSON.asJson(lease));
  }

  /** A Lease's MicroTime: microseconds, UTC. */
  private static ZonedDateTime micro(Instant t) {
    return t.truncatedTo(ChronoUnit.MICROS).atZone(ZoneOffset.UTC);
  }

  private static ObjectMeta meta(String namespace, String name, Origin origin, Map<String, String> labels) {
    return new ObjectMetaBuilder().withNamespace(namespace).withName(name).withUid(origin.uid())
        .withCreationTimestamp(origin.created().truncatedTo(ChronoUnit.SECONDS).toString())
        .withLabels(labels.isEmpty() ? null : labels).build();
  }

  private static void lengthPrefixed(ByteArrayOutputStream out, String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    out.write((b.length >> 8) & 0xff);
    out.write(b.length & 0xff);
    out.write(b, 0, b.length);
  }
}
