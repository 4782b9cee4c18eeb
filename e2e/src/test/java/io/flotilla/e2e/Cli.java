package io.flotilla.e2e;

import io.flotilla.cli.FlotillaCli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The flotilla command run in-process against a sandbox hub, as a person would type it. */
public record Cli(Path kubeconfig) {
  /** What one command did: exit code and what it printed. */
  public record Run(int code, String out, String err) {
    @Override public String toString() { return "exit " + code + "\n--- out\n" + out + "--- err\n" + err; }
  }

  public Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    List<String> all = new ArrayList<>(List.of(args));
    all.add("--kubeconfig=" + kubeconfig);
    int code = FlotillaCli.run(new PrintWriter(out), new PrintWriter(err), all.toArray(String[]::new));
    return new Run(code, out.toString(), err.toString());
  }
}
