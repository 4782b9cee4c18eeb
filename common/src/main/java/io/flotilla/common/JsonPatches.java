package io.flotilla.common;

import io.fabric8.kubernetes.api.model.HasMetadata;

import java.util.Map;

/** JSON Patch (RFC 6902) operations Flotilla's writers share. */
public final class JsonPatches {
  private JsonPatches() {}

  /**
   * The optimistic-concurrency precondition: set {@code metadata.resourceVersion} to the version just read. The API
   * server (and the sandbox's mock) answers 409 when the object changed since. Not a {@code test} op, which the mock
   * leaves unanswered when it fails, and not a PUT of /status, whose resourceVersion the mock does not check.
   */
  public static Map<String, Object> unchangedSince(HasMetadata read) {
    return Map.of("op", "replace", "path", "/metadata/resourceVersion", "value", read.getMetadata().getResourceVersion());
  }
}
