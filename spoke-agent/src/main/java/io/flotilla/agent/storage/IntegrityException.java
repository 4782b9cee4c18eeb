package io.flotilla.agent.storage;

import java.io.IOException;

/**
 * Stored bytes are not what was backed up: a SHA-256 or size mismatch, a failed authentication tag, or a corrupt
 * compressed frame. Distinct from transport errors, which surface as plain IOExceptions.
 */
public class IntegrityException extends IOException {
  public IntegrityException(String message) {
    super(message);
  }

  public IntegrityException(String message, Throwable cause) {
    super(message, cause);
  }
}
