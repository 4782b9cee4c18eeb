package io.flotilla.cli;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.flotilla.common.Kubeconfigs;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** --kubeconfig as kubectl has it: the flag, then $KUBECONFIG, then ~/.kube/config. */
public final class HubOptions {
  @Option(names = "--kubeconfig", paramLabel = "FILE",
      description = "Kubeconfig of the hub (default: $KUBECONFIG, then ~/.kube/config).")
  Path kubeconfig;

  public KubernetesClient client() {
    Config config;
    try {
      config = Kubeconfigs.load(Kubeconfigs.resolve(kubeconfig), "kubeconfig");
    } catch (Kubeconfigs.InvalidKubeconfigException e) {
      throw new BadInputException(e.getMessage());
    }
    // A person is waiting: fail within seconds, not after fabric8's default minutes of retries.
    config.setRequestTimeout(15_000);
    config.setConnectionTimeout(5_000);
    config.setRequestRetryBackoffLimit(2);
    return new KubernetesClientBuilder().withConfig(config).build();
  }
}
