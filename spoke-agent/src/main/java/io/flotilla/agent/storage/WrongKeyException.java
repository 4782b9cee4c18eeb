package io.flotilla.agent.storage;

/**
 * The key-encryption key is missing, malformed, or not the one that wrapped a backup's data key. Raised before
 * anything is paused or downloaded, so an operator fixes the Secret instead of finding out after a restore failed.
 * Messages name the key id, never key material.
 */
public class WrongKeyException extends Exception {
  public WrongKeyException(String message) {
    super(message);
  }

  public WrongKeyException(String message, Throwable cause) {
    super(message, cause);
  }
}
