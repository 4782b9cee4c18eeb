package io.flotilla.hub.webhook;

import java.util.List;
import java.util.Objects;

/**
 * The answer to one admission request. A denial carries an HTTP-style code (403: the request is understood and
 * refused; 400: it could not be understood), a CamelCase reason and a message for the person who made it, which the
 * API server prefixes with {@code admission webhook "<name>" denied the request: }.
 */
public record AdmissionVerdict(boolean allowed, int code, String reason, String message, List<String> warnings) {
  public AdmissionVerdict {
    warnings = warnings == null ? List.of() : List.copyOf(warnings);
    if (!allowed) {
      Objects.requireNonNull(message, "a denial needs a message");
    }
  }

  public static AdmissionVerdict allow() {
    return new AdmissionVerdict(true, 200, null, null, List.of());
  }

  public static AdmissionVerdict allow(List<String> warnings) {
    return new AdmissionVerdict(true, 200, null, null, warnings);
  }

  /** The request is understood and refused. */
  public static AdmissionVerdict deny(String reason, String message) {
    return new AdmissionVerdict(false, 403, reason, message, List.of());
  }

  /** The request could not be understood (e.g. an object that does not parse as its kind). */
  public static AdmissionVerdict badRequest(String message) {
    return new AdmissionVerdict(false, 400, "BadRequest", message, List.of());
  }
}
