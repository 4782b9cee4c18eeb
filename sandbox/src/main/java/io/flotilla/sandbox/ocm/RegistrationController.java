package io.flotilla.sandbox.ocm;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.flotilla.api.foreign.ocm.ManagedCluster;
import io.flotilla.api.foreign.ocm.ManagedClusterAddOn;
import io.flotilla.api.foreign.ocm.ManifestWork;
import io.flotilla.common.Conditions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The hub side of OCM's registration for one ManagedCluster (docs/ocm-facts.md §2.3, §I2.1, §I2.2, §I6.1), playing
 * four of OCM's hub controllers and its ManagedCluster webhook, in the order a pass needs them:
 * <ul>
 *   <li>the managedcluster controller: an accepted cluster ({@code hubAcceptsClient}) gets its cluster namespace,
 *       the clean-up finalizers and {@code HubAcceptedManagedCluster=True}; a cluster no longer accepted
 *       {@code False};</li>
 *   <li>the webhook's defaulting: the cluster-set label {@code default} when the cluster has none;</li>
 *   <li>the lease controller: the lease {@code managed-cluster-lease} created when missing; once it is older than five
 *       lease durations, {@code ManagedClusterConditionAvailable=Unknown}, reason
 *       {@code ManagedClusterLeaseUpdateStopped} (never True: that is the klusterlet's to say);</li>
 *   <li>the taint controller: the {@code unreachable} / {@code unavailable} taints from Available;</li>
 *   <li>the gc controller: a deleted cluster's ManagedClusterAddOns and ManifestWorks go, then the finalizers.</li>
 * </ul>
 * Thin: the decisions are {@link LeaseExpiry} and {@link AvailabilityTaints}.
 */
final class RegistrationController {
  private static final Logger LOG = LoggerFactory.getLogger(RegistrationController.class);
  /** The gc controller's finalizer (ocm pkg/common/helpers/clusters.go GcFinalizer, docs/ocm-facts.md §I6.1). */
  static final String GC_FINALIZER = "cluster.open-cluster-management.io/resource-cleanup";

  private final KubernetesClient hub;
  private final Clock clock;

  RegistrationController(KubernetesClient hub, Clock clock) {
    this.hub = hub;
    this.clock = clock;
  }

  /**
   * One pass over a cluster.
   *
   * @return when to look at it again (its lease's expiry), or empty when only an event can change anything
   */
  Optional<Instant> sync(String name) {
    ManagedCluster mc = hub.resources(ManagedCluster.class).withName(name).get();
    if (mc == null) {
      return Optional.empty();
    }
    if (mc.getMetadata().getDeletionTimestamp() != null) {
      collectGarbage(mc);
      return Optional.empty();
    }
    Instant now = clock.instant();
    boolean accepted = Boolean.TRUE.equals(mc.getSpec() == null ? null : mc.getSpec().hubAcceptsClient);
    if (accepted) {
      ensureNamespace(name);
      mc = ensureMetadata(mc);
      if (mc == null) {
        return Optional.empty(); // deleted meanwhile
      }
    }
    Optional<Instant> recheck = Optional.empty();
    Lease lease = null;
    boolean everAccepted = accepted || Conditions.find(conditions(mc), ManagedCluster.HUB_ACCEPTED).isPresent();
    if (everAccepted) {
      lease = hub.leases().inNamespace(name).withName(Ocm.LEASE_NAME).get();
      if (lease == null && accepted) {
        createLease(name, now);
      }
    }
    LeaseExpiry expiry = lease == null || lease.getSpec().getRenewTime() == null ? null
        : LeaseExpiry.of(lease.getSpec().getRenewTime().toInstant(), mc.getSpec().leaseDurationSeconds, now);
    if (expiry != null) {
      recheck = Optional.of(expiry.recheckAt());
    }
    mc = writeStatus(name, accepted, expiry != null && expiry.expired(), now);
    if (mc != null) {
      writeTaints(mc, now);
    }
    return recheck;
  }

  private ManagedCluster writeStatus(String name, boolean accepted, boolean leaseExpired, Instant now) {
    return Writes.updateStatus(hub, () -> hub.resources(ManagedCluster.class).withName(name).get(), status -> {
      ManagedCluster.Status s = status == null ? new ManagedCluster.Status() : status;
      List<Condition> conditions = s.conditions == null ? new ArrayList<>() : new ArrayList<>(s.conditions);
      boolean wasAccepted = Conditions.isTrue(conditions, ManagedCluster.HUB_ACCEPTED);
      if (accepted) {
        Conditions.set(conditions, ManagedCluster.HUB_ACCEPTED, Conditions.TRUE, Ocm.REASON_ACCEPTED,
            "Accepted by hub cluster admin", null, now);
      } else if (wasAccepted) {
        Conditions.set(conditions, ManagedCluster.HUB_ACCEPTED, Conditions.FALSE, Ocm.REASON_DENIED,
            "Denied by hub cluster admin", null, now);
      }
      // The hub only ever says Unknown; True and False are the klusterlet's (docs/ocm-facts.md §I2.1).
      if (leaseExpired && !Conditions.UNKNOWN.equals(statusOrNull(conditions, ManagedCluster.AVAILABLE))) {
        Conditions.set(conditions, ManagedCluster.AVAILABLE, Conditions.UNKNOWN,
            ManagedCluster.REASON_LEASE_UPDATE_STOPPED, Ocm.MESSAGE_LEASE_UPDATE_STOPPED, null, now);
        LOG.info("OCM hub: ManagedCluster {} Available=Unknown: its lease stopped", name);
      }
      s.conditions = conditions.isEmpty() && s.conditions == null ? null : conditions;
      return s;
    });
  }

  private void writeTaints(ManagedCluster mc, Instant now) {
    String available = statusOrNull(conditions(mc), ManagedCluster.AVAILABLE);
    AvailabilityTaints.next(mc.getSpec().taints, available, now).ifPresent(taints -> {
      try {
        Writes.patch(hub, mc, List.of(Writes.set("/spec/taints", taints)));
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409 && e.getCode() != 404) {
          throw e;
        }
        // changed since read: the event that changed it brings the next pass
      }
    });
  }

  /** The finalizers an accepted cluster carries and its default cluster-set label (OCM's webhook defaulting). */
  private ManagedCluster ensureMetadata(ManagedCluster mc) {
    List<Map<String, Object>> ops = new ArrayList<>();
    List<String> finalizers = mc.getMetadata().getFinalizers() == null ? new ArrayList<>()
        : new ArrayList<>(mc.getMetadata().getFinalizers());
    boolean addFinalizers = false;
    for (String f : List.of(Ocm.CLEANUP_FINALIZER, GC_FINALIZER)) {
      if (!finalizers.contains(f)) {
        finalizers.add(f);
        addFinalizers = true;
      }
    }
    if (addFinalizers) {
      ops.add(Writes.set("/metadata/finalizers", finalizers));
    }
    Map<String, String> labels = mc.getMetadata().getLabels();
    String set = labels == null ? null : labels.get(ManagedCluster.CLUSTER_SET_LABEL);
    if (set == null || set.isEmpty()) {
      Map<String, String> next = labels == null ? new HashMap<>() : new HashMap<>(labels);
      next.put(ManagedCluster.CLUSTER_SET_LABEL, Ocm.DEFAULT_SET);
      ops.add(Writes.set("/metadata/labels", next));
    }
    if (ops.isEmpty()) {
      return mc;
    }
    try {
      return Writes.patch(hub, mc, ops);
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw e;
      }
      return hub.resources(ManagedCluster.class).withName(mc.getMetadata().getName()).get();
    }
  }

  private void ensureNamespace(String name) {
    Namespace ns = hub.namespaces().withName(name).get();
    if (ns == null) {
      hub.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name)
          .addToLabels(Ocm.CLUSTER_NAME_LABEL, name).endMetadata().build()).create();
    } else if (!name.equals(ns.getMetadata().getLabels() == null ? null
        : ns.getMetadata().getLabels().get(Ocm.CLUSTER_NAME_LABEL))) {
      // e.g. Flotilla's own `cluster add` made the namespace first: OCM applies its label to it
      hub.namespaces().withName(name).edit(n -> new NamespaceBuilder(n).editMetadata()
          .addToLabels(Ocm.CLUSTER_NAME_LABEL, name).endMetadata().build());
    }
  }

  private void createLease(String name, Instant now) {
    ZonedDateTime renew = ZonedDateTime.ofInstant(now.truncatedTo(ChronoUnit.MICROS), ZoneOffset.UTC);
    try {
      hub.leases().inNamespace(name).resource(new LeaseBuilder().withNewMetadata().withName(Ocm.LEASE_NAME)
          .withNamespace(name).addToLabels(Ocm.CLUSTER_NAME_LABEL, name).endMetadata()
          .withNewSpec().withHolderIdentity(Ocm.LEASE_NAME).withRenewTime(renew).endSpec().build()).create();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw e;
      }
    }
  }

  /** The gc controller, then the managedcluster controller: what the cluster namespace held for it goes first. */
  private void collectGarbage(ManagedCluster mc) {
    String ns = mc.getMetadata().getName();
    List<ManagedClusterAddOn> addOns = hub.resources(ManagedClusterAddOn.class).inNamespace(ns).list().getItems();
    List<ManifestWork> works = hub.resources(ManifestWork.class).inNamespace(ns).list().getItems();
    addOns.stream().filter(a -> a.getMetadata().getDeletionTimestamp() == null)
        .forEach(a -> hub.resource(a).delete());
    works.stream().filter(w -> w.getMetadata().getDeletionTimestamp() == null)
        .forEach(w -> hub.resource(w).delete());
    if (!addOns.isEmpty() || !works.isEmpty()) {
      return; // their deletion events (or the resync) bring the next pass
    }
    List<String> finalizers = mc.getMetadata().getFinalizers() == null ? List.of() : mc.getMetadata().getFinalizers();
    List<String> rest = finalizers.stream().filter(f -> !f.equals(Ocm.CLEANUP_FINALIZER) && !f.equals(GC_FINALIZER))
        .toList();
    if (rest.size() != finalizers.size()) {
      try {
        Writes.patch(hub, mc, List.of(Writes.set("/metadata/finalizers", rest)));
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409 && e.getCode() != 404) {
          throw e;
        }
      }
    }
  }

  private static List<Condition> conditions(ManagedCluster mc) {
    return mc.getStatus() == null ? null : mc.getStatus().conditions;
  }

  private static String statusOrNull(List<Condition> conditions, String type) {
    return Conditions.find(conditions, type).map(Condition::getStatus).orElse(null);
  }
}
