package io.flotilla.common;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.MicroTime;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Objects;
import java.util.UUID;

/**
 * The one way Flotilla records a Kubernetes Event (hub-manager and the agent alike): on the involved object's namespace,
 * or {@link #CLUSTER_SCOPED_NAMESPACE} for a cluster-scoped object (as kubectl looks for them), with the reporting
 * component and both the core/v1 timestamps and eventTime filled in. Best effort: an Event that cannot be written is
 * logged at debug and never fails the work it reports on. Messages must be safe to publish (no keys, tokens, URLs with
 * credentials): callers pass what they would put in a status condition.
 */
public final class EventRecorder {
  private static final Logger log = LoggerFactory.getLogger(EventRecorder.class);
  /** Where events on cluster-scoped objects go. */
  public static final String CLUSTER_SCOPED_NAMESPACE = "default";
  private static final DateTimeFormatter MICRO = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSXXX");

  private final KubernetesClient client;
  private final String component;
  private final Clock clock;

  /** @param component who reports, e.g. "flotilla-hub-manager" or "flotilla-agent/mc-1" */
  public EventRecorder(KubernetesClient client, String component, Clock clock) {
    this.client = Objects.requireNonNull(client);
    this.component = Objects.requireNonNull(component);
    this.clock = Objects.requireNonNull(clock);
  }

  public void normal(HasMetadata involved, String reason, String action, String message) {
    record(involved, "Normal", reason, action, message);
  }

  public void warning(HasMetadata involved, String reason, String action, String message) {
    record(involved, "Warning", reason, action, message);
  }

  /** @param type "Normal" or "Warning" */
  public void record(HasMetadata involved, String type, String reason, String action, String message) {
    String ns = involved.getMetadata().getNamespace() == null ? CLUSTER_SCOPED_NAMESPACE
        : involved.getMetadata().getNamespace();
    Instant now = clock.instant();
    String ts = Time.format(now);
    try {
      client.v1().events().inNamespace(ns).resource(new EventBuilder()
              .withNewMetadata().withName(involved.getMetadata().getName() + "." + UUID.randomUUID().toString().substring(0, 8))
              .withNamespace(ns).endMetadata()
              .withNewInvolvedObject().withApiVersion(involved.getApiVersion()).withKind(involved.getKind())
              .withNamespace(involved.getMetadata().getNamespace()).withName(involved.getMetadata().getName())
              .withUid(involved.getMetadata().getUid()).endInvolvedObject()
              .withType(type).withReason(reason).withMessage(message)
              .withNewSource().withComponent(component).endSource()
              .withReportingComponent(component).withReportingInstance(component)
              .withAction(action)
              .withFirstTimestamp(ts).withLastTimestamp(ts).withCount(1)
              .withEventTime(new MicroTime(ZonedDateTime.ofInstant(now, ZoneOffset.UTC).format(MICRO)))
              .build())
          .create();
    } catch (KubernetesClientException e) {
      log.debug("could not record event {} on {} {}: {}", reason, involved.getKind(), involved.getMetadata().getName(),
          e.getMessage());
    }
  }
}
