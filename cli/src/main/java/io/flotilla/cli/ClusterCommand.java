package io.flotilla.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.flotilla.api.common.Validation;
import io.flotilla.hub.cluster.ClusterRegistration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "cluster", description = "Register management clusters with the hub.",
    subcommands = {ClusterCommand.Add.class})
final class ClusterCommand {

  @Command(name = "add", description = {
      "Register a management cluster: creates its ManagementCluster, its namespace on the hub, the agent's "
          + "ServiceAccount, Role and RoleBinding, and writes the agent's hub kubeconfig."})
  static final class Add implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "NAME", description = "Cluster name (a DNS label).")
    String name;

    @Option(names = {"-l", "--label"}, paramLabel = "KEY=VALUE", description = "Label for placement selectors.")
    Map<String, String> labels = new LinkedHashMap<>();

    @Option(names = "--token-ttl", paramLabel = "DURATION", defaultValue = "P365D",
        description = "Lifetime of the agent's hub token (ISO-8601, default P365D).")
    Duration tokenTtl;

    @Option(names = "--agent-kubeconfig", paramLabel = "FILE",
        description = "Where to write the agent's hub kubeconfig (default ./<name>-hub.kubeconfig).")
    Path agentKubeconfig;

    @Mixin HubOptions hub;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      if (!name.matches(Validation.DNS1123_LABEL) || name.length() > 63) {
        throw new BadInputException("cluster name \"" + name + "\" is not a DNS label (lower-case letters, digits, '-')");
      }
      try (KubernetesClient client = hub.client()) {
        ClusterRegistration.Registration registration = new ClusterRegistration(client).join(name, labels, tokenTtl);
        String kubeconfig = ClusterRegistration.agentKubeconfig(client.getConfiguration(), registration.token(), name);
        Path out = agentKubeconfig != null ? agentKubeconfig : Path.of(name + "-hub.kubeconfig");
        writePrivate(out, kubeconfig);
        spec.commandLine().getOut().printf("cluster %s registered (namespace %s, service account %s)%n"
                + "agent hub kubeconfig written to %s%n"
                + "start the agent on the management cluster with:%n"
                + "  spoke-agent --hub-kubeconfig %s --cluster-name %s%n",
            name, registration.namespace(), registration.serviceAccount(), out, out, name);
        return 0;
      }
    }
  }

  /** The kubeconfig holds a bearer token: owner-only permissions. */
  static void writePrivate(Path file, String content) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    Files.createDirectories(parent);
    Files.writeString(file, content);
    try {
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException ignored) {
      // Non-POSIX file systems: nothing more we can do.
    }
  }
}
