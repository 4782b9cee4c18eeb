package io.flotilla.agent.storage;

import com.github.luben.zstd.ZstdOutputStream;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.PutOption;
import net.jpountz.lz4.LZ4FrameOutputStream;

import java.io.IOException;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * Measures the codec candidates for the etcd snapshot on a realistic snapshot: a real etcd filled with
 * Kubernetes-like JSON under /registry/..., saved with {@code etcdctl snapshot save}. Run by hand (not a test):
 *
 * <pre>
 * java -cp "$(cat cp.txt):spoke-agent/target/classes:spoke-agent/target/test-classes" \
 *   io.flotilla.agent.storage.CodecMeasurement [MiB]
 * </pre>
 *
 * Prints, per codec, compression throughput (MiB/s of raw input, single thread, output discarded, best of
 * {@value #ROUNDS} rounds so the JIT and AES-GCM intrinsics are warm, as in a long-running agent) and ratio, plus
 * the time of {@code etcdctl snapshot save} and of SHA-256 and Tink streaming AEAD over the same bytes, because the
 * pipeline's budget is relative to the snapshot save.
 */
public final class CodecMeasurement {
  private static final int ROUNDS = 6;

  public static void main(String[] args) throws Exception {
    long targetMiB = args.length > 0 ? Long.parseLong(args[0]) : 64;
    Path dir = Files.createTempDirectory("codec-measurement");
    int clientPort = freePort();
    int peerPort = freePort();
    String endpoint = "http://127.0.0.1:" + clientPort;
    Process etcd = new ProcessBuilder("/usr/bin/etcd", "--name", "m", "--data-dir", dir.resolve("data").toString(),
        "--listen-client-urls", endpoint, "--advertise-client-urls", endpoint,
        "--listen-peer-urls", "http://127.0.0.1:" + peerPort,
        "--initial-advertise-peer-urls", "http://127.0.0.1:" + peerPort,
        "--initial-cluster", "m=http://127.0.0.1:" + peerPort, "--quota-backend-bytes", String.valueOf(8L << 30))
        .redirectErrorStream(true).redirectOutput(dir.resolve("etcd.log").toFile()).start();
    try (Client client = Client.builder().endpoints(endpoint).build()) {
      long seeded = seed(client, targetMiB << 20);
      System.out.printf("seeded %d MiB of JSON values%n", seeded >> 20);
      Path snapshot = dir.resolve("snapshot.db");
      long saveNanos = Long.MAX_VALUE;
      for (int i = 0; i < ROUNDS; i++) {
        Files.deleteIfExists(snapshot);
        long t0 = System.nanoTime();
        Process save = new ProcessBuilder("etcdctl", "--endpoints", endpoint, "snapshot", "save", snapshot.toString())
            .redirectErrorStream(true).redirectOutput(dir.resolve("save.log").toFile()).start();
        if (save.waitFor() != 0) {
          throw new IllegalStateException("etcdctl snapshot save failed: " + Files.readString(dir.resolve("save.log")));
        }
        saveNanos = Math.min(saveNanos, System.nanoTime() - t0);
      }
      byte[] raw = Files.readAllBytes(snapshot);
      double rawMiB = raw.length / 1048576.0;
      System.out.printf("snapshot: %.1f MiB; etcdctl snapshot save: %.2f s (%.0f MiB/s) on %d cores%n",
          rawMiB, saveNanos / 1e9, rawMiB / (saveNanos / 1e9), Runtime.getRuntime().availableProcessors());
      System.out.printf("%-14s %10s %8s %10s%n", "codec", "MiB/s", "ratio", "stored MiB");
      measure("zstd-1", raw, out -> zstd(out, 1));
      measure("zstd-3", raw, out -> zstd(out, 3));
      measure("lz4 (frame)", raw, LZ4FrameOutputStream::new);
      measure("gzip-1", raw, out -> gzip(out, 1));
      measure("gzip-6", raw, out -> gzip(out, 6));
      long best = Long.MAX_VALUE;
      for (int i = 0; i < ROUNDS; i++) {
        long t0 = System.nanoTime();
        MessageDigest.getInstance("SHA-256").digest(raw);
        best = Math.min(best, System.nanoTime() - t0);
      }
      System.out.printf("%-14s %10.0f%n", "sha-256", rawMiB / (best / 1e9));
      BackupEncryption enc = BackupEncryption.clientSide(KeyEncryptionKey.generateForTest("measure"));
      // What the pipeline's thread does per raw byte (codec first, so the cipher sees only the compressed bytes).
      measure("zstd-1+tink", raw, out -> zstd(enc.encrypt(out, "measure"), 1));
      measure("lz4+tink", raw, out -> new LZ4FrameOutputStream(enc.encrypt(out, "measure")));
      measure("gzip-1+tink", raw, out -> gzip(enc.encrypt(out, "measure"), 1));
      // Alone, after the rows above warmed the AES-GCM intrinsics (cold, the first ~200 MiB run at ~75 MiB/s).
      measure("tink-aead", raw, out -> enc.encrypt(out, "measure"));
      pipeline(client, dir, saveNanos, enc);
    } finally {
      etcd.destroy();
      etcd.waitFor(10, TimeUnit.SECONDS);
      deleteTree(dir);
    }
  }

  /**
   * The whole pipeline (jetcd snapshot → SHA-256 → zstd-1 → Tink → SHA-256 → multipart upload into a filesystem
   * S3Proxy on this machine), against the same etcd, compared with {@code etcdctl snapshot save}.
   */
  private static void pipeline(Client client, Path dir, long saveNanos, BackupEncryption enc) throws Exception {
    java.util.Properties props = new java.util.Properties();
    Path blobs = Files.createDirectories(dir.resolve("s3"));
    props.setProperty("jclouds.filesystem.basedir", blobs.toString());
    props.setProperty("jclouds.identity", "measure");
    props.setProperty("jclouds.credential", "measure-secret");
    var blobStore = org.gaul.s3proxy.BlobStores.create("filesystem", props);
    blobStore.createContainer("backups");
    var proxy = org.gaul.s3proxy.S3Proxy.builder().blobStore(blobStore)
        .awsAuthentication(org.gaul.s3proxy.auth.AuthenticationType.AWS_V4, "measure", "measure-secret")
        .endpoint(java.net.URI.create("http://127.0.0.1:0")).ignoreUnknownHeaders(true).build();
    proxy.start();
    while (!"STARTED".equals(proxy.getState())) {
      Thread.sleep(10);
    }
    try (var s3 = S3Clients.create(java.net.URI.create("http://127.0.0.1:" + proxy.getPort()), "us-east-1", true,
        "measure", "measure-secret")) {
      long best = Long.MAX_VALUE;
      SnapshotFigures figures = null;
      for (int i = 0; i < ROUNDS; i++) {
        long t0 = System.nanoTime();
        figures = new SnapshotPipeline(s3, "backups", Codec.ZSTD, enc)
            .upload(new EtcdSnapshotSource(client), "m/snap-" + i, BackupLayout.SNAPSHOT_ROLE, null);
        best = Math.min(best, System.nanoTime() - t0);
      }
      System.out.printf("pipeline (jetcd→zstd-1→tink→S3Proxy): %.2f s for %.1f MiB raw → %.1f MiB stored; "
              + "%.2f × etcdctl snapshot save; S3Proxy runs in this JVM on the same cores%n", best / 1e9,
          figures.rawBytes() / 1048576.0, figures.storedBytes() / 1048576.0, (double) best / saveNanos);
    } finally {
      proxy.stop();
    }
  }

  interface Wrap {
    OutputStream wrap(OutputStream out) throws IOException;
  }

  private static void measure(String name, byte[] raw, Wrap codec) throws IOException {
    long best = Long.MAX_VALUE;
    long stored = 0;
    for (int i = 0; i < ROUNDS; i++) {
      CountingSink sink = new CountingSink();
      long t0 = System.nanoTime();
      try (OutputStream out = codec.wrap(sink)) {
        // 64 KiB writes, as the pipeline's copy loop does.
        for (int off = 0; off < raw.length; off += 65536) {
          out.write(raw, off, Math.min(65536, raw.length - off));
        }
      }
      best = Math.min(best, System.nanoTime() - t0);
      stored = sink.count;
    }
    double rawMiB = raw.length / 1048576.0;
    System.out.printf("%-14s %10.0f %8.2f %10.1f%n", name, rawMiB / (best / 1e9), (double) raw.length / stored,
        stored / 1048576.0);
  }

  private static OutputStream zstd(OutputStream out, int level) throws IOException {
    return new ZstdOutputStream(out, level);
  }

  private static OutputStream gzip(OutputStream out, int level) throws IOException {
    return new GZIPOutputStream(out, 65536) {
      { def.setLevel(level); }
    };
  }

  private static final class CountingSink extends OutputStream {
    long count;

    @Override public void write(int b) { count++; }

    @Override public void write(byte[] b, int off, int len) { count += len; }
  }

  /** Kubernetes-like objects: pods, config maps, secrets, events, CRs; same seed, same bytes. */
  static long seed(Client client, long targetBytes) throws Exception {
    Random random = new Random(42);
    long bytes = 0;
    int n = 0;
    List<CompletableFuture<?>> pending = new ArrayList<>();
    List<Op> batch = new ArrayList<>();
    int batchBytes = 0;
    while (bytes < targetBytes) {
      String[] kinds = {"pods", "configmaps", "secrets", "events", "deployments", "hypershift.openshift.io/hostedcontrolplanes"};
      String kind = kinds[random.nextInt(kinds.length)];
      String ns = "ns-" + random.nextInt(40);
      String name = kind.replaceAll(".*/", "").replaceAll("s$", "") + "-" + Long.toHexString(random.nextLong() & 0xffffffffL);
      String json = object(random, kind, ns, name);
      byte[] value = json.getBytes(StandardCharsets.UTF_8);
      if (batch.size() >= 100 || batchBytes + value.length > (1 << 20)) {
        pending.add(client.getKVClient().txn().Then(batch.toArray(Op[]::new)).commit());
        batch = new ArrayList<>();
        batchBytes = 0;
        if (pending.size() >= 4) {
          pending.remove(0).get(60, TimeUnit.SECONDS);
        }
      }
      batch.add(Op.put(ByteSequence.from("/registry/" + kind + "/" + ns + "/" + name, StandardCharsets.UTF_8),
          ByteSequence.from(value), PutOption.DEFAULT));
      batchBytes += value.length;
      bytes += value.length;
      n++;
    }
    if (!batch.isEmpty()) {
      pending.add(client.getKVClient().txn().Then(batch.toArray(Op[]::new)).commit());
    }
    for (CompletableFuture<?> f : pending) {
      f.get(60, TimeUnit.SECONDS);
    }
    return bytes;
  }

  private static String object(Random r, String kind, String ns, String name) {
    StringBuilder s = new StringBuilder(2048);
    s.append("{\"kind\":\"").append(kind).append("\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"").append(name)
        .append("\",\"namespace\":\"").append(ns).append("\",\"uid\":\"").append(new UUID(r.nextLong(), r.nextLong()))
        .append("\",\"resourceVersion\":\"").append(r.nextInt(1 << 30)).append("\",\"creationTimestamp\":\"2026-0")
        .append(1 + r.nextInt(9)).append('-').append(10 + r.nextInt(18)).append('T').append(10 + r.nextInt(13))
        .append(":").append(10 + r.nextInt(49)).append(":").append(10 + r.nextInt(49)).append("Z\",\"labels\":{")
        .append("\"app\":\"app-").append(r.nextInt(300)).append("\",\"pod-template-hash\":\"")
        .append(Long.toString(r.nextLong() & 0xffffffffffL, 36)).append("\"},\"managedFields\":[{\"manager\":\"kube-controller-manager\",")
        .append("\"operation\":\"Update\",\"apiVersion\":\"v1\",\"fieldsType\":\"FieldsV1\",\"fieldsV1\":{\"f:metadata\":{\"f:labels\":{\".\":{},\"f:app\":{}}},")
        .append("\"f:spec\":{\"f:containers\":{\"k:{\\\"name\\\":\\\"main\\\"}\":{\".\":{},\"f:image\":{},\"f:name\":{},\"f:resources\":{}}}}}}]},");
    switch (kind) {
      case "secrets" -> {
        byte[] blob = new byte[256 + r.nextInt(3000)];
        r.nextBytes(blob);
        s.append("\"type\":\"kubernetes.io/tls\",\"data\":{\"tls.crt\":\"")
            .append(java.util.Base64.getEncoder().encodeToString(blob)).append("\"}}");
      }
      case "configmaps" -> {
        s.append("\"data\":{\"config.yaml\":\"");
        int lines = 10 + r.nextInt(120);
        for (int i = 0; i < lines; i++) {
          s.append("  option").append(r.nextInt(50)).append(": value-").append(Integer.toHexString(r.nextInt())).append("\\n");
        }
        s.append("\"}}");
      }
      case "events" -> s.append("\"reason\":\"").append(r.nextBoolean() ? "Scheduled" : "Pulled")
          .append("\",\"message\":\"Successfully assigned ").append(ns).append('/').append(name).append(" to node-")
          .append(r.nextInt(64)).append("\",\"count\":").append(r.nextInt(20)).append(",\"type\":\"Normal\"}");
      default -> {
        s.append("\"spec\":{\"containers\":[");
        int containers = 1 + r.nextInt(3);
        for (int i = 0; i < containers; i++) {
          if (i > 0) s.append(',');
          s.append("{\"name\":\"c").append(i).append("\",\"image\":\"quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:")
              .append(Long.toHexString(r.nextLong())).append(Long.toHexString(r.nextLong())).append(Long.toHexString(r.nextLong()))
              .append("\",\"args\":[\"--v=2\",\"--port=").append(1000 + r.nextInt(60000)).append("\"],\"env\":[{\"name\":\"NODE_NAME\",")
              .append("\"valueFrom\":{\"fieldRef\":{\"fieldPath\":\"spec.nodeName\"}}}],\"resources\":{\"requests\":{\"cpu\":\"")
              .append(10 * (1 + r.nextInt(50))).append("m\",\"memory\":\"").append(16 * (1 + r.nextInt(64))).append("Mi\"}}}");
        }
        s.append("]},\"status\":{\"phase\":\"Running\",\"podIP\":\"10.").append(r.nextInt(256)).append('.').append(r.nextInt(256))
            .append('.').append(r.nextInt(256)).append("\",\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"}]}}");
      }
    }
    return s.toString();
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    try (var paths = Files.walk(dir)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  private CodecMeasurement() {}
}
