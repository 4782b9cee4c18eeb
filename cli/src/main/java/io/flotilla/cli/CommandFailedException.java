package io.flotilla.cli;

/** The command ran, and what it did or waited for failed; the message says what happened. Exit code 1. */
public final class CommandFailedException extends RuntimeException {
  public CommandFailedException(String message) { super(message); }
}
