package io.flotilla.hub.webhook;

import io.fabric8.kubernetes.api.model.admission.v1.AdmissionRequest;

/**
 * Judges the admission requests sent to one webhook path. Implementations are called concurrently from the
 * server's threads. {@link #start()} and {@link #close()} bracket the server's life (e.g. an informer).
 */
public interface AdmissionValidator extends AutoCloseable {
  AdmissionVerdict validate(AdmissionRequest request);

  default void start() {}

  @Override
  default void close() {}
}
