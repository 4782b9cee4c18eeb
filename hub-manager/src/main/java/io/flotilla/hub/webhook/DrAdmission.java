package io.flotilla.hub.webhook;

import io.fabric8.kubernetes.api.model.admission.v1.AdmissionRequest;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.RuleWithOperations;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.RuleWithOperationsBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.flotilla.api.common.NamespacedName;
import io.flotilla.api.dr.v1alpha1.BackupPolicy;
import io.flotilla.common.StoreConfinement;
import io.flotilla.api.dr.v1alpha1.BackupPolicySpec;
import io.flotilla.api.dr.v1alpha1.BackupStore;
import io.flotilla.api.dr.v1alpha1.HostedClusterMigration;
import io.flotilla.api.dr.v1alpha1.HostedClusterMigrationSpec;
import io.flotilla.api.dr.v1alpha1.HostedClusterMigrationStatus;
import io.flotilla.hub.dr.policy.PolicyValidation;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Admission for the dr.flotilla.io kinds an operator writes, refusing what the CRD schema cannot express:
 * <ul>
 *   <li>BackupPolicy: {@link PolicyValidation} (the schedule is a cron expression that fires, the time zone a known
 *       IANA zone, retention.keepLast at least 1, retention.maxAge and maxPauseWindow positive durations, a store,
 *       valid selectors): the messages the policy's status shows when a policy got in without the webhook.
 *   <li>HostedClusterMigration: source and destination differ; hostedCluster never changes; rollback is refused once
 *       the point of no return has passed (status.pointOfNoReturnTime of the stored object).
 * </ul>
 * As for add-ons, an update is judged only on what it changes, so an object that got in invalid (the webhook
 * bypassed) can still be fixed, suspended or have its finalizers removed. HostedClusterBackup and the other records
 * agents and the hub write are deliberately not sent here: with failurePolicy Fail, an unavailable hub-manager would
 * then stop agents from reporting backups.
 */
public final class DrAdmission implements AdmissionValidator {
  public static final String PATH = "/validate-dr";
  public static final String WEBHOOK_NAME = "dr.webhook.flotilla.io";

  /** Denial reasons, the contract tests and the CLI read. */
  public static final String INVALID_BACKUP_POLICY = "InvalidBackupPolicy";
  public static final String SAME_CLUSTER = "SameSourceAndDestination";
  public static final String IMMUTABLE_HOSTED_CLUSTER = "ImmutableHostedCluster";
  public static final String POINT_OF_NO_RETURN_PASSED = "PointOfNoReturnPassed";

  public static final String STORE_REFUSED = "BackupStoreRefused";

  private final KubernetesSerialization serialization;
  private final String agentNamespace;

  /** With the agents in the namespace the shipped manifests give them ({@link StoreConfinement#DEFAULT_AGENT_NAMESPACE}). */
  public DrAdmission(KubernetesSerialization serialization) {
    this(serialization, StoreConfinement.DEFAULT_AGENT_NAMESPACE);
  }

  /** @param agentNamespace where the agents run: a BackupStore's Secrets must be there (StoreConfinement) */
  public DrAdmission(KubernetesSerialization serialization, String agentNamespace) {
    this.serialization = Objects.requireNonNull(serialization, "serialization");
    this.agentNamespace = Objects.requireNonNull(agentNamespace, "agentNamespace");
  }

  /** This validator at {@value #PATH} for CREATE and UPDATE of BackupPolicy and HostedClusterMigration. */
  public WebhookEndpoint endpoint() {
    return new WebhookEndpoint(WEBHOOK_NAME, PATH, rules(), this);
  }

  public static List<RuleWithOperations> rules() {
    return List.of(new RuleWithOperationsBuilder()
        .withApiGroups(BackupStore.GROUP)
        .withApiVersions(BackupStore.VERSION)
        .withOperations("CREATE", "UPDATE")
        .withResources("backuppolicies", "hostedclustermigrations", "backupstores")
        .withScope("*")
        .build());
  }

  /** A reason and a message naming the field and the value. */
  record Problem(String reason, String message) {}

  @Override
  public AdmissionVerdict validate(AdmissionRequest request) {
    String operation = request.getOperation();
    boolean create = "CREATE".equals(operation);
    if (!create && !"UPDATE".equals(operation)) {
      return AdmissionVerdict.allow();
    }
    String kind = request.getKind() == null ? null : request.getKind().getKind();
    if (kind == null) {
      return AdmissionVerdict.badRequest("the AdmissionReview request has no kind");
    }
    try {
      return switch (kind) {
        case "BackupPolicy" -> verdict(policy(request, create));
        case "HostedClusterMigration" -> verdict(migration(request, create));
        case "BackupStore" -> verdict(StoreConfinement.problems(object(request.getObject(), BackupStore.class).getSpec(),
            agentNamespace).stream().map(m -> new Problem(STORE_REFUSED, m)).toList());
        // the configuration sends only these kinds here; anything else is not ours to judge
        default -> AdmissionVerdict.allow(List.of("flotilla's DR webhook does not validate " + kind));
      };
    } catch (IllegalArgumentException e) {
      return AdmissionVerdict.badRequest("the " + kind + " in the request cannot be read: " + rootMessage(e));
    }
  }

  // ------------------------------------------------------------------ BackupPolicy

  /**
   * {@link PolicyValidation}'s problems, the same messages the policy's Valid condition shows. On update only the
   * problems the update brings are refused: those of the old spec were there already and are reported in status.
   */
  private List<Problem> policy(AdmissionRequest request, boolean create) {
    BackupPolicySpec spec = object(request.getObject(), BackupPolicy.class).getSpec();
    List<String> problems = new ArrayList<>(PolicyValidation.validate(spec));
    if (!create) {
      problems.removeAll(PolicyValidation.validate(object(request.getOldObject(), BackupPolicy.class).getSpec()));
    }
    return problems.stream().map(m -> new Problem(INVALID_BACKUP_POLICY, m)).toList();
  }

  // ------------------------------------------------------------------ HostedClusterMigration

  private List<Problem> migration(AdmissionRequest request, boolean create) {
    HostedClusterMigration next = object(request.getObject(), HostedClusterMigration.class);
    HostedClusterMigrationSpec spec = specOf(next.getSpec());
    List<Problem> problems = new ArrayList<>();
    String source = spec.source == null ? null : spec.source.cluster;
    String destination = spec.destination == null ? null : spec.destination.cluster;
    if (create) {
      sameCluster(source, destination).ifPresent(problems::add);
      return problems;
    }
    HostedClusterMigration old = object(request.getOldObject(), HostedClusterMigration.class);
    HostedClusterMigrationSpec oldSpec = specOf(old.getSpec());
    String oldSource = oldSpec.source == null ? null : oldSpec.source.cluster;
    String oldDestination = oldSpec.destination == null ? null : oldSpec.destination.cluster;
    if (!Objects.equals(oldSource, source) || !Objects.equals(oldDestination, destination)) {
      sameCluster(source, destination).ifPresent(problems::add);
    }
    if (!Objects.equals(oldSpec.hostedCluster, spec.hostedCluster)) {
      problems.add(new Problem(IMMUTABLE_HOSTED_CLUSTER, "hostedCluster is immutable: this migration moves "
          + name(oldSpec.hostedCluster) + "; create another HostedClusterMigration for " + name(spec.hostedCluster)));
    }
    HostedClusterMigrationStatus oldStatus = old.getStatus();
    String pointOfNoReturn = oldStatus == null ? null : oldStatus.pointOfNoReturnTime;
    boolean rollbackRequested = Boolean.TRUE.equals(spec.rollback) && !Boolean.TRUE.equals(oldSpec.rollback);
    if (rollbackRequested && pointOfNoReturn != null && !pointOfNoReturn.isBlank()) {
      problems.add(new Problem(POINT_OF_NO_RETURN_PASSED, "rollback refused: the point of no return was passed at "
          + pointOfNoReturn + " (the source of " + name(oldSpec.hostedCluster)
          + " is being or has been torn down); to go back, migrate it again"));
    }
    return problems;
  }

  private static java.util.Optional<Problem> sameCluster(String source, String destination) {
    return source != null && source.equals(destination)
        ? java.util.Optional.of(new Problem(SAME_CLUSTER, "source and destination must differ: both are " + source))
        : java.util.Optional.empty();
  }

  private static String name(NamespacedName n) {
    return n == null ? "no hosted cluster" : n.toString();
  }

  // ------------------------------------------------------------------ shared

  /** Allowed when there is no problem; otherwise denied with the first reason and every message. */
  private static AdmissionVerdict verdict(List<Problem> problems) {
    if (problems.isEmpty()) {
      return AdmissionVerdict.allow();
    }
    return AdmissionVerdict.deny(problems.get(0).reason(),
        String.join("; ", problems.stream().map(Problem::message).toList()));
  }

  private static HostedClusterMigrationSpec specOf(HostedClusterMigrationSpec spec) {
    return spec == null ? new HostedClusterMigrationSpec() : spec;
  }

  private <T> T object(Object raw, Class<T> type) {
    if (raw == null) {
      throw new IllegalArgumentException("the request carries no object");
    }
    T value = serialization.convertValue(raw, type);
    if (value == null) {
      throw new IllegalArgumentException("the request carries no object");
    }
    return value;
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    String m = t.getMessage();
    return m == null ? t.getClass().getSimpleName() : m.lines().findFirst().orElse(m);
  }
}
