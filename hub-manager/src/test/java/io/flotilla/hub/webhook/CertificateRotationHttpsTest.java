package io.flotilla.hub.webhook;

import io.flotilla.testing.MutableClock;

import static io.flotilla.hub.webhook.WebhookTestSupport.configurationBundle;
import static io.flotilla.hub.webhook.WebhookTestSupport.secretBundle;
import static io.flotilla.hub.webhook.WebhookTestSupport.secretServing;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.flotilla.hub.webhook.CertificateRotation.Step;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Rotation as the API server sees it, over real TLS. The certificates are issued on a test clock set in the past,
 * so they are near expiry but still valid for the JDK's TLS client, which checks them against the real time; moving
 * the test clock to the present makes them due.
 */
@EnableKubernetesMockClient(crud = true)
class CertificateRotationHttpsTest {
  static final Duration SETTLE = Duration.ofSeconds(10);

  KubernetesClient client;
  MutableClock clock;
  Instant realNow;
  AdmissionWebhook webhook;
  AdmissionWebhook replica;

  @BeforeEach
  void crds() throws Exception {
    WebhookTestSupport.registerCrds(client);
    realNow = Instant.now().truncatedTo(ChronoUnit.SECONDS);
  }

  @AfterEach
  void stop() {
    for (AdmissionWebhook w : new AdmissionWebhook[] {webhook, replica}) {
      if (w != null) {
        w.close();
      }
    }
  }

  AdmissionWebhook start(Duration caLifetime, Duration servingLifetime) {
    AdmissionWebhook w = new AdmissionWebhook(client, AdmissionWebhookConfig.sandbox()
        .withRotation(Duration.ofHours(1), SETTLE) // the scheduler stays idle: the test runs each check
        .withLifetimes(caLifetime, servingLifetime, null, null), clock, List.of());
    w.start();
    return w;
  }

  X509Certificate presented(AdmissionWebhook w, List<X509Certificate> trusted) throws Exception {
    return WebhookTestSupport.post(w.getPort(), "/healthz", null, trusted).presented();
  }

  @Test
  void aServingCertificateNearExpiryIsReplacedAndANewConnectionGetsTheNewOne() throws Exception {
    // issued 50 minutes ago for an hour: 10 minutes left, though not yet due on the test clock
    clock = new MutableClock(realNow.minus(Duration.ofMinutes(50)));
    webhook = start(Duration.ofHours(10), Duration.ofHours(1));
    List<X509Certificate> bundle = configurationBundle(client);
    X509Certificate first = presented(webhook, bundle);
    assertThat(first).isEqualTo(secretServing(client));
    assertThat(webhook.checkCertificates().decision().step()).isEqualTo(Step.NONE);

    clock.set(realNow); // a sixth of its lifetime left: due
    assertThat(webhook.checkCertificates().decision().step()).isEqualTo(Step.REISSUE_SERVING);

    X509Certificate second = presented(webhook, configurationBundle(client));
    assertThat(second.getSerialNumber()).isNotEqualTo(first.getSerialNumber());
    assertThat(second).isEqualTo(secretServing(client));
    assertThat(second.getNotAfter().toInstant()).isEqualTo(realNow.plus(Duration.ofHours(1)));
    // same CA: the bundle did not need to change
    assertThat(configurationBundle(client)).containsExactlyElementsOf(bundle);
    assertThat(webhook.checkCertificates().decision().step()).isEqualTo(Step.NONE);
  }

  @Test
  void aCaNearExpiryIsRotatedWithTheBundleUpdatedBeforeAndAfterTheServingCertificate() throws Exception {
    // a 3-hour CA issued 2.5 hours ago: half an hour left, less than a third
    clock = new MutableClock(realNow.minus(Duration.ofMinutes(150)));
    webhook = start(Duration.ofHours(3), Duration.ofHours(3));
    List<X509Certificate> oldBundle = configurationBundle(client);
    assertThat(oldBundle).hasSize(1);
    X509Certificate oldCa = oldBundle.get(0);
    X509Certificate oldServing = presented(webhook, List.of(oldCa));

    // step 1: a new CA joins the bundle in front of the old one; the old serving certificate stays
    clock.set(realNow);
    assertThat(webhook.checkCertificates().decision().step()).isEqualTo(Step.ROTATE_CA);
    List<X509Certificate> rotating = configurationBundle(client);
    assertThat(rotating).hasSize(2).element(1).isEqualTo(oldCa);
    X509Certificate newCa = rotating.get(0);
    assertThat(secretBundle(client)).containsExactlyElementsOf(rotating);
    assertThat(presented(webhook, List.of(oldCa))).isEqualTo(oldServing);
    assertThat(webhook.checkCertificates().decision().step()).as("not settled yet").isEqualTo(Step.NONE);

    // step 2: after the settle time the serving certificate comes from the new CA
    clock.advance(SETTLE);
    assertThat(webhook.checkCertificates().decision().step()).isEqualTo(Step.REISSUE_SERVING);
    X509Certificate newServing = presented(webhook, List.of(newCa));
    assertThat(CertificateIssuer.signedBy(newServing, newCa)).isTrue();
    assertThat(presented(webhook, configurationBundle(client))).isEqualTo(newServing);
    assertThatThrownBy(() -> presented(webhook, List.of(oldCa))).isInstanceOf(SSLHandshakeException.class);
    assertThat(configurationBundle(client)).as("old CA kept until the new serving certificate settles")
        .containsExactly(newCa, oldCa);

    // step 3: the old CA leaves the bundle
    clock.advance(SETTLE);
    assertThat(webhook.checkCertificates().decision().step()).isEqualTo(Step.DROP_RETIRED_CAS);
    assertThat(configurationBundle(client)).containsExactly(newCa);
    assertThat(secretBundle(client)).containsExactly(newCa);
    assertThat(presented(webhook, configurationBundle(client))).isEqualTo(newServing);
  }

  @Test
  void replicasShareOneRotationThroughTheSecret() throws Exception {
    clock = new MutableClock(realNow.minus(Duration.ofMinutes(50)));
    webhook = start(Duration.ofHours(10), Duration.ofHours(1));
    replica = start(Duration.ofHours(10), Duration.ofHours(1));
    X509Certificate first = presented(webhook, configurationBundle(client));
    assertThat(presented(replica, configurationBundle(client))).as("the second replica reused the Secret")
        .isEqualTo(first);

    clock.set(realNow);
    assertThat(webhook.checkCertificates().decision().step()).isEqualTo(Step.REISSUE_SERVING);
    // the replica finds the new certificate in the Secret rather than issuing its own
    assertThat(replica.checkCertificates().decision().step()).isEqualTo(Step.NONE);
    X509Certificate renewed = secretServing(client);
    assertThat(renewed).isNotEqualTo(first);
    assertThat(presented(webhook, configurationBundle(client))).isEqualTo(renewed);
    assertThat(presented(replica, configurationBundle(client))).isEqualTo(renewed);
  }
}
