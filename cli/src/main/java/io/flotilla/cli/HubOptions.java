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

  /** The server of the last client made, for the one line an unreachable server gets (CliErrors). */
  private static volatile String lastServer;

  static String lastServer() { return lastServer; }

  public KubernetesClient client() {
    Config config;
    try {
      config = Kubeconfigs.load(Kubeconfigs.resolve(kubeconfig), "kubeconfig");
    } catch (Kubeconfigs.InvalidKubeconfigException e) {
      throw new BadInputException(e.getMessage());
    }
    // A person is waiting: an unreachable server is one line within seconds (no retries of a failed connect, as
    // kubectl), not after fabric8's default minutes of retries.
    config.setRequestTimeout(15_000);
    config.setConnectionTimeout(3_000);
    config.setRequestRetryBackoffLimit(0);
    lastServer = config.getMasterUrl();
    return new KubernetesClientBuilder().withConfig(config).build();
  }
}
