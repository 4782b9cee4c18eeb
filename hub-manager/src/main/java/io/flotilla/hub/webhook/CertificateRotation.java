package io.flotilla.hub.webhook;

import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

import static io.flotilla.hub.webhook.CertificateIssuer.issuedAt;
import static io.flotilla.hub.webhook.CertificateIssuer.issuedBy;

/**
 * What to do with the webhook's certificates at a given instant: a pure decision over the current material.
 *
 * <p>A CA rotation takes three steps, one per check, so no client ever sees a certificate its bundle does not
 * trust: (1) a new CA is created and added to the bundle in front of the old one, the serving certificate is left
 * alone; (2) once the bundle has had {@link Policy#settle()} to reach the API server, the serving certificate is
 * reissued by the new CA; (3) once every replica has had {@code settle} to load it, the old CA leaves the bundle.
 */
public final class CertificateRotation {
  private CertificateRotation() {}

  public enum Step {
    /** Nothing usable exists (or the CA has expired): a new CA and serving certificate, nothing retired. */
    ISSUE_ALL,
    /** A new signing CA; the old one moves to the bundle's retired part, the serving certificate stays. */
    ROTATE_CA,
    /** A new serving certificate from the signing CA. */
    REISSUE_SERVING,
    /** The bundle loses its retired CAs. */
    DROP_RETIRED_CAS,
    NONE
  }

  public record Decision(Step step, String reason) {
    public boolean changes() { return step != Step.NONE; }
  }

  /**
   * @param caLifetime           validity of a new CA
   * @param servingLifetime      validity of a new serving certificate (capped at its CA's expiry)
   * @param caRenewBefore        rotate the CA when less than this is left; null: a third of its lifetime
   * @param servingRenewBefore   reissue the serving certificate when less than this is left; null: a third
   * @param settle               how long a change takes to reach the API server and every replica (a replica
   *                             reloads the Secret on each check, so at least the check interval)
   */
  public record Policy(Duration caLifetime, Duration servingLifetime, Duration caRenewBefore,
                       Duration servingRenewBefore, Duration settle) {
    public Policy {
      positive("caLifetime", caLifetime);
      positive("servingLifetime", servingLifetime);
      Objects.requireNonNull(settle, "settle");
      if (settle.isNegative()) {
        throw new IllegalArgumentException("settle must not be negative, got " + settle);
      }
      if (caRenewBefore != null && (caRenewBefore.isNegative() || caRenewBefore.compareTo(caLifetime) >= 0)) {
        throw new IllegalArgumentException("caRenewBefore must be shorter than caLifetime " + caLifetime
            + ", got " + caRenewBefore);
      }
      if (servingRenewBefore != null
          && (servingRenewBefore.isNegative() || servingRenewBefore.compareTo(servingLifetime) >= 0)) {
        throw new IllegalArgumentException("servingRenewBefore must be shorter than servingLifetime "
            + servingLifetime + ", got " + servingRenewBefore);
      }
    }

    private static void positive(String name, Duration d) {
      if (d == null || d.isZero() || d.isNegative()) {
        throw new IllegalArgumentException(name + " must be positive, got " + d);
      }
    }
  }

  /**
   * @param current  the material in the Secret (each key matching its certificate, as {@link TlsMaterial#fromSecretData}
   *                 checks), or null when there is none
   * @param names    the DNS names and IPs the serving certificate must carry
   */
  public static Decision decide(TlsMaterial current, Collection<String> names, Instant now, Policy policy) {
    if (current == null) {
      return new Decision(Step.ISSUE_ALL, "no webhook certificates yet");
    }
    X509Certificate ca = current.caCertificate();
    X509Certificate serving = current.servingCertificate();
    // only expiry counts: a notBefore slightly ahead of this replica's clock (another replica issued it) is no fault
    if (expired(ca, now)) {
      return new Decision(Step.ISSUE_ALL, "the CA expired at " + ca.getNotAfter().toInstant());
    }
    Optional<X509Certificate> issuer = current.bundle().stream().filter(c -> issuedBy(serving, c)).findFirst();
    if (issuer.isEmpty()) {
      return new Decision(Step.REISSUE_SERVING, "the serving certificate is not signed by a CA in the bundle");
    }
    if (issuer.get() != ca) {
      // step 2 of a CA rotation: wait until the API server has the bundle that trusts the new CA
      if (!expired(issuer.get(), now) && !expired(serving, now) && now.isBefore(issuedAt(ca).plus(policy.settle()))) {
        return new Decision(Step.NONE, "waiting for the new CA bundle to settle before reissuing");
      }
      return new Decision(Step.REISSUE_SERVING, "the serving certificate is signed by a retired CA");
    }
    if (inRenewWindow(ca, now, policy.caRenewBefore())) {
      return new Decision(Step.ROTATE_CA, "the CA expires at " + ca.getNotAfter().toInstant());
    }
    if (inRenewWindow(serving, now, policy.servingRenewBefore())) {
      if (!serving.getNotAfter().before(ca.getNotAfter())) {
        // it was cut short by its CA's expiry: a reissue from this CA could not last longer
        return new Decision(Step.ROTATE_CA, "the serving certificate cannot outlive the CA expiring at "
            + ca.getNotAfter().toInstant());
      }
      return new Decision(Step.REISSUE_SERVING, "the serving certificate expires at " + serving.getNotAfter().toInstant());
    }
    Set<String> wanted = new TreeSet<>();
    names.forEach(n -> wanted.add(CertificateIssuer.normalise(n)));
    Set<String> has = CertificateIssuer.subjectAltNames(serving);
    if (!has.equals(wanted)) {
      return new Decision(Step.REISSUE_SERVING, "the serving certificate names " + has + ", wanted " + wanted);
    }
    if (!current.retiredCas().isEmpty()) {
      // step 3: every replica must have loaded the new serving certificate before its old issuer goes
      if (now.isBefore(issuedAt(serving).plus(policy.settle()))) {
        return new Decision(Step.NONE, "waiting for the new serving certificate to settle before retiring the old CA");
      }
      return new Decision(Step.DROP_RETIRED_CAS, "nothing served is signed by the retired CA any more");
    }
    return new Decision(Step.NONE, "certificates are current");
  }

  static boolean expired(X509Certificate c, Instant now) {
    return !now.isBefore(c.getNotAfter().toInstant());
  }

  static boolean validAt(X509Certificate c, Instant now) {
    return !now.isBefore(c.getNotBefore().toInstant()) && now.isBefore(c.getNotAfter().toInstant());
  }

  /** Less than {@code renewBefore} (or a third of the certificate's lifetime) left, or already expired. */
  static boolean inRenewWindow(X509Certificate c, Instant now, Duration renewBefore) {
    Instant notAfter = c.getNotAfter().toInstant();
    Duration window = renewBefore != null ? renewBefore
        : Duration.between(c.getNotBefore().toInstant(), notAfter).dividedBy(3);
    return !now.isBefore(notAfter.minus(window));
  }
}
