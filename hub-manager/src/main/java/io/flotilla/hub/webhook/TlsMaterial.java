package io.flotilla.hub.webhook;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The webhook's key material as it lives in the Secret: the signing CA (certificate and key), CAs retired by a
 * rotation that the bundle still carries, and the serving certificate with its key. {@link #toString()} never
 * prints keys.
 *
 * @param caCertificate   the CA that signs serving certificates now
 * @param caKey           its private key
 * @param retiredCas      earlier CAs kept in the bundle until nothing they signed is served any more
 * @param servingCertificate the leaf presented by the webhook server
 * @param servingKey      its private key
 */
public record TlsMaterial(X509Certificate caCertificate, PrivateKey caKey, List<X509Certificate> retiredCas,
                          X509Certificate servingCertificate, PrivateKey servingKey) {
  /** Secret keys: tls.crt/tls.key as kubernetes.io/tls Secrets have them, ca.crt the bundle (signing CA first). */
  public static final String TLS_CRT = "tls.crt";
  public static final String TLS_KEY = "tls.key";
  public static final String CA_CRT = "ca.crt";
  public static final String CA_KEY = "ca.key";

  public TlsMaterial {
    Objects.requireNonNull(caCertificate, "caCertificate");
    Objects.requireNonNull(caKey, "caKey");
    retiredCas = List.copyOf(retiredCas);
    Objects.requireNonNull(servingCertificate, "servingCertificate");
    Objects.requireNonNull(servingKey, "servingKey");
  }

  /** Every CA a client must trust: the signing CA, then the retired ones. */
  public List<X509Certificate> bundle() {
    List<X509Certificate> all = new ArrayList<>();
    all.add(caCertificate);
    all.addAll(retiredCas);
    return all;
  }

  /** The bundle as concatenated PEM certificates, as a ValidatingWebhookConfiguration's caBundle holds it. */
  public String bundlePem() { return pem(bundle().toArray()); }

  public String servingCertificatePem() { return pem(servingCertificate); }

  /** Secret data (plain text; the caller base64-encodes it). */
  public Map<String, String> toSecretData() {
    return Map.of(TLS_CRT, servingCertificatePem(), TLS_KEY, pem(pkcs8(servingKey)),
        CA_CRT, bundlePem(), CA_KEY, pem(pkcs8(caKey)));
  }

  /**
   * Reads Secret data (plain text); throws IllegalArgumentException when something is missing or unreadable, or a
   * key does not belong to its certificate.
   */
  public static TlsMaterial fromSecretData(Map<String, String> data) {
    List<X509Certificate> bundle = certificates(require(data, CA_CRT));
    List<X509Certificate> leaf = certificates(require(data, TLS_CRT));
    if (bundle.isEmpty() || leaf.isEmpty()) {
      throw new IllegalArgumentException("no certificate in " + (bundle.isEmpty() ? CA_CRT : TLS_CRT));
    }
    PrivateKey caKey = privateKey(require(data, CA_KEY));
    PrivateKey servingKey = privateKey(require(data, TLS_KEY));
    if (!CertificateIssuer.keyMatches(bundle.get(0), caKey)) {
      throw new IllegalArgumentException(CA_KEY + " does not belong to the first certificate in " + CA_CRT);
    }
    if (!CertificateIssuer.keyMatches(leaf.get(0), servingKey)) {
      throw new IllegalArgumentException(TLS_KEY + " does not belong to " + TLS_CRT);
    }
    return new TlsMaterial(bundle.get(0), caKey, bundle.subList(1, bundle.size()), leaf.get(0), servingKey);
  }

  @Override
  public String toString() {
    return "TlsMaterial[ca=" + describe(caCertificate) + ", retired=" + retiredCas.stream().map(TlsMaterial::describe).toList()
        + ", serving=" + describe(servingCertificate) + "]";
  }

  static String describe(X509Certificate c) {
    return c.getSubjectX500Principal().getName() + " #" + c.getSerialNumber().toString(16) + " until "
        + c.getNotAfter().toInstant();
  }

  private static String require(Map<String, String> data, String key) {
    String v = data == null ? null : data.get(key);
    if (v == null || v.isBlank()) {
      throw new IllegalArgumentException("missing " + key);
    }
    return v;
  }

  static String pem(Object... objects) {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter w = new JcaPEMWriter(out)) {
      for (Object o : objects) {
        w.writeObject(o);
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot write PEM", e);
    }
    return out.toString();
  }

  /** PKCS#8 ("PRIVATE KEY"): the one PEM form the JDK, Go and OpenSSL all read. */
  private static Object pkcs8(PrivateKey key) {
    try {
      return new JcaPKCS8Generator(key, null).generate();
    } catch (Exception e) {
      throw new IllegalStateException("cannot encode private key", e);
    }
  }

  public static List<X509Certificate> certificates(String pem) {
    List<X509Certificate> out = new ArrayList<>();
    JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
    try (PEMParser parser = new PEMParser(new StringReader(pem))) {
      for (Object o = parser.readObject(); o != null; o = parser.readObject()) {
        if (o instanceof X509CertificateHolder holder) {
          out.add(converter.getCertificate(holder));
        }
      }
    } catch (Exception e) {
      throw new IllegalArgumentException("unreadable certificate PEM", e);
    }
    return out;
  }

  static PrivateKey privateKey(String pem) {
    try (PEMParser parser = new PEMParser(new StringReader(pem))) {
      Object o = parser.readObject();
      JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
      if (o instanceof PrivateKeyInfo info) {
        return converter.getPrivateKey(info);
      }
      if (o instanceof PEMKeyPair pair) {
        return converter.getKeyPair(pair).getPrivate();
      }
    } catch (Exception e) {
      // the message must not carry key bytes
      throw new IllegalArgumentException("unreadable private key PEM (" + e.getClass().getSimpleName() + ")");
    }
    throw new IllegalArgumentException("no private key in PEM");
  }
}
