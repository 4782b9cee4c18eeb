package io.flotilla.sandbox;

import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;

import java.util.List;

/**
 * S3Proxy, Jetty and fabric8's mock web server log every request at INFO (the last through java.util.logging).
 * The sandbox routes JUL into SLF4J and sets these to WARN in code rather than shipping a logback.xml, because a
 * library's logback.xml fights the application's own (the CLI's) on the classpath.
 */
public final class QuietLogging {
  private static final List<String> NOISY =
      List.of("org.gaul", "org.eclipse.jetty", "jclouds", "org.jclouds", "io.fabric8.mockwebserver");

  private QuietLogging() {}

  public static synchronized void apply() {
    if (!SLF4JBridgeHandler.isInstalled()) {
      SLF4JBridgeHandler.removeHandlersForRootLogger();
      SLF4JBridgeHandler.install();
    }
    for (String name : NOISY) {
      // Only when logback is the SLF4J binding; with any other binding the application decides.
      if (LoggerFactory.getLogger(name) instanceof ch.qos.logback.classic.Logger logger && logger.getLevel() == null) {
        logger.setLevel(ch.qos.logback.classic.Level.WARN);
      }
      // JUL checks its own level before building a record, so quiet it there too (no per-request cost).
      java.util.logging.Logger.getLogger(name).setLevel(java.util.logging.Level.WARNING);
      KEEP.add(java.util.logging.Logger.getLogger(name));
    }
    // fabric8 warns on every first use of a v1alpha1/v1beta1 kind; every Flotilla and HyperShift kind is one.
    if (LoggerFactory.getLogger(VERSION_WARNINGS) instanceof ch.qos.logback.classic.Logger logger && logger.getLevel() == null) {
      logger.setLevel(ch.qos.logback.classic.Level.ERROR);
    }
  }

  private static final String VERSION_WARNINGS = "io.fabric8.kubernetes.client.dsl.internal.VersionUsageUtils";

  // JUL holds loggers weakly; a collected logger would forget the level set above.
  private static final List<java.util.logging.Logger> KEEP = new java.util.concurrent.CopyOnWriteArrayList<>();
}
