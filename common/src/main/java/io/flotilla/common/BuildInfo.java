package io.flotilla.common;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** Flotilla's version, filtered in at build time; the agent reports it and the CLI prints it. */
public final class BuildInfo {
  private BuildInfo() {}

  private static final String VERSION = load();

  public static String version() { return VERSION; }

  private static String load() {
    try (InputStream in = BuildInfo.class.getResourceAsStream("/io/flotilla/common/build.properties")) {
      Properties p = new Properties();
      if (in != null) {
        p.load(in);
      }
      return p.getProperty("version", "unknown");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
