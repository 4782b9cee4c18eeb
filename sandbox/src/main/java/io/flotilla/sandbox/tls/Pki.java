package io.flotilla.sandbox.tls;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;

/**
 * A tiny certificate authority for the sandbox. ECDSA P-256 keys: generating them takes microseconds (RSA keys
 * would slow down every hosted cluster), and Go (etcd, kubectl), Netty and the JDK all accept them. Private keys are
 * written as unencrypted PKCS#8 ("PRIVATE KEY"), the one PEM form Netty, Go and the JDK all read.
 */
public final class Pki {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final String SIGNATURE = "SHA256withECDSA";
  /** Long enough for any sandbox session, short enough that a leaked file is not a forever credential. */
  private static final Duration VALIDITY = Duration.ofDays(365);

  private Pki() {}

  /** A certificate with its private key. */
  public record Issued(X509Certificate certificate, PrivateKey privateKey) {
    public String certificatePem() { return pem("CERTIFICATE", encoded(certificate)); }

    public String privateKeyPem() { return pem("PRIVATE KEY", privateKey.getEncoded()); }
  }

  /** A self-signed CA that can sign server and client certificates. */
  public static Issued newCa(String commonName) {
    KeyPair keys = newKeyPair();
    X500Name subject = new X500Name("CN=" + commonName);
    try {
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder builder = builder(subject, subject, keys)
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
          .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
          .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(keys.getPublic()));
      return new Issued(sign(builder, keys.getPrivate()), keys.getPrivate());
    } catch (Exception e) {
      throw new IllegalStateException("cannot create CA certificate", e);
    }
  }

  /** A TLS server certificate for loopback: SANs 127.0.0.1 and localhost, plus any extra DNS names. */
  public static Issued newServer(Issued ca, String commonName, List<String> extraDnsNames) {
    List<GeneralName> names = new java.util.ArrayList<>();
    names.add(new GeneralName(GeneralName.iPAddress, "127.0.0.1"));
    names.add(new GeneralName(GeneralName.dNSName, "localhost"));
    extraDnsNames.forEach(n -> names.add(new GeneralName(GeneralName.dNSName, n)));
    // etcd also dials itself as a client on its peer/client URLs, so server certs carry clientAuth too.
    return issue(ca, commonName, new GeneralNames(names.toArray(GeneralName[]::new)),
        new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth});
  }

  /** A TLS client certificate (clientAuth only). */
  public static Issued newClient(Issued ca, String commonName) {
    return issue(ca, commonName, null, new KeyPurposeId[] {KeyPurposeId.id_kp_clientAuth});
  }

  private static Issued issue(Issued ca, String commonName, GeneralNames sans, KeyPurposeId[] usages) {
    KeyPair keys = newKeyPair();
    try {
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder builder = builder(
          X500Name.getInstance(ca.certificate().getSubjectX500Principal().getEncoded()), new X500Name("CN=" + commonName), keys)
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
          .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment))
          .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(usages))
          .addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(ca.certificate()))
          .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(keys.getPublic()));
      if (sans != null) {
        builder.addExtension(Extension.subjectAlternativeName, false, sans);
      }
      return new Issued(sign(builder, ca.privateKey()), keys.getPrivate());
    } catch (Exception e) {
      throw new IllegalStateException("cannot issue certificate for " + commonName, e);
    }
  }

  private static X509v3CertificateBuilder builder(X500Name issuer, X500Name subject, KeyPair keys) {
    Instant now = Instant.now();
    // Back-date a little so a peer whose clock is a few seconds behind does not see "not yet valid".
    return new JcaX509v3CertificateBuilder(issuer, new BigInteger(127, RANDOM).add(BigInteger.ONE),
        Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(VALIDITY)), subject, keys.getPublic());
  }

  private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey signer)
      throws OperatorCreationException, GeneralSecurityException {
    ContentSigner contentSigner = new JcaContentSignerBuilder(SIGNATURE).build(signer);
    return new JcaX509CertificateConverter().getCertificate(builder.build(contentSigner));
  }

  private static KeyPair newKeyPair() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("EC P-256 is not available in this JVM", e);
    }
  }

  private static byte[] encoded(X509Certificate certificate) {
    try {
      return certificate.getEncoded();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  public static String pem(String type, byte[] der) {
    String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
    return "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n";
  }

  public static X509Certificate parseCertificate(String pem) {
    try {
      return (X509Certificate) CertificateFactory.getInstance("X.509")
          .generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("not a PEM certificate", e);
    }
  }

  public static PrivateKey parsePrivateKey(String pem) {
    String base64 = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
    try {
      return KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(base64)));
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("not a PKCS#8 EC private key", e);
    }
  }

  /** An in-memory trust store holding one CA, for JDK TLS clients. */
  public static KeyStore trustStore(X509Certificate ca) {
    try {
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(null, null);
      store.setCertificateEntry("ca", ca);
      return store;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
