package io.flotilla.hub.webhook;

import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.X509ExtendedKeyManager;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.Collections;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A server key manager whose certificate and key can be swapped while the server runs: each handshake asks for the
 * current one. The alias names a generation, so a handshake that chose its alias just before a swap still gets a
 * key and chain that belong together.
 */
final class RotatingKeyManager extends X509ExtendedKeyManager {
  private static final String ALIAS_PREFIX = "flotilla-webhook-";

  private record Identity(String alias, PrivateKey key, X509Certificate[] chain) {}

  private final AtomicLong generation = new AtomicLong();
  private final AtomicReference<Identity> current = new AtomicReference<>();
  /** The identity before the last swap, for handshakes in flight across it. */
  private final AtomicReference<Identity> previous = new AtomicReference<>();
  private volatile SSLContext context;

  /** Serves {@code certificate}; returns false (and changes nothing) if it is already being served. */
  boolean use(X509Certificate certificate, PrivateKey key) {
    Identity now = current.get();
    if (now != null && now.chain()[0].equals(certificate)) {
      return false;
    }
    Identity next = new Identity(ALIAS_PREFIX + generation.incrementAndGet(), key, new X509Certificate[] {certificate});
    previous.set(now);
    current.set(next);
    SSLContext ctx = context;
    if (ctx != null) {
      // without this a client could resume a session and never see the new certificate
      invalidateAll(ctx.getServerSessionContext());
    }
    return true;
  }

  X509Certificate certificate() {
    Identity id = current.get();
    return id == null ? null : id.chain()[0];
  }

  /** A TLS context that presents whatever this key manager holds at handshake time. */
  SSLContext sslContext() {
    try {
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(new KeyManager[] {this}, null, null);
      context = ctx;
      return ctx;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot create the webhook TLS context", e);
    }
  }

  private static void invalidateAll(SSLSessionContext sessions) {
    for (byte[] id : Collections.list(sessions.getIds())) {
      var session = sessions.getSession(id);
      if (session != null) {
        session.invalidate();
      }
    }
  }

  private String alias(String keyType) {
    Identity id = current.get();
    return id != null && keyType != null && keyType.equals(id.key().getAlgorithm()) ? id.alias() : null;
  }

  private Identity byAlias(String alias) {
    for (Identity id : new Identity[] {current.get(), previous.get()}) {
      if (id != null && id.alias().equals(alias)) {
        return id;
      }
    }
    return null;
  }

  @Override
  public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
    return alias(keyType);
  }

  @Override
  public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
    return alias(keyType);
  }

  @Override
  public String[] getServerAliases(String keyType, Principal[] issuers) {
    String alias = alias(keyType);
    return alias == null ? null : new String[] {alias};
  }

  @Override
  public X509Certificate[] getCertificateChain(String alias) {
    Identity id = byAlias(alias);
    return id == null ? null : Arrays.copyOf(id.chain(), id.chain().length);
  }

  @Override
  public PrivateKey getPrivateKey(String alias) {
    Identity id = byAlias(Objects.requireNonNullElse(alias, ""));
    return id == null ? null : id.key();
  }

  // a server only: never a client identity

  @Override
  public String[] getClientAliases(String keyType, Principal[] issuers) { return null; }

  @Override
  public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) { return null; }

  @Override
  public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) { return null; }
}
