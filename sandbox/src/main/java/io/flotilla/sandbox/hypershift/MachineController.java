package io.flotilla.sandbox.hypershift;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.flotilla.api.foreign.agent.AgentMachine;
import io.flotilla.api.foreign.capi.Cluster;
import io.flotilla.api.foreign.capi.Machine;

import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * Cluster API's Machine controller, with the MachineSet's part of creating a NodePool's workers (docs/hypershift-facts.md §3). It
 * runs in the control-plane namespace as the {@value AgentPlatform#CAPI_MANAGER} Deployment, so {@link AgentPlatform}
 * runs it only while that Deployment is up. It skips a Machine annotated {@code cluster.x-k8s.io/paused} and the
 * Machines of a paused Cluster.
 */
final class MachineController {
  private static final String AGENT_MACHINE_API_VERSION = AgentMachine.GROUP + "/" + AgentMachine.VERSION;

  private final KubernetesClient client;

  MachineController(KubernetesClient client) {
    this.client = client;
  }

  /** CAPI deletes a Machine's infrastructure machine (the AgentMachine) and waits for it before letting go. */
  boolean reconcile(String ns) {
    boolean progressed = false;
    for (Machine m : Kube.list(client, Machine.class, ns)) {
      if (!Kube.isDeleting(m) || !Kube.hasFinalizer(m, Machine.FINALIZER) || Kube.hasAnnotation(m, Cluster.PAUSED_ANNOTATION)) {
        continue;
      }
      Cluster cluster = Kube.get(client, Cluster.class, ns, clusterNameOf(m));
      if (cluster == null || ClusterController.isPaused(cluster)) {
        continue; // no Cluster: CAPI errors and retries; paused: not reconciled at all
      }
      AgentMachine am = m.getSpec() == null || m.getSpec().infrastructureRef == null ? null
          : Kube.get(client, AgentMachine.class, ns, m.getSpec().infrastructureRef.getName());
      if (am != null) {
        if (!Kube.isDeleting(am)) {
          Kube.delete(client, am);
          progressed = true;
        }
        continue;
      }
      Kube.removeFinalizer(client, m, Machine.FINALIZER);
      progressed = true;
    }
    return progressed;
  }

  /** Creates one worker: Machine → AgentMachine (owned by the Machine), which then has to find a host. */
  AgentMachine createWorker(AgentPlatform.WorkerRequest w) {
    String ns = w.controlPlaneNamespace();
    String name = w.nodePool() + "-" + Kube.randomSuffix();
    Machine machine = new Machine();
    machine.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(ns)
        .addToLabels(Machine.CLUSTER_NAME_LABEL, w.infraId()).addToLabels(Machine.NODE_POOL_LABEL, w.nodePool())
        .addToFinalizers(Machine.FINALIZER).build());
    machine.getSpec().clusterName = w.infraId();
    machine.getSpec().infrastructureRef = new ObjectReferenceBuilder().withApiVersion(AGENT_MACHINE_API_VERSION)
        .withKind("AgentMachine").withName(name).withNamespace(ns).build();
    machine = client.resource(machine).create();
    AgentMachine am = new AgentMachine();
    am.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(ns)
        .addToFinalizers(AgentMachine.DEPROVISION_FINALIZER).withOwnerReferences(Kube.ownerReference(machine)).build());
    return client.resource(am).create();
  }

  /** The live Machines of a NodePool, oldest first. */
  List<Machine> machinesOf(String ns, String nodePool) {
    return Kube.list(client, Machine.class, ns).stream()
        .filter(m -> nodePool.equals(Kube.label(m, Machine.NODE_POOL_LABEL)))
        .sorted(Comparator.comparing((Machine m) -> Objects.toString(m.getMetadata().getCreationTimestamp(), ""))
            .thenComparing(m -> m.getMetadata().getName()))
        .toList();
  }

  static String clusterNameOf(Machine m) {
    String name = m.getSpec() == null ? null : m.getSpec().clusterName;
    return name != null ? name : Kube.label(m, Machine.CLUSTER_NAME_LABEL);
  }
}
