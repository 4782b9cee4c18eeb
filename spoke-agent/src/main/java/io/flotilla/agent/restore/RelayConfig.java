package io.flotilla.agent.restore;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Objects;

/**
 * Where the agent's snapshot relay listens and how it is reached.
 *
 * @param bindAddress   address to listen on ("0.0.0.0" in a pod)
 * @param port          0 picks a free port
 * @param advertisedUrl base URL etcd-init uses, e.g. the agent's Route; null = https://localhost:&lt;port&gt;
 * @param sslContext    the serving certificate; etcd-init must trust its issuer
 */
public record RelayConfig(String bindAddress, int port, String advertisedUrl, SSLContext sslContext) {
  public RelayConfig {
    Objects.requireNonNull(bindAddress, "bindAddress");
    Objects.requireNonNull(sslContext, "sslContext");
  }

  /** A TLS server context from PEM text (certificate chain, PKCS#8 key), as a kubernetes.io/tls Secret holds them. */
  public static SSLContext serverContext(String certificateChainPem, String pkcs8KeyPem) {
    try {
      CertificateFactory cf = CertificateFactory.getInstance("X.509");
      Certificate[] chain = cf.generateCertificates(new ByteArrayInputStream(
          certificateChainPem.getBytes(StandardCharsets.US_ASCII))).toArray(new Certificate[0]);
      byte[] der = Base64.getMimeDecoder().decode(pkcs8KeyPem.replaceAll("-----[A-Z ]+-----", ""));
      PrivateKey key = null;
      for (String algorithm : new String[] {"EC", "RSA"}) {
        try {
          key = KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
          break;
        } catch (java.security.spec.InvalidKeySpecException e) {
          // try the next algorithm
        }
      }
      if (key == null) {
        throw new IllegalArgumentException("the relay key is neither an EC nor an RSA PKCS#8 key");
      }
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      store.setKeyEntry("relay", key, new char[0], chain);
      KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(store, new char[0]);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(kmf.getKeyManagers(), null, null);
      return context;
    } catch (java.security.GeneralSecurityException | java.io.IOException e) {
      throw new IllegalArgumentException("cannot build the relay's TLS context: " + e.getMessage(), e);
    }
  }
}
