package io.flotilla.hub.webhook;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * How the hub's admission webhook is served and how its certificates rotate.
 *
 * @param port               HTTPS port to listen on; 0 picks a free one
 * @param bindAddress        address to listen on; null: every interface
 * @param namespace          namespace of the Service and the Secret
 * @param serviceName        the Service in front of hub-manager's webhook port
 * @param servicePort        the Service's port the API server calls
 * @param secretName         the Secret holding the CA and serving certificate
 * @param configurationName  the ValidatingWebhookConfiguration
 * @param extraNames         more DNS names or IPs for the serving certificate (the Service's are always there)
 * @param urlHost            null: the API server calls the Service; otherwise it calls https://urlHost:port (the
 *                           sandbox, whose API server cannot resolve Services)
 * @param checkInterval      how often certificates are checked (and a replica reloads them from the Secret)
 * @param settle             how long a rotation step waits for the previous one to reach the API server and every
 *                           replica; null: twice the check interval
 * @param caLifetime         validity of a new CA
 * @param servingLifetime    validity of a new serving certificate
 * @param caRenewBefore      rotate the CA when less than this is left; null: a third of its lifetime
 * @param servingRenewBefore reissue the serving certificate when less than this is left; null: a third
 */
public record AdmissionWebhookConfig(int port, String bindAddress, String namespace, String serviceName, int servicePort,
                                     String secretName, String configurationName, List<String> extraNames,
                                     String urlHost, Duration checkInterval, Duration settle, Duration caLifetime,
                                     Duration servingLifetime, Duration caRenewBefore, Duration servingRenewBefore) {
  public static final int DEFAULT_PORT = 9443;
  public static final String DEFAULT_NAMESPACE = "flotilla-system";
  public static final String DEFAULT_SERVICE = "flotilla-webhook";

  public AdmissionWebhookConfig {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("webhook port must be 0..65535, got " + port);
    }
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(serviceName, "serviceName");
    Objects.requireNonNull(secretName, "secretName");
    Objects.requireNonNull(configurationName, "configurationName");
    extraNames = extraNames == null ? List.of() : List.copyOf(extraNames);
    if (checkInterval == null || checkInterval.isZero() || checkInterval.isNegative()) {
      throw new IllegalArgumentException("checkInterval must be positive, got " + checkInterval);
    }
    policy(settle == null ? checkInterval.multipliedBy(2) : settle, caLifetime, servingLifetime, caRenewBefore,
        servingRenewBefore); // validates the lifetimes
  }

  /** In a cluster: port 9443 behind Service flotilla-webhook in flotilla-system; CA for a year, serving cert 90 days. */
  public static AdmissionWebhookConfig defaults() {
    return new AdmissionWebhookConfig(DEFAULT_PORT, null, DEFAULT_NAMESPACE, DEFAULT_SERVICE, 443,
        WebhookCertificates.SECRET_NAME, WebhookConfigurations.NAME, List.of(), null, Duration.ofMinutes(10), null,
        Duration.ofDays(365), Duration.ofDays(90), null, null);
  }

  /** For the sandbox: loopback on a free port, called by URL, the certificate also valid for localhost/127.0.0.1. */
  public static AdmissionWebhookConfig sandbox() {
    return defaults().withPort(0).withBindAddress("127.0.0.1").withExtraNames(List.of("localhost", "127.0.0.1"))
        .withUrlHost("127.0.0.1");
  }

  /** The serving certificate's names: the Service's DNS names, then the extra ones. */
  public List<String> names() {
    List<String> names = new ArrayList<>();
    names.add(serviceName + "." + namespace + ".svc");
    names.add(serviceName + "." + namespace + ".svc.cluster.local");
    extraNames.stream().filter(n -> !names.contains(n)).forEach(names::add);
    return names;
  }

  public CertificateRotation.Policy rotationPolicy() {
    return policy(settle == null ? checkInterval.multipliedBy(2) : settle, caLifetime, servingLifetime, caRenewBefore,
        servingRenewBefore);
  }

  private static CertificateRotation.Policy policy(Duration settle, Duration caLifetime, Duration servingLifetime,
                                                   Duration caRenewBefore, Duration servingRenewBefore) {
    return new CertificateRotation.Policy(caLifetime, servingLifetime, caRenewBefore, servingRenewBefore, settle);
  }

  public AdmissionWebhookConfig withPort(int p) {
    return new AdmissionWebhookConfig(p, bindAddress, namespace, serviceName, servicePort, secretName,
        configurationName, extraNames, urlHost, checkInterval, settle, caLifetime, servingLifetime, caRenewBefore,
        servingRenewBefore);
  }

  public AdmissionWebhookConfig withBindAddress(String a) {
    return new AdmissionWebhookConfig(port, a, namespace, serviceName, servicePort, secretName,
        configurationName, extraNames, urlHost, checkInterval, settle, caLifetime, servingLifetime, caRenewBefore,
        servingRenewBefore);
  }

  public AdmissionWebhookConfig withNamespace(String ns) {
    return new AdmissionWebhookConfig(port, bindAddress, ns, serviceName, servicePort, secretName,
        configurationName, extraNames, urlHost, checkInterval, settle, caLifetime, servingLifetime, caRenewBefore,
        servingRenewBefore);
  }

  public AdmissionWebhookConfig withExtraNames(List<String> names) {
    return new AdmissionWebhookConfig(port, bindAddress, namespace, serviceName, servicePort, secretName,
        configurationName, names, urlHost, checkInterval, settle, caLifetime, servingLifetime, caRenewBefore,
        servingRenewBefore);
  }

  public AdmissionWebhookConfig withUrlHost(String host) {
    return new AdmissionWebhookConfig(port, bindAddress, namespace, serviceName, servicePort, secretName,
        configurationName, extraNames, host, checkInterval, settle, caLifetime, servingLifetime, caRenewBefore,
        servingRenewBefore);
  }

  public AdmissionWebhookConfig withRotation(Duration checkInterval, Duration settle) {
    return new AdmissionWebhookConfig(port, bindAddress, namespace, serviceName, servicePort, secretName,
        configurationName, extraNames, urlHost, checkInterval, settle, caLifetime, servingLifetime, caRenewBefore,
        servingRenewBefore);
  }

  public AdmissionWebhookConfig withLifetimes(Duration ca, Duration serving, Duration caRenew, Duration servingRenew) {
    return new AdmissionWebhookConfig(port, bindAddress, namespace, serviceName, servicePort, secretName,
        configurationName, extraNames, urlHost, checkInterval, settle, ca, serving, caRenew, servingRenew);
  }
}
