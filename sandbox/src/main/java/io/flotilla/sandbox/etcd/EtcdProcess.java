package io.flotilla.sandbox.etcd;

import io.etcd.jetcd.Client;
import io.flotilla.sandbox.tls.Pki;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;

/** One running etcd. {@link #close()} stops it (SIGTERM, then SIGKILL) and is idempotent; the data stays on disk. */
public final class EtcdProcess implements AutoCloseable {
  private static final long GRACE_MILLIS = 5_000;

  private final String memberName;
  private final Process process;
  private final int port;
  private final Path dataDir;
  private final Path etcdDataDir;
  private final EtcdTls tls;
  private final AtomicBoolean closed = new AtomicBoolean();

  EtcdProcess(String memberName, Process process, int port, Path dataDir, Path etcdDataDir, EtcdTls tls) {
    this.memberName = memberName;
    this.process = process;
    this.port = port;
    this.dataDir = dataDir;
    this.etcdDataDir = etcdDataDir;
    this.tls = tls;
  }

  public String memberName() { return memberName; }

  public String endpoint() { return "https://127.0.0.1:" + port; }

  public int port() { return port; }

  public long pid() { return process.pid(); }

  public boolean isAlive() { return process.isAlive(); }

  public EtcdTls tls() { return tls; }

  /** The directory given to {@link EtcdLauncher#start}: holds data/, tls/ and etcd.log. */
  public Path dataDir() { return dataDir; }

  /** etcd's own --data-dir. */
  public Path etcdDataDir() { return etcdDataDir; }

  public Path logFile() { return dataDir.resolve("etcd.log"); }

  /** A jetcd client authenticated with the client certificate. The caller closes it. */
  public Client newClient() {
    try {
      return Client.builder()
          .endpoints(endpoint())
          .sslContext(b -> b
              .trustManager(stream(tls.caPem()))
              .keyManager(stream(tls.clientCertPem()), stream(tls.clientKeyPem())))
          .build();
    } catch (javax.net.ssl.SSLException e) {
      throw new IllegalStateException("cannot build etcd client TLS context", e);
    }
  }

  void awaitHealthy(Duration timeout) {
    HttpClient http = HttpClient.newBuilder().sslContext(mtlsContext()).connectTimeout(Duration.ofSeconds(2)).build();
    HttpRequest request = HttpRequest.newBuilder(URI.create(endpoint() + "/health")).timeout(Duration.ofSeconds(2)).build();
    Instant deadline = Instant.now().plus(timeout);
    String lastError = "no answer";
    while (Instant.now().isBefore(deadline)) {
      if (!process.isAlive()) {
        throw new IllegalStateException("etcd " + memberName + " exited with " + process.exitValue() + ": "
            + EtcdLauncher.tail(logFile(), 5).orElse("(no log)"));
      }
      try {
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() == 200 && response.body().contains("\"health\":\"true\"")) {
          return;
        }
        lastError = "HTTP " + response.statusCode() + " " + response.body();
      } catch (Exception e) {
        lastError = e.toString();
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for etcd", e);
      }
    }
    throw new IllegalStateException("etcd " + memberName + " not healthy after " + timeout + ": " + lastError);
  }

  /** A JDK SSLContext with the client certificate, for /health and other HTTP endpoints of etcd. */
  public SSLContext mtlsContext() {
    try {
      char[] password = new char[0];
      KeyStore keys = KeyStore.getInstance("PKCS12");
      keys.load(null, null);
      keys.setKeyEntry("client", Pki.parsePrivateKey(tls.clientKeyPem()), password,
          new Certificate[] {Pki.parseCertificate(tls.clientCertPem())});
      KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(keys, password);
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(Pki.trustStore(Pki.parseCertificate(tls.caPem())));
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
      return context;
    } catch (Exception e) {
      throw new IllegalStateException("cannot build etcd mTLS context", e);
    }
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      ProcessRegistry.stop(process, GRACE_MILLIS);
    }
  }

  private static ByteArrayInputStream stream(String pem) {
    return new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII));
  }

  @Override
  public String toString() { return "EtcdProcess[" + memberName + ", pid " + pid() + ", " + endpoint() + "]"; }
}
