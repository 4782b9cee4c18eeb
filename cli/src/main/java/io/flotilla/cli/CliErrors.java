package io.flotilla.cli;

import io.fabric8.kubernetes.client.KubernetesClientException;

import java.io.FileNotFoundException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.nio.file.NoSuchFileException;

/** Maps failures to one line and an exit code: 1 failure, 2 bad input, 4 API server unreachable, 5 a prerequisite (etcd) missing. */
final class CliErrors {
  private CliErrors() {}

  static final int FAILED = 1;
  static final int BAD_INPUT = 2;
  static final int UNREACHABLE = 4;
  static final int MISSING_PREREQUISITE = 5;

  static String describe(Throwable e) {
    Throwable root = rootCause(e);
    if (root instanceof ConnectException) {
      return "cannot reach the API server: " + root.getMessage();
    }
    if (e instanceof KubernetesClientException kce && kce.getStatus() != null && kce.getStatus().getMessage() != null) {
      return kce.getStatus().getMessage();
    }
    String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    return message.lines().findFirst().orElse(message);
  }

  static int exitCode(Throwable e) {
    if (e instanceof io.flotilla.sandbox.etcd.EtcdNotFoundException) {
      return MISSING_PREREQUISITE;
    }
    if (e instanceof BadInputException || e instanceof NoSuchFileException || e instanceof FileNotFoundException
        || e instanceof UncheckedIOException uio && uio.getCause() instanceof NoSuchFileException) {
      return BAD_INPUT;
    }
    return rootCause(e) instanceof ConnectException ? UNREACHABLE : FAILED;
  }

  private static Throwable rootCause(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t;
  }
}
