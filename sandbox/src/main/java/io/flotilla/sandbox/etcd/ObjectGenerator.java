package io.flotilla.sandbox.etcd;

import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.SplittableRandom;

/**
 * Generates Kubernetes-shaped JSON objects for {@link EtcdSeeder}. Hand-written JSON (not Jackson) because a 256 MiB
 * seed means tens of thousands of objects; all strings come from fixed vocabularies so nothing needs escaping.
 */
final class ObjectGenerator {
  record Entry(String key, String json) {}

  private static final String[] NAMESPACES = {
      "default", "kube-system", "openshift-monitoring", "openshift-ingress", "openshift-dns", "openshift-console",
      "openshift-image-registry", "openshift-operators", "cert-manager", "payments", "checkout", "inventory",
      "search", "analytics", "frontend", "backend", "batch-jobs", "observability"};
  private static final String[] APPS = {
      "api", "web", "worker", "cache", "gateway", "scheduler", "exporter", "controller", "indexer", "ledger",
      "notifier", "auth", "proxy", "collector", "reporter"};
  private static final String[] IMAGES = {
      "quay.io/openshift-release-dev/ocp-v4.0-art-dev", "registry.k8s.io/pause", "docker.io/library/nginx",
      "quay.io/prometheus/node-exporter", "registry.redhat.io/ubi9/ubi-minimal", "ghcr.io/example/payments-api"};
  private static final String[] WORDS = {
      "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet", "kilo", "lima",
      "mike", "november", "oscar", "papa", "quebec", "romeo", "sierra", "tango", "uniform", "victor", "whiskey"};
  private static final String HEX = "0123456789abcdef";
  /** Weighted resource mix, roughly what a busy cluster's etcd holds. */
  private static final String[] RESOURCES = {
      "configmaps", "configmaps", "secrets", "secrets", "pods", "pods", "pods", "deployments", "replicasets",
      "services", "events", "events", "events", "leases", "serviceaccounts"};

  private final SplittableRandom random;
  private final Instant epoch = Instant.parse("2026-01-01T00:00:00Z");
  private long index;

  ObjectGenerator(long seed) { this.random = new SplittableRandom(seed); }

  Entry next() {
    long i = index++;
    String resource = RESOURCES[random.nextInt(RESOURCES.length)];
    String ns = pick(NAMESPACES);
    String app = pick(APPS);
    // The index makes every key unique; the random part makes names look like generated ones.
    String name = app + "-" + Long.toString(i, 36) + "-" + hex(5);
    StringBuilder json = new StringBuilder(4096);
    switch (resource) {
      case "configmaps" -> configMap(json, ns, name, app, i % 40 == 0);
      case "secrets" -> secret(json, ns, name, app);
      case "pods" -> pod(json, ns, name, app);
      case "deployments", "replicasets" -> deployment(json, resource, ns, name, app);
      case "services" -> service(json, ns, name, app);
      case "events" -> event(json, ns, name, app);
      case "leases" -> lease(json, ns, name);
      default -> serviceAccount(json, ns, name, app);
    }
    return new Entry(EtcdSeeder.REGISTRY_PREFIX + resource + "/" + ns + "/" + name, json.toString());
  }

  private void configMap(StringBuilder b, String ns, String name, String app, boolean large) {
    b.append("{\"kind\":\"ConfigMap\",\"apiVersion\":\"v1\",");
    metadata(b, ns, name, app);
    b.append(",\"data\":{");
    int entries = large ? 4 : 1 + random.nextInt(6);
    for (int e = 0; e < entries; e++) {
      if (e > 0) {
        b.append(',');
      }
      b.append('"').append(pick(WORDS)).append(e).append(".properties\":\"");
      // Large config maps (dashboards, CA bundles, rule files) are 64-256 KiB; typical ones a few hundred bytes.
      int lines = large ? 1000 + random.nextInt(3000) : 3 + random.nextInt(25);
      for (int l = 0; l < lines; l++) {
        b.append(pick(WORDS)).append('.').append(pick(WORDS)).append('=').append(random.nextInt(100_000)).append("\\n");
      }
      b.append('"');
    }
    b.append("}}");
  }

  private void secret(StringBuilder b, String ns, String name, String app) {
    b.append("{\"kind\":\"Secret\",\"apiVersion\":\"v1\",");
    metadata(b, ns, name, app);
    b.append(",\"type\":\"Opaque\",\"data\":{");
    int entries = 1 + random.nextInt(4);
    for (int e = 0; e < entries; e++) {
      if (e > 0) {
        b.append(',');
      }
      b.append("\"").append(pick(WORDS)).append("\":\"");
      // Base64-looking text of a derived (non-secret) value; real secrets would be encrypted blobs anyway.
      int len = 24 + random.nextInt(2000);
      for (int c = 0; c < len; c++) {
        b.append(BASE64_CHARS.charAt(random.nextInt(64)));
      }
      b.append("\"");
    }
    b.append("}}");
  }

  private static final String BASE64_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

  private void pod(StringBuilder b, String ns, String name, String app) {
    b.append("{\"kind\":\"Pod\",\"apiVersion\":\"v1\",");
    metadata(b, ns, name, app);
    b.append(",\"spec\":{");
    containers(b, app);
    b.append(",\"nodeName\":\"worker-").append(random.nextInt(12)).append("\",\"restartPolicy\":\"Always\"")
        .append(",\"serviceAccountName\":\"").append(app).append("\"},\"status\":{\"phase\":\"Running\",\"podIP\":\"10.128.")
        .append(random.nextInt(256)).append('.').append(random.nextInt(256)).append("\",\"startTime\":\"").append(time())
        .append("\",\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\",\"lastTransitionTime\":\"").append(time())
        .append("\"},{\"type\":\"ContainersReady\",\"status\":\"True\",\"lastTransitionTime\":\"").append(time())
        .append("\"}]}}");
  }

  private void deployment(StringBuilder b, String resource, String ns, String name, String app) {
    String kind = resource.equals("deployments") ? "Deployment" : "ReplicaSet";
    int replicas = 1 + random.nextInt(5);
    b.append("{\"kind\":\"").append(kind).append("\",\"apiVersion\":\"apps/v1\",");
    metadata(b, ns, name, app);
    b.append(",\"spec\":{\"replicas\":").append(replicas).append(",\"selector\":{\"matchLabels\":{\"app\":\"")
        .append(app).append("\"}},\"template\":{\"metadata\":{\"labels\":{\"app\":\"").append(app).append("\"}},\"spec\":{");
    containers(b, app);
    b.append("}}},\"status\":{\"replicas\":").append(replicas).append(",\"readyReplicas\":").append(replicas)
        .append(",\"availableReplicas\":").append(replicas).append(",\"observedGeneration\":1}}");
  }

  private void service(StringBuilder b, String ns, String name, String app) {
    b.append("{\"kind\":\"Service\",\"apiVersion\":\"v1\",");
    metadata(b, ns, name, app);
    b.append(",\"spec\":{\"type\":\"ClusterIP\",\"clusterIP\":\"172.30.").append(random.nextInt(256)).append('.')
        .append(random.nextInt(256)).append("\",\"selector\":{\"app\":\"").append(app)
        .append("\"},\"ports\":[{\"name\":\"http\",\"protocol\":\"TCP\",\"port\":80,\"targetPort\":")
        .append(8000 + random.nextInt(1000)).append("}]}}");
  }

  private void event(StringBuilder b, String ns, String name, String app) {
    b.append("{\"kind\":\"Event\",\"apiVersion\":\"v1\",");
    metadata(b, ns, name, app);
    b.append(",\"involvedObject\":{\"kind\":\"Pod\",\"namespace\":\"").append(ns).append("\",\"name\":\"").append(app)
        .append('-').append(hex(5)).append("\",\"uid\":\"").append(uid()).append("\"},\"reason\":\"")
        .append(random.nextBoolean() ? "Pulled" : "Scheduled").append("\",\"message\":\"Successfully assigned ")
        .append(ns).append('/').append(app).append(" to worker-").append(random.nextInt(12))
        .append("\",\"source\":{\"component\":\"kubelet\"},\"firstTimestamp\":\"").append(time())
        .append("\",\"lastTimestamp\":\"").append(time()).append("\",\"count\":").append(1 + random.nextInt(20))
        .append(",\"type\":\"Normal\"}");
  }

  private void lease(StringBuilder b, String ns, String name) {
    b.append("{\"kind\":\"Lease\",\"apiVersion\":\"coordination.k8s.io/v1\",\"metadata\":{\"name\":\"").append(name)
        .append("\",\"namespace\":\"").append(ns).append("\",\"uid\":\"").append(uid()).append("\",\"resourceVersion\":\"")
        .append(1000 + index).append("\"},\"spec\":{\"holderIdentity\":\"").append(name).append('_').append(uid())
        .append("\",\"leaseDurationSeconds\":137,\"renewTime\":\"").append(time()).append("\"}}");
  }

  private void serviceAccount(StringBuilder b, String ns, String name, String app) {
    b.append("{\"kind\":\"ServiceAccount\",\"apiVersion\":\"v1\",");
    metadata(b, ns, name, app);
    b.append(",\"secrets\":[{\"name\":\"").append(name).append("-dockercfg-").append(hex(5)).append("\"}]}");
  }

  private void metadata(StringBuilder b, String ns, String name, String app) {
    String created = time();
    b.append("\"metadata\":{\"name\":\"").append(name).append("\",\"namespace\":\"").append(ns)
        .append("\",\"uid\":\"").append(uid()).append("\",\"resourceVersion\":\"").append(1000 + index)
        .append("\",\"creationTimestamp\":\"").append(created).append("\",\"labels\":{\"app\":\"").append(app)
        .append("\",\"app.kubernetes.io/part-of\":\"").append(pick(WORDS)).append("\",\"pod-template-hash\":\"")
        .append(hex(10)).append("\"},\"annotations\":{\"openshift.io/generated-by\":\"").append(pick(WORDS))
        .append("\",\"kubectl.kubernetes.io/last-applied-configuration\":\"{\\\"apiVersion\\\":\\\"v1\\\",\\\"metadata\\\":{\\\"name\\\":\\\"")
        .append(name).append("\\\"}}\"},\"managedFields\":[");
    int managers = 1 + random.nextInt(3);
    for (int m = 0; m < managers; m++) {
      if (m > 0) {
        b.append(',');
      }
      b.append("{\"manager\":\"").append(m == 0 ? "kube-controller-manager" : pick(APPS) + "-operator")
          .append("\",\"operation\":\"Update\",\"apiVersion\":\"v1\",\"time\":\"").append(created)
          .append("\",\"fieldsType\":\"FieldsV1\",\"fieldsV1\":{\"f:metadata\":{\"f:labels\":{\".\":{},\"f:app\":{}}},\"f:")
          .append(pick(WORDS)).append("\":{}}}");
    }
    b.append("]}");
  }

  private void containers(StringBuilder b, String app) {
    b.append("\"containers\":[");
    int count = 1 + random.nextInt(3);
    for (int c = 0; c < count; c++) {
      if (c > 0) {
        b.append(',');
      }
      b.append("{\"name\":\"").append(c == 0 ? app : pick(WORDS)).append("\",\"image\":\"").append(pick(IMAGES))
          .append("@sha256:").append(hex(64)).append("\",\"ports\":[{\"containerPort\":").append(8000 + random.nextInt(1000))
          .append(",\"protocol\":\"TCP\"}],\"env\":[");
      int env = 2 + random.nextInt(10);
      for (int e = 0; e < env; e++) {
        if (e > 0) {
          b.append(',');
        }
        b.append("{\"name\":\"").append(pick(WORDS).toUpperCase()).append('_').append(e).append("\",\"value\":\"")
            .append(pick(WORDS)).append('-').append(random.nextInt(1000)).append("\"}");
      }
      b.append("],\"resources\":{\"requests\":{\"cpu\":\"").append(10 * (1 + random.nextInt(50)))
          .append("m\",\"memory\":\"").append(64 * (1 + random.nextInt(16))).append("Mi\"}},\"imagePullPolicy\":\"IfNotPresent\"}");
    }
    b.append(']');
  }

  private String pick(String[] values) { return values[random.nextInt(values.length)]; }

  private String hex(int length) {
    StringBuilder s = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      s.append(HEX.charAt(random.nextInt(16)));
    }
    return s.toString();
  }

  private String uid() { return hex(8) + "-" + hex(4) + "-4" + hex(3) + "-a" + hex(3) + "-" + hex(12); }

  private String time() {
    return DateTimeFormatter.ISO_INSTANT.format(epoch.plus(random.nextInt(30 * 24 * 3600), ChronoUnit.SECONDS));
  }
}
