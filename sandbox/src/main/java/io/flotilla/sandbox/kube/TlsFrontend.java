package io.flotilla.sandbox.kube;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.PemKeyCertOptions;

import java.util.concurrent.TimeUnit;

/**
 * Terminates TLS with the sandbox's own certificate and pipes the plain bytes to the mock server on loopback.
 *
 * <p>Why: fabric8's MockWebServer 7.5.2 builds its Vert.x HttpServerOptions inside {@code start()} and, with HTTPS on,
 * always uses a fresh Vert.x SelfSignedCertificate; there is no hook to supply a key store. Clients would have to
 * trust-all. A byte-level TLS terminator in front keeps HTTP/1.1, chunked watch streams and WebSocket upgrades intact
 * and gives clients a CA they can verify. The mock's plain port listens on 127.0.0.1 only.
 */
final class TlsFrontend implements AutoCloseable {
  private final Vertx vertx;
  private final NetServer server;
  private final NetClient client;

  private TlsFrontend(Vertx vertx, NetServer server, NetClient client) {
    this.vertx = vertx;
    this.server = server;
    this.client = client;
  }

  static TlsFrontend start(String certificatePem, String privateKeyPem, int backendPort) {
    // One event loop is plenty for a sandbox and keeps the thread count down on small machines.
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1).setInternalBlockingPoolSize(1));
    NetClient client = vertx.createNetClient(new NetClientOptions().setTcpNoDelay(true));
    NetServer server = vertx.createNetServer(new NetServerOptions()
        .setHost("127.0.0.1").setPort(0).setTcpNoDelay(true).setSsl(true)
        .setKeyCertOptions(new PemKeyCertOptions()
            .setCertValue(Buffer.buffer(certificatePem))
            .setKeyValue(Buffer.buffer(privateKeyPem))));
    server.connectHandler(downstream -> {
      downstream.pause();
      client.connect(backendPort, "127.0.0.1").onComplete(result -> {
        if (result.failed()) {
          downstream.close();
          return;
        }
        NetSocket upstream = result.result();
        downstream.pipeTo(upstream);
        upstream.pipeTo(downstream);
        downstream.resume();
      });
    });
    try {
      server.listen().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      vertx.close();
      throw new IllegalStateException("cannot start the TLS front of the mock API server", e);
    }
    return new TlsFrontend(vertx, server, client);
  }

  int port() { return server.actualPort(); }

  @Override
  public void close() {
    try {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      // Closing is best effort: the sockets die with the event loop anyway.
    }
  }
}
