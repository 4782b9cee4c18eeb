package io.flotilla.sandbox.ocm.addon;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The sandbox's kubelet for the one Deployment it runs: the agent Deployment that the flotilla add-on's template
 * (manifests/ocm/addontemplate-flotilla-0.1.0.yaml) puts on a spoke through its ManifestWork. The mock API servers run no
 * pods, so while the Deployment {@code flotilla-agent/flotilla-agent} exists on the spoke this starts the sandbox's
 * agent for the cluster its {@code --cluster-name} arg names, and stops it when the Deployment goes. The agent's hub
 * kubeconfig is the mounted Secret {@code flotilla-hub-kubeconfig} the add-on registration writes: its
 * {@code kubeconfig} key is copied to a file (0600) and rewritten whenever the Secret changes, as the kubelet refreshes a
 * mounted Secret, so a rotated token reaches an agent that reads its kubeconfig file (io.flotilla.common.Kubeconfigs).
 */
public final class AgentDeploymentRunner implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AgentDeploymentRunner.class);
  public static final String NAMESPACE = "flotilla-agent";
  public static final String DEPLOYMENT = "flotilla-agent";
  public static final String SECRET = "flotilla-hub-kubeconfig";

  private final String cluster;
  private final KubernetesClient spoke;
  private final Path kubeconfigFile;
  private final Consumer<String> start;
  private final Consumer<String> stop;
  private final Duration period;
  private ScheduledExecutorService executor;
  /** The cluster the running agent was started for; null while none runs. */
  private String running;

  /**
   * @param start starts the agent of the cluster named (the Deployment's --cluster-name), reading kubeconfigFile
   * @param stop  stops it
   */
  public AgentDeploymentRunner(String cluster, KubernetesClient spoke, Path kubeconfigFile, Consumer<String> start,
      Consumer<String> stop, Duration period) {
    this.cluster = cluster;
    this.spoke = spoke;
    this.kubeconfigFile = kubeconfigFile;
    this.start = start;
    this.stop = stop;
    this.period = period;
  }

  public synchronized void start() {
    if (executor != null) {
      return;
    }
    executor = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "agent-deployment-runner-" + cluster);
      t.setDaemon(true);
      return t;
    });
    executor.scheduleWithFixedDelay(() -> {
      try {
        reconcile();
      } catch (RuntimeException e) {
        LOG.warn("{}: agent deployment pass failed: {}", cluster, e.toString());
      }
    }, 0, period.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Whether an agent runs from the Deployment. */
  public synchronized boolean running() { return running != null; }

  /** One pass: the kubeconfig file brought up to date, the agent started or stopped to match the Deployment. */
  public synchronized void reconcile() {
    Deployment deployment = spoke.apps().deployments().inNamespace(NAMESPACE).withName(DEPLOYMENT).get();
    Optional<String> kubeconfig = kubeconfig();
    if (deployment == null || deployment.getMetadata().getDeletionTimestamp() != null) {
      stopRunning();
      return;
    }
    if (kubeconfig.isEmpty()) {
      return; // a pod would wait for its Secret volume
    }
    writeIfChanged(kubeconfig.get());
    if (running == null) {
      String name = clusterName(deployment).orElse(cluster);
      if (!name.equals(cluster)) {
        LOG.warn("{}: the agent Deployment says --cluster-name={}; the sandbox runs this cluster's agent only", cluster, name);
        return;
      }
      LOG.info("{}: agent Deployment {}/{} present, starting the agent", cluster, NAMESPACE, DEPLOYMENT);
      start.accept(name);
      running = name;
    }
  }

  private void stopRunning() {
    if (running != null) {
      LOG.info("{}: agent Deployment {}/{} gone, stopping the agent", cluster, NAMESPACE, DEPLOYMENT);
      stop.accept(running);
      running = null;
    }
  }

  private Optional<String> kubeconfig() {
    Secret secret = spoke.secrets().inNamespace(NAMESPACE).withName(SECRET).get();
    if (secret == null || secret.getData() == null || secret.getData().get(AddOnNames.SECRET_KUBECONFIG) == null) {
      return Optional.empty();
    }
    return Optional.of(new String(Base64.getDecoder().decode(secret.getData().get(AddOnNames.SECRET_KUBECONFIG)),
        StandardCharsets.UTF_8));
  }

  private void writeIfChanged(String content) {
    try {
      if (Files.exists(kubeconfigFile) && Files.readString(kubeconfigFile).equals(content)) {
        return;
      }
      Files.createDirectories(kubeconfigFile.toAbsolutePath().getParent());
      Path tmp = kubeconfigFile.resolveSibling(kubeconfigFile.getFileName() + ".tmp");
      Files.writeString(tmp, content);
      Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
      // replaced at once, as the kubelet swaps a Secret volume's symlink: a reader never sees half a file
      Files.move(tmp, kubeconfigFile, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
          java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("cannot write " + kubeconfigFile, e);
    }
  }

  /** The value of the agent container's --cluster-name arg, rendered from {{CLUSTER_NAME}}. */
  static Optional<String> clusterName(Deployment deployment) {
    if (deployment.getSpec() == null || deployment.getSpec().getTemplate() == null
        || deployment.getSpec().getTemplate().getSpec() == null) {
      return Optional.empty();
    }
    return deployment.getSpec().getTemplate().getSpec().getContainers().stream()
        .flatMap(c -> Optional.ofNullable(c.getArgs()).orElse(List.of()).stream())
        .filter(a -> a.startsWith("--cluster-name="))
        .map(a -> a.substring("--cluster-name=".length()))
        .findFirst();
  }

  @Override
  public void close() {
    ScheduledExecutorService e;
    synchronized (this) {
      e = executor;
      executor = null;
    }
    if (e != null) {
      e.shutdownNow();
      try {
        e.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException ie) {
        Thread.currentThread().interrupt();
      }
    }
    synchronized (this) {
      stopRunning();
    }
  }
}
