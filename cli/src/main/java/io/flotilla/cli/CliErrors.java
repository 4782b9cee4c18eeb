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
    Throwable unreachable = unreachable(e);
    if (unreachable != null) {
      String server = HubOptions.lastServer();
      return "cannot reach the API server" + (server == null ? "" : " " + server) + " ("
          + reason(unreachable) + "); check --kubeconfig and that the server is up";
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
    return unreachable(e) != null ? UNREACHABLE : FAILED;
  }

  /**
   * The connection failure in the chain, if any: the JDK client wraps it (KubernetesClientException → IOException →
   * ConnectException → ClosedChannelException), so the root cause alone does not say it.
   */
  private static Throwable unreachable(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof ConnectException || t instanceof java.net.UnknownHostException
          || t instanceof java.net.NoRouteToHostException || t instanceof java.net.http.HttpConnectTimeoutException) {
        return t;
      }
    }
    return null;
  }

  private static String reason(Throwable t) {
    if (t instanceof java.net.UnknownHostException) {
      return "unknown host";
    }
    if (t instanceof java.net.http.HttpConnectTimeoutException) {
      return "connection timed out";
    }
    if (t instanceof java.net.NoRouteToHostException) {
      return "no route to host";
    }
    return t.getMessage() == null ? "connection refused" : t.getMessage();
  }

}
