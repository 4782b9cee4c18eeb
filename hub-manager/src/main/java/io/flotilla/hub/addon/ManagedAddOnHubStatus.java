package io.flotilla.hub.addon;

import io.flotilla.common.JsonPatches;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.flotilla.api.addon.v1alpha1.ManagedAddOn;
import io.flotilla.api.addon.v1alpha1.ManagedAddOnStatus;
import io.flotilla.common.Conditions;
import io.flotilla.hub.addon.validation.AddOnValidation;

import java.time.Clock;
import java.time.Instant;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.BiConsumer;

/**
 * Writes the hub's share of a ManagedAddOn's status and nothing else. The status has two writers: the hub owns
 * {@code desiredVersion} and the {@code InvalidVersion} condition; the spoke agent owns everything else (versions,
 * operation, history, its conditions). Every write is a fresh GET, then a JSON Patch of /status that touches only
 * {@code /status/desiredVersion} and, when the InvalidVersion condition changes, {@code /status/conditions} (a list
 * is replaced whole), and that carries the resourceVersion just read as a precondition. A concurrent agent write
 * makes it fail with 409, and the write is redone on the newer object: the agent's fields are never lost.
 *
 * <p>Not a PUT of /status: the fabric8 CRUD mock does not check the resourceVersion of a status PUT (it takes the
 * stored metadata), so a PUT would silently overwrite there; the patch precondition is checked by the mock and by a
 * real API server alike.
 */
public final class ManagedAddOnHubStatus {
  public static final String REASON_VERSION_RELEASED = "VersionReleased";
  public static final String REASON_NOT_PINNED = "NotPinned";
  static final int MAX_ATTEMPTS = 10;

  private final KubernetesClient hub;
  private final Clock clock;
  /** Test hook: runs between the read and the write of each attempt. */
  private final BiConsumer<ManagedAddOn, Integer> betweenReadAndWrite;

  public ManagedAddOnHubStatus(KubernetesClient hub, Clock clock) {
    this(hub, clock, (m, attempt) -> {});
  }

  ManagedAddOnHubStatus(KubernetesClient hub, Clock clock, BiConsumer<ManagedAddOn, Integer> betweenReadAndWrite) {
    this.hub = Objects.requireNonNull(hub);
    this.clock = Objects.requireNonNull(clock);
    this.betweenReadAndWrite = Objects.requireNonNull(betweenReadAndWrite);
  }

  /**
   * Sets desiredVersion (null leaves it as it is) and the InvalidVersion condition of one ManagedAddOn.
   *
   * @param pinProblem why the pin names no usable release; empty if the pin is fine or there is none
   * @return true if the object was written; false if nothing changed or it is gone or being deleted
   */
  public boolean write(String namespace, String name, String desiredVersion,
                       Optional<AddOnValidation.Problem> pinProblem) {
    for (int attempt = 1; ; attempt++) {
      ManagedAddOn fresh = hub.resources(ManagedAddOn.class).inNamespace(namespace).withName(name).get();
      if (fresh == null || fresh.getMetadata().getDeletionTimestamp() != null) {
        return false;
      }
      boolean statusOnServer = !isEmpty(fresh.getStatus());
      String desiredBefore = fresh.getStatus() == null ? null : fresh.getStatus().desiredVersion;
      List<Condition> conditionsBefore = fresh.getStatus() == null || fresh.getStatus().conditions == null ? List.of()
          : List.copyOf(fresh.getStatus().conditions);
      if (!apply(fresh, desiredVersion, pinProblem, clock.instant())) {
        return false;
      }
      ManagedAddOnStatus s = fresh.getStatus();
      List<Map<String, Object>> patch = new ArrayList<>();
      // the precondition: fails with 409 if anyone wrote since our GET
      patch.add(JsonPatches.unchangedSince(fresh));
      if (!statusOnServer) {
        Map<String, Object> status = new LinkedHashMap<>();
        if (s.desiredVersion != null) {
          status.put("desiredVersion", s.desiredVersion);
        }
        status.put("conditions", s.conditions);
        patch.add(Map.of("op", "add", "path", "/status", "value", status));
      } else {
        if (!Objects.equals(desiredBefore, s.desiredVersion)) {
          patch.add(Map.of("op", "add", "path", "/status/desiredVersion", "value", s.desiredVersion));
        }
        if (!conditionsBefore.equals(s.conditions)) {
          patch.add(Map.of("op", "add", "path", "/status/conditions", "value", s.conditions));
        }
      }
      betweenReadAndWrite.accept(fresh, attempt);
      try {
        hub.resources(ManagedAddOn.class).inNamespace(namespace).withName(name).subresource("status")
            .patch(PatchContext.of(PatchType.JSON), hub.getKubernetesSerialization().asJson(patch));
        return true;
      } catch (KubernetesClientException e) {
        if (e.getCode() == 404) {
          return false;
        }
        if (e.getCode() != 409 || attempt >= MAX_ATTEMPTS) {
          throw e;
        }
      }
    }
  }

  /** True if {@link #apply} would change {@code m} (checked on a cached copy, before paying for a fresh GET). */
  public static boolean needsWrite(ManagedAddOn m, String desiredVersion, Optional<AddOnValidation.Problem> pinProblem) {
    ManagedAddOnStatus s = m.getStatus();
    if (desiredVersion != null && !desiredVersion.equals(s == null ? null : s.desiredVersion)) {
      return true;
    }
    Optional<Condition> existing = Conditions.find(s == null ? null : s.conditions, ManagedAddOn.INVALID_VERSION);
    Optional<Expected> expected = expected(m, pinProblem);
    if (expected.isEmpty()) {
      return false;
    }
    Expected e = expected.get();
    return existing.isEmpty() || !e.status().equals(existing.get().getStatus())
        || !e.reason().equals(existing.get().getReason()) || !e.message().equals(existing.get().getMessage())
        || !Objects.equals(m.getMetadata().getGeneration(), existing.get().getObservedGeneration());
  }

  /** Changes the hub's fields of {@code m} in place; returns true if anything changed. */
  static boolean apply(ManagedAddOn m, String desiredVersion, Optional<AddOnValidation.Problem> pinProblem,
                       Instant now) {
    if (!needsWrite(m, desiredVersion, pinProblem)) {
      return false;
    }
    ManagedAddOnStatus s = m.getStatus();
    if (s == null) {
      s = new ManagedAddOnStatus();
      m.setStatus(s);
    }
    if (desiredVersion != null) {
      s.desiredVersion = desiredVersion;
    }
    if (s.conditions == null) {
      s.conditions = new ArrayList<>();
    }
    Optional<Expected> expected = expected(m, pinProblem);
    if (expected.isPresent()) {
      Expected e = expected.get();
      Conditions.set(s.conditions, ManagedAddOn.INVALID_VERSION, e.status(), e.reason(), e.message(),
          m.getMetadata().getGeneration(), now);
    }
    return true;
  }

  /**
   * No status on the server: the CR class always creates a status object, so "absent" is an object with nothing in
   * it. Then /status itself is added (JSON Patch cannot add below a missing member).
   */
  private static boolean isEmpty(ManagedAddOnStatus s) {
    return s == null || (s.observedGeneration == null && s.desiredVersion == null && s.currentVersion == null
        && s.previousVersion == null && s.lastKnownGoodVersion == null && s.operation == null
        && (s.history == null || s.history.isEmpty()) && (s.conditions == null || s.conditions.isEmpty()));
  }

  private record Expected(String status, String reason, String message) {}

  /**
   * InvalidVersion=True with the problem; once it was set, False when the pin is fine again. A ManagedAddOn that
   * never had a bad pin gets no InvalidVersion condition at all (nothing to report).
   */
  private static Optional<Expected> expected(ManagedAddOn m, Optional<AddOnValidation.Problem> pinProblem) {
    if (pinProblem.isPresent()) {
      return Optional.of(new Expected(Conditions.TRUE, pinProblem.get().reason(), pinProblem.get().message()));
    }
    boolean hadCondition = Conditions.find(m.getStatus() == null ? null : m.getStatus().conditions,
        ManagedAddOn.INVALID_VERSION).isPresent();
    if (!hadCondition) {
      return Optional.empty();
    }
    String pin = m.getSpec() == null ? null : m.getSpec().version;
    return Optional.of(pin == null || pin.isBlank()
        ? new Expected(Conditions.FALSE, REASON_NOT_PINNED, "not pinned; follows the fleet's version")
        : new Expected(Conditions.FALSE, REASON_VERSION_RELEASED, "pinned version " + pin + " has a release"));
  }
}
