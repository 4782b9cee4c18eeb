package io.flotilla.hub.webhook;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import java.math.BigInteger;
import java.net.InetAddress;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Collection;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Issues the webhook's CA and serving certificates with BouncyCastle. ECDSA P-256: generation takes microseconds and
 * the API server (Go), the JDK and OpenSSL all accept it.
 */
public final class CertificateIssuer {
  /** notBefore is set this far before "now", so an API server whose clock runs slightly behind still accepts it. */
  public static final Duration BACKDATE = Duration.ofMinutes(1);

  private static final String SIGNATURE = "SHA256withECDSA";
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Pattern IPV4 = Pattern.compile("^\\d{1,3}(\\.\\d{1,3}){3}$");

  private CertificateIssuer() {}

  public record Issued(X509Certificate certificate, PrivateKey key) {
    @Override
    public String toString() { return "Issued[" + TlsMaterial.describe(certificate) + "]"; }
  }

  /** When the certificate was issued: its notBefore plus the backdating. */
  public static Instant issuedAt(X509Certificate c) {
    return c.getNotBefore().toInstant().plus(BACKDATE);
  }

  /** A self-signed CA valid from now for {@code lifetime}; its name carries the issue time, as Kubernetes' own do. */
  public static Issued newCa(String commonName, Instant now, Duration lifetime) {
    KeyPair keys = newKeyPair();
    X500Name subject = new X500Name("CN=" + commonName + "@" + now.getEpochSecond());
    try {
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject, serial(),
          Date.from(now.minus(BACKDATE)), Date.from(now.plus(lifetime)), subject, keys.getPublic())
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
          .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
          .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(keys.getPublic()));
      return new Issued(sign(builder, keys.getPrivate()), keys.getPrivate());
    } catch (Exception e) {
      throw new IllegalStateException("cannot create the webhook CA", e);
    }
  }

  /**
   * A TLS server certificate for {@code names} (DNS names or IP literals) signed by {@code ca}, valid from now for
   * {@code lifetime} but never beyond the CA.
   */
  public static Issued newServing(Issued ca, Collection<String> names, Instant now, Duration lifetime) {
    if (names.isEmpty()) {
      throw new IllegalArgumentException("a serving certificate needs at least one name");
    }
    KeyPair keys = newKeyPair();
    Instant notAfter = now.plus(lifetime);
    if (notAfter.isAfter(ca.certificate().getNotAfter().toInstant())) {
      notAfter = ca.certificate().getNotAfter().toInstant();
    }
    GeneralName[] sans = names.stream().map(CertificateIssuer::generalName).toArray(GeneralName[]::new);
    try {
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(ca.certificate(), serial(),
          Date.from(now.minus(BACKDATE)), Date.from(notAfter), new X500Name("CN=" + names.iterator().next()),
          keys.getPublic())
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
          .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
          .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth))
          .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(sans))
          .addExtension(Extension.authorityKeyIdentifier, false,
              ext.createAuthorityKeyIdentifier(ca.certificate()))
          .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(keys.getPublic()));
      return new Issued(sign(builder, ca.key()), keys.getPrivate());
    } catch (Exception e) {
      throw new IllegalStateException("cannot create the webhook serving certificate", e);
    }
  }

  /** The DNS names and IP addresses a certificate is valid for, normalised as {@link #normalise} does. */
  public static Set<String> subjectAltNames(X509Certificate c) {
    Set<String> out = new TreeSet<>();
    try {
      if (c.getSubjectAlternativeNames() != null) {
        for (List<?> entry : c.getSubjectAlternativeNames()) {
          int type = (Integer) entry.get(0);
          if (type == GeneralName.dNSName || type == GeneralName.iPAddress) {
            out.add(normalise(String.valueOf(entry.get(1))));
          }
        }
      }
    } catch (CertificateParsingException e) {
      // an unreadable SAN extension matches nothing: the certificate gets replaced
    }
    return out;
  }

  /** IP literals in the JDK's canonical form, DNS names in lower case. */
  public static String normalise(String name) {
    if (isIpLiteral(name)) {
      try {
        return InetAddress.getByName(name).getHostAddress(); // a literal: no lookup happens
      } catch (Exception e) {
        return name;
      }
    }
    return name.toLowerCase(Locale.ROOT);
  }

  static boolean isIpLiteral(String name) {
    return IPV4.matcher(name).matches() || name.contains(":");
  }

  /**
   * True when {@code issuer} is {@code c}'s issuer by name and key identifier, as path building picks candidates;
   * cheap, unlike {@link #signedBy}. Falls back to checking the signature when a key identifier is missing.
   */
  public static boolean issuedBy(X509Certificate c, X509Certificate issuer) {
    if (!c.getIssuerX500Principal().equals(issuer.getSubjectX500Principal())) {
      return false;
    }
    byte[] authority = authorityKeyId(c);
    byte[] subject = subjectKeyId(issuer);
    return authority != null && subject != null ? Arrays.equals(authority, subject) : signedBy(c, issuer);
  }

  private static byte[] authorityKeyId(X509Certificate c) {
    byte[] ext = c.getExtensionValue(Extension.authorityKeyIdentifier.getId());
    try {
      return ext == null ? null
          : AuthorityKeyIdentifier.getInstance(JcaX509ExtensionUtils.parseExtensionValue(ext)).getKeyIdentifier();
    } catch (Exception e) {
      return null;
    }
  }

  private static byte[] subjectKeyId(X509Certificate c) {
    byte[] ext = c.getExtensionValue(Extension.subjectKeyIdentifier.getId());
    try {
      return ext == null ? null
          : SubjectKeyIdentifier.getInstance(JcaX509ExtensionUtils.parseExtensionValue(ext)).getKeyIdentifier();
    } catch (Exception e) {
      return null;
    }
  }

  /** True when {@code c} was signed by {@code issuer}'s key (a signature check: milliseconds). */
  public static boolean signedBy(X509Certificate c, X509Certificate issuer) {
    if (!c.getIssuerX500Principal().equals(issuer.getSubjectX500Principal())) {
      return false;
    }
    try {
      c.verify(issuer.getPublicKey());
      return true;
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  /** True when {@code key} is the private half of {@code c}'s public key (signs and verifies a nonce). */
  public static boolean keyMatches(X509Certificate c, PrivateKey key) {
    PublicKey publicKey = c.getPublicKey();
    if (!publicKey.getAlgorithm().equals(key.getAlgorithm())) {
      return false;
    }
    try {
      String algorithm = "EC".equals(key.getAlgorithm()) ? SIGNATURE : "SHA256withRSA";
      byte[] nonce = new byte[32];
      RANDOM.nextBytes(nonce);
      Signature s = Signature.getInstance(algorithm);
      s.initSign(key);
      s.update(nonce);
      byte[] signature = s.sign();
      Signature v = Signature.getInstance(algorithm);
      v.initVerify(publicKey);
      v.update(nonce);
      return v.verify(signature);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  private static GeneralName generalName(String name) {
    return isIpLiteral(name) ? new GeneralName(GeneralName.iPAddress, name) : new GeneralName(GeneralName.dNSName, name);
  }

  private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey signer) throws Exception {
    return new JcaX509CertificateConverter().getCertificate(builder.build(new JcaContentSignerBuilder(SIGNATURE).build(signer)));
  }

  private static BigInteger serial() {
    return new BigInteger(127, RANDOM).add(BigInteger.ONE);
  }

  private static KeyPair newKeyPair() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
      return g.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot generate an EC key pair", e);
    }
  }
}
