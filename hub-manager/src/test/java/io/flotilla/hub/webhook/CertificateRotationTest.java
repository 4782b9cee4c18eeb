package io.flotilla.hub.webhook;

import static io.flotilla.hub.webhook.CertificateRotation.Step.DROP_RETIRED_CAS;
import static io.flotilla.hub.webhook.CertificateRotation.Step.ISSUE_ALL;
import static io.flotilla.hub.webhook.CertificateRotation.Step.NONE;
import static io.flotilla.hub.webhook.CertificateRotation.Step.REISSUE_SERVING;
import static io.flotilla.hub.webhook.CertificateRotation.Step.ROTATE_CA;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flotilla.hub.webhook.CertificateIssuer.Issued;
import io.flotilla.hub.webhook.CertificateRotation.Decision;
import io.flotilla.hub.webhook.CertificateRotation.Policy;
import io.flotilla.hub.webhook.CertificateRotation.Step;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CertificateRotationTest {
  static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");
  static final Set<String> NAMES = new LinkedHashSet<>(List.of("flotilla-webhook.flotilla-system.svc",
      "flotilla-webhook.flotilla-system.svc.cluster.local", "127.0.0.1"));
  static final Policy POLICY = new Policy(Duration.ofDays(30), Duration.ofDays(9), null, null, Duration.ofHours(2));

  static TlsMaterial issueAll(Instant at, Policy policy) {
    return WebhookCertificates.apply(ISSUE_ALL, null, NAMES, at, policy);
  }

  static Decision decide(TlsMaterial m, Instant at) {
    return CertificateRotation.decide(m, NAMES, at, POLICY);
  }

  @Test
  void nothingYetIssuesEverything() {
    assertThat(decide(null, T0).step()).isEqualTo(ISSUE_ALL);
    TlsMaterial m = issueAll(T0, POLICY);
    assertThat(m.retiredCas()).isEmpty();
    assertThat(CertificateIssuer.signedBy(m.servingCertificate(), m.caCertificate())).isTrue();
    assertThat(CertificateIssuer.subjectAltNames(m.servingCertificate())).containsExactlyInAnyOrderElementsOf(NAMES);
    assertThat(m.servingCertificate().getNotAfter().toInstant()).isEqualTo(T0.plus(Duration.ofDays(9)));
    assertThat(m.caCertificate().getNotAfter().toInstant()).isEqualTo(T0.plus(Duration.ofDays(30)));
    assertThat(decide(m, T0).step()).isEqualTo(NONE);
  }

  @Test
  void servingCertificateIsReissuedWithAThirdOfItsLifetimeLeftByDefault() {
    TlsMaterial m = issueAll(T0, POLICY);
    // 9 days and the 1 minute backdating: renewal starts (9d + 1m) / 3 before expiry, at 6d minus 20s
    Instant renewAt = T0.plus(Duration.ofDays(6)).minusSeconds(20);
    assertThat(decide(m, renewAt.minusSeconds(1)).step()).isEqualTo(NONE);
    assertThat(decide(m, renewAt).step()).isEqualTo(REISSUE_SERVING);
    assertThat(decide(m, T0.plus(Duration.ofDays(10))).step()).as("expired").isEqualTo(REISSUE_SERVING);

    TlsMaterial renewed = WebhookCertificates.apply(REISSUE_SERVING, m, NAMES, renewAt, POLICY);
    assertThat(renewed.caCertificate()).isSameAs(m.caCertificate());
    assertThat(renewed.servingCertificate().getSerialNumber()).isNotEqualTo(m.servingCertificate().getSerialNumber());
    assertThat(decide(renewed, renewAt).step()).isEqualTo(NONE);
  }

  @Test
  void configuredWindowsOverrideTheThird() {
    Policy oneDay = new Policy(Duration.ofDays(30), Duration.ofDays(9), Duration.ofDays(2), Duration.ofDays(1),
        Duration.ofHours(2));
    TlsMaterial m = issueAll(T0, oneDay);
    assertThat(CertificateRotation.decide(m, NAMES, T0.plus(Duration.ofDays(7)), oneDay).step()).isEqualTo(NONE);
    assertThat(CertificateRotation.decide(m, NAMES, T0.plus(Duration.ofDays(8)), oneDay).step())
        .isEqualTo(REISSUE_SERVING);
  }

  @Test
  void changedNamesReissueTheServingCertificate() {
    TlsMaterial m = issueAll(T0, POLICY);
    Set<String> more = new LinkedHashSet<>(NAMES);
    more.add("localhost");
    Decision d = CertificateRotation.decide(m, more, T0, POLICY);
    assertThat(d.step()).isEqualTo(REISSUE_SERVING);
    assertThat(d.reason()).contains("localhost");
    // IP literals compare in canonical form
    Set<String> ipv6 = new LinkedHashSet<>(NAMES);
    ipv6.add("::1");
    TlsMaterial withIpv6 = WebhookCertificates.apply(ISSUE_ALL, null, ipv6, T0, POLICY);
    Set<String> spelledOut = new LinkedHashSet<>(NAMES);
    spelledOut.add("0:0:0:0:0:0:0:1");
    assertThat(CertificateRotation.decide(withIpv6, spelledOut, T0, POLICY).step()).isEqualTo(NONE);
  }

  @Test
  void caRotationTakesThreeSettledSteps() {
    TlsMaterial m = issueAll(T0, POLICY);
    Instant caWindow = T0.plus(Duration.ofDays(20)); // (30d + 1m) / 3 before expiry is 20d minus 20s
    // keep the serving certificate fresh so only the CA is due
    m = WebhookCertificates.apply(REISSUE_SERVING, m, NAMES, caWindow.minus(Duration.ofDays(1)), POLICY);
    assertThat(decide(m, caWindow.minusSeconds(21)).step()).isEqualTo(NONE);

    Decision rotate = decide(m, caWindow);
    assertThat(rotate.step()).isEqualTo(ROTATE_CA);
    TlsMaterial step1 = WebhookCertificates.apply(ROTATE_CA, m, NAMES, caWindow, POLICY);
    assertThat(step1.bundle()).hasSize(2).element(1).isSameAs(m.caCertificate());
    assertThat(step1.servingCertificate()).as("still the old CA's").isSameAs(m.servingCertificate());

    Instant settled = caWindow.plus(POLICY.settle());
    Decision waiting = decide(step1, settled.minusSeconds(61));
    assertThat(waiting.step()).isEqualTo(NONE);
    assertThat(waiting.reason()).contains("new CA bundle to settle");
    assertThat(decide(step1, settled).step()).isEqualTo(REISSUE_SERVING);
    TlsMaterial step2 = WebhookCertificates.apply(REISSUE_SERVING, step1, NAMES, settled, POLICY);
    assertThat(CertificateIssuer.signedBy(step2.servingCertificate(), step2.caCertificate())).isTrue();
    assertThat(step2.retiredCas()).containsExactly(m.caCertificate());

    Decision notYet = decide(step2, settled.plus(POLICY.settle()).minusSeconds(61));
    assertThat(notYet.step()).isEqualTo(NONE);
    assertThat(notYet.reason()).contains("retiring the old CA");
    assertThat(decide(step2, settled.plus(POLICY.settle())).step()).isEqualTo(DROP_RETIRED_CAS);
    TlsMaterial step3 = WebhookCertificates.apply(DROP_RETIRED_CAS, step2, NAMES, settled, POLICY);
    assertThat(step3.bundle()).containsExactly(step2.caCertificate());
    assertThat(decide(step3, settled.plus(POLICY.settle())).step()).isEqualTo(NONE);
  }

  @Test
  void anExpiredCaStartsOverAndABrokenPairIsReplaced() {
    TlsMaterial m = issueAll(T0, POLICY);
    assertThat(decide(m, T0.plus(Duration.ofDays(31)))).extracting(Decision::step, Decision::reason)
        .containsExactly(ISSUE_ALL, "the CA expired at 2030-01-31T00:00:00Z");
    // issued by a replica whose clock runs a little ahead: not yet valid here, and still no reason to start over
    assertThat(decide(m, T0.minus(Duration.ofMinutes(3))).step()).isEqualTo(NONE);

    TlsMaterial other = issueAll(T0, POLICY);
    // a key that does not belong to its certificate makes the Secret unusable: read as nothing, issued anew
    TlsMaterial wrongCaKey = new TlsMaterial(m.caCertificate(), other.caKey(), List.of(), m.servingCertificate(),
        m.servingKey());
    assertThatThrownBy(() -> TlsMaterial.fromSecretData(wrongCaKey.toSecretData()))
        .hasMessage("ca.key does not belong to the first certificate in ca.crt");
    TlsMaterial wrongServingKey = new TlsMaterial(m.caCertificate(), m.caKey(), List.of(), m.servingCertificate(),
        other.servingKey());
    assertThatThrownBy(() -> TlsMaterial.fromSecretData(wrongServingKey.toSecretData()))
        .hasMessage("tls.key does not belong to tls.crt");
    // same CA name (issued the same second), different key: not ours
    assertThat(other.caCertificate().getSubjectX500Principal()).isEqualTo(m.caCertificate().getSubjectX500Principal());
    TlsMaterial foreignServing = new TlsMaterial(m.caCertificate(), m.caKey(), List.of(), other.servingCertificate(),
        other.servingKey());
    assertThat(decide(foreignServing, T0)).extracting(Decision::step, Decision::reason)
        .containsExactly(REISSUE_SERVING, "the serving certificate is not signed by a CA in the bundle");
  }

  @Test
  void aServingCertificateCutShortByItsCaRotatesTheCa() {
    // a window longer than what the CA has left: reissuing from this CA could not help
    Policy longWindow = new Policy(Duration.ofDays(30), Duration.ofDays(20), Duration.ofDays(5), Duration.ofDays(15),
        Duration.ofHours(2));
    TlsMaterial m = issueAll(T0, longWindow);
    Instant later = T0.plus(Duration.ofDays(16)); // the CA has 14 days left, more than its 5-day window
    TlsMaterial capped = WebhookCertificates.apply(REISSUE_SERVING, m, NAMES, later, longWindow);
    assertThat(capped.servingCertificate().getNotAfter()).isEqualTo(capped.caCertificate().getNotAfter());
    assertThat(CertificateRotation.decide(capped, NAMES, later, longWindow).step()).isEqualTo(ROTATE_CA);
  }

  @Test
  void policyRefusesWindowsThatCannotWork() {
    assertThatThrownBy(() -> new Policy(Duration.ofDays(1), Duration.ofHours(1), Duration.ofDays(1), null, Duration.ZERO))
        .hasMessageContaining("caRenewBefore must be shorter than caLifetime");
    assertThatThrownBy(() -> new Policy(Duration.ZERO, Duration.ofHours(1), null, null, Duration.ZERO))
        .hasMessageContaining("caLifetime must be positive");
    assertThatThrownBy(() -> new Policy(Duration.ofDays(1), Duration.ofHours(1), null, Duration.ofHours(2), Duration.ZERO))
        .hasMessageContaining("servingRenewBefore");
  }

  /**
   * 120 days of hourly checks: whatever is served is always valid and trusted by the bundle the API server was given
   * at least {@code settle} earlier, the bundle never holds more than two CAs, and every kind of step happens.
   */
  @Test
  void aLongRunNeverServesAnythingTheApiServerDoesNotTrust() {
    Duration check = Duration.ofHours(1);
    TlsMaterial m = null;
    Map<X509Certificate, Instant> publishedSince = new HashMap<>(); // CA -> when the API server got it
    Map<X509Certificate, Instant> servedSince = new HashMap<>();
    Set<Step> seen = EnumSet.noneOf(Step.class);
    List<X509Certificate> servedCertificates = new ArrayList<>();
    issuers.clear();
    for (Instant now = T0; now.isBefore(T0.plus(Duration.ofDays(120))); now = now.plus(check)) {
      Decision d = decide(m, now);
      seen.add(d.step());
      TlsMaterial before = m;
      if (d.changes()) {
        m = WebhookCertificates.apply(d.step(), m, NAMES, now, POLICY);
      }
      final Instant at = now;
      m.bundle().forEach(ca -> publishedSince.putIfAbsent(ca, at));
      servedSince.putIfAbsent(m.servingCertificate(), now);
      if (servedCertificates.isEmpty() || servedCertificates.get(servedCertificates.size() - 1) != m.servingCertificate()) {
        servedCertificates.add(m.servingCertificate());
      }

      X509Certificate serving = m.servingCertificate();
      assertThat(CertificateRotation.validAt(serving, now)).as("serving valid at %s", now).isTrue();
      // signatures are checked only when something changed (a check costs milliseconds)
      X509Certificate issuer = before == m ? issuerOf(before)
          : m.bundle().stream().filter(ca -> CertificateIssuer.signedBy(serving, ca)).findFirst()
              .orElseThrow(() -> new AssertionError("serving certificate not trusted at " + at));
      issuers.put(m, issuer);
      assertThat(CertificateRotation.validAt(issuer, now)).isTrue();
      if (d.step() == REISSUE_SERVING && before != null) {
        assertThat(Duration.between(publishedSince.get(issuer), now)).as("issuer published long enough before use")
            .isGreaterThanOrEqualTo(POLICY.settle().minus(CertificateIssuer.BACKDATE));
      }
      if (d.step() == DROP_RETIRED_CAS) {
        assertThat(Duration.between(servedSince.get(serving), now)).as("new serving certificate settled")
            .isGreaterThanOrEqualTo(POLICY.settle().minus(CertificateIssuer.BACKDATE));
      }
      assertThat(m.bundle()).hasSizeLessThanOrEqualTo(2);
    }
    assertThat(seen).contains(ISSUE_ALL, ROTATE_CA, REISSUE_SERVING, DROP_RETIRED_CAS, NONE);
    // roughly: a serving certificate every 6 days, a CA every 20 (each costing one extra serving certificate)
    assertThat(servedCertificates).hasSizeBetween(18, 30);
  }

  final Map<TlsMaterial, X509Certificate> issuers = new IdentityHashMap<>();

  X509Certificate issuerOf(TlsMaterial m) { return issuers.get(m); }

  @Test
  void secretRoundTripKeepsEverything() {
    TlsMaterial m = WebhookCertificates.apply(ROTATE_CA, issueAll(T0, POLICY), NAMES, T0.plusSeconds(5), POLICY);
    TlsMaterial back = TlsMaterial.fromSecretData(m.toSecretData());
    assertThat(back.bundle()).containsExactlyElementsOf(m.bundle());
    assertThat(back.servingCertificate()).isEqualTo(m.servingCertificate());
    assertThat(back.caKey().getEncoded()).isEqualTo(m.caKey().getEncoded());
    assertThat(back.servingKey().getEncoded()).isEqualTo(m.servingKey().getEncoded());
    assertThat(m.toSecretData().get(TlsMaterial.CA_CRT)).contains("BEGIN CERTIFICATE")
        .doesNotContain("PRIVATE KEY");
    assertThat(m.toSecretData().get(TlsMaterial.TLS_KEY)).startsWith("-----BEGIN PRIVATE KEY-----");
    assertThat(m.toString()).doesNotContain("PRIVATE").contains("flotilla-webhook-ca@");
    assertThatThrownBy(() -> TlsMaterial.fromSecretData(Map.of(TlsMaterial.CA_CRT, "junk")))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void issuerSetsWhatTheApiServerChecks() throws Exception {
    Issued ca = CertificateIssuer.newCa("test-ca", T0, Duration.ofDays(1));
    Issued leaf = CertificateIssuer.newServing(ca, List.of("a.b.svc", "127.0.0.1"), T0, Duration.ofHours(1));
    assertThat(ca.certificate().getBasicConstraints()).isEqualTo(0);
    assertThat(leaf.certificate().getBasicConstraints()).isEqualTo(-1);
    assertThat(leaf.certificate().getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.1"); // serverAuth
    assertThat(leaf.certificate().getNotBefore().toInstant()).isEqualTo(T0.minus(CertificateIssuer.BACKDATE));
    assertThat(CertificateIssuer.issuedAt(leaf.certificate())).isEqualTo(T0);
    leaf.certificate().verify(ca.certificate().getPublicKey());
  }
}
