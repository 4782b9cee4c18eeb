package io.flotilla.e2e;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Runs a main class of ours in a separate JVM with the test classpath: the way users and deployments run it. */
public final class JavaProcess {
  private JavaProcess() {}

  public static Process start(Path logFile, Map<String, String> env, String mainClass, String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx512m");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(mainClass);
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(false);
    builder.environment().putAll(env);
    Files.createDirectories(logFile.toAbsolutePath().getParent());
    builder.redirectOutput(logFile.toFile());
    builder.redirectError(new File(logFile + ".err"));
    return builder.start();
  }
}
