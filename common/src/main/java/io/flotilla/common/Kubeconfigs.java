package io.flotilla.common;

import io.fabric8.kubernetes.client.Config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads a kubeconfig file the way every Flotilla entry point needs it (hub-manager, spoke-agent, CLI): a missing,
 * unreadable or unparseable file is one clear message naming the file, and never its contents (it holds a token). The
 * Config stays backed by the file, so a rotated token in it is picked up by the running client.
 */
public final class Kubeconfigs {
  private Kubeconfigs() {}

  /** The file cannot be used; the message is one line meant for the user. */
  public static final class InvalidKubeconfigException extends IllegalArgumentException {
    public InvalidKubeconfigException(String message) { super(message); }
  }

  /**
   * @param what how the user knows this file, e.g. "hub kubeconfig"
   */
  public static Config load(Path path, String what) {
    if (!Files.exists(path)) {
      throw new InvalidKubeconfigException(what + " " + path + ": no such file");
    }
    if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
      throw new InvalidKubeconfigException(what + " " + path + ": not a readable file");
    }
    String content;
    try {
      content = Files.readString(path);
    } catch (IOException e) {
      throw new InvalidKubeconfigException(what + " " + path + ": cannot read (" + e.getClass().getSimpleName() + ")");
    }
    Config config;
    try {
      Config.fromKubeconfig(content); // parse once from what was read, so a bad file fails here with our message
      // Backed by the file: fabric8 re-reads it (every minute, and on a 401) and takes a rotated token without a
      // restart, as a mounted Secret (an OCM add-on's hub kubeconfig, docs/ocm-facts.md §I1.4) is rotated in place.
      config = Config.fromKubeconfig(path.toFile());
    } catch (RuntimeException e) {
      // The parser's message may quote the file; do not pass it on.
      throw new InvalidKubeconfigException(what + " " + path + ": not a valid kubeconfig");
    }
    if (config.getCurrentContext() == null || config.getMasterUrl() == null) {
      throw new InvalidKubeconfigException(what + " " + path + ": not a valid kubeconfig (no current context with a server)");
    }
    return config;
  }

  /** kubectl's order: an explicit path, then the first file in $KUBECONFIG, then ~/.kube/config. */
  public static Path resolve(Path explicit) {
    if (explicit != null) {
      return explicit;
    }
    String env = System.getenv("KUBECONFIG");
    if (env != null && !env.isBlank()) {
      return Path.of(env.split(java.io.File.pathSeparator)[0]);
    }
    return Path.of(System.getProperty("user.home"), ".kube", "config");
  }
}
