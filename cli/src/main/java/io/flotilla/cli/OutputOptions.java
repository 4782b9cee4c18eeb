package io.flotilla.cli;

import io.fabric8.kubernetes.client.utils.Serialization;
import picocli.CommandLine.Option;

/** -o yaml|json for commands that print objects; without it they print a table. */
public final class OutputOptions {
  public enum Format { table, yaml, json }

  @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", description = "Output format: table (default), yaml, json.")
  Format format = Format.table;

  public boolean isTable() { return format == Format.table; }

  public String render(Object object) {
    return format == Format.json ? Serialization.asJson(object) : Serialization.asYaml(object);
  }
}
