package io.flotilla.cli;

/** The user's input cannot be acted on; the message says what to change. Exit code 2. */
public final class BadInputException extends RuntimeException {
  public BadInputException(String message) { super(message); }
}
