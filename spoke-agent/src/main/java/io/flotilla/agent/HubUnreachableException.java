package io.flotilla.agent;

/** The hub API server could not be reached, or refused the agent's credentials. */
public class HubUnreachableException extends RuntimeException {
  public HubUnreachableException(String message, Throwable cause) {
    super(message, cause);
  }
}
