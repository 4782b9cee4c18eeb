package io.flotilla.agent.backup;

import io.etcd.jetcd.Client;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.io.ByteArrayInputStream;
import java.util.Base64;
import java.util.Map;
import java.util.Objects;

/**
 * How the agent reaches a hosted cluster's etcd: the client certificate Secret and the client Service in the
 * control-plane namespace. The defaults are HyperShift's names (docs/hypershift-facts.md §1.2 step 3); an installation with
 * other names sets them in the agent's configuration.
 */
public record EtcdAccess(String secretName, String certificateKey, String privateKeyKey, String caKey,
    String serviceName, String portName) {

  public static final EtcdAccess HYPERSHIFT = new EtcdAccess("etcd-client-tls", "etcd-client.crt", "etcd-client.key",
      "etcd-client-ca.crt", "etcd-client", "etcd-client");

  public EtcdAccess {
    Objects.requireNonNull(secretName);
    Objects.requireNonNull(certificateKey);
    Objects.requireNonNull(privateKeyKey);
    Objects.requireNonNull(caKey);
    Objects.requireNonNull(serviceName);
  }

  /** The etcd endpoint of a control plane: {@code https://<service>.<ns>.svc:<port>}, or the ExternalName host. */
  public String endpoint(KubernetesClient local, String controlPlaneNamespace) throws BackupFailure {
    Service svc = local.services().inNamespace(controlPlaneNamespace).withName(serviceName).get();
    if (svc == null || svc.getSpec() == null) {
      throw new BackupFailure(BackupFailure.ETCD_UNREACHABLE, "Service " + controlPlaneNamespace + "/" + serviceName
          + " does not exist: the hosted control plane has no etcd client endpoint");
    }
    int port = svc.getSpec().getPorts() == null ? 2379 : svc.getSpec().getPorts().stream()
        .filter(p -> portName == null || portName.equals(p.getName()) || svc.getSpec().getPorts().size() == 1)
        .map(ServicePort::getPort).findFirst().orElse(2379);
    String host = "ExternalName".equals(svc.getSpec().getType()) && svc.getSpec().getExternalName() != null
        ? svc.getSpec().getExternalName()
        : serviceName + "." + controlPlaneNamespace + ".svc";
    return "https://" + host + ":" + port;
  }

  /** A jetcd client with the control plane's client certificate; the caller closes it. */
  public Client client(KubernetesClient local, String controlPlaneNamespace) throws BackupFailure {
    Secret secret = local.secrets().inNamespace(controlPlaneNamespace).withName(secretName).get();
    Map<String, String> data = secret == null || secret.getData() == null ? Map.of() : secret.getData();
    if (secret == null || !data.containsKey(certificateKey) || !data.containsKey(privateKeyKey) || !data.containsKey(caKey)) {
      throw new BackupFailure(BackupFailure.ETCD_CLIENT_SECRET_NOT_FOUND, "Secret " + controlPlaneNamespace + "/"
          + secretName + (secret == null ? " does not exist" : " lacks one of " + certificateKey + ", " + privateKeyKey
          + ", " + caKey));
    }
    String endpoint = endpoint(local, controlPlaneNamespace);
    try {
      return Client.builder()
          .endpoints(endpoint)
          .sslContext(b -> b
              .trustManager(decoded(data.get(caKey)))
              .keyManager(decoded(data.get(certificateKey)), decoded(data.get(privateKeyKey))))
          .build();
    } catch (javax.net.ssl.SSLException | IllegalArgumentException e) {
      throw new BackupFailure(BackupFailure.ETCD_CLIENT_SECRET_NOT_FOUND, "Secret " + controlPlaneNamespace + "/"
          + secretName + " does not hold a usable client certificate: " + e.getClass().getSimpleName());
    }
  }

  private static ByteArrayInputStream decoded(String base64) {
    return new ByteArrayInputStream(Base64.getDecoder().decode(base64));
  }
}
