package io.flotilla.cli;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** --kubeconfig as kubectl has it: the flag, then $KUBECONFIG, then ~/.kube/config. */
public final class HubOptions {
  @Option(names = "--kubeconfig", paramLabel = "FILE",
      description = "Kubeconfig of the hub (default: $KUBECONFIG, then ~/.kube/config).")
  Path kubeconfig;

  public Path resolve() {
    if (kubeconfig != null) {
      return kubeconfig;
    }
    String env = System.getenv("KUBECONFIG");
    if (env != null && !env.isBlank()) {
      // kubectl merges a path list; the first file is the one that names the current context in practice.
      return Path.of(env.split(java.io.File.pathSeparator)[0]);
    }
    return Path.of(System.getProperty("user.home"), ".kube", "config");
  }

  public KubernetesClient client() {
    Path file = resolve();
    if (!Files.isReadable(file)) {
      throw new BadInputException("kubeconfig " + file + ": " + (Files.exists(file) ? "not readable" : "no such file"));
    }
    String content;
    try {
      content = Files.readString(file);
    } catch (IOException e) {
      throw new BadInputException("kubeconfig " + file + ": " + e.getMessage());
    }
    Config config;
    try {
      config = Config.fromKubeconfig(content);
    } catch (RuntimeException e) {
      throw new BadInputException("kubeconfig " + file + " cannot be parsed: " + e.getMessage());
    }
    config.setRequestTimeout(15_000);
    config.setConnectionTimeout(5_000);
    return new KubernetesClientBuilder().withConfig(config).build();
  }
}
