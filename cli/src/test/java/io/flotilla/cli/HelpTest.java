package io.flotilla.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Help on every command and subcommand, found by walking the command tree. */
class HelpTest {
  @Test
  void everyCommandAndSubcommandAnswersHelpWithExitZeroAndItsOwnUsage() {
    List<List<String>> paths = new ArrayList<>();
    walk(FlotillaCli.commandLine(), new ArrayList<>(), paths);
    assertThat(paths).as("the tree has its nested commands").contains(List.of("backup", "create"),
        List.of("restore", "resume"), List.of("addon", "rollout"));
    for (List<String> path : paths) {
      for (String flag : List.of("--help", "-h")) {
        List<String> args = new ArrayList<>(path);
        args.add(flag);
        Run run = flotilla(args.toArray(String[]::new));
        assertThat(run.code).as(args + ": " + run.err).isZero();
        assertThat(run.out).as(String.valueOf(args)).startsWith("Usage: " + String.join(" ", usagePath(path)));
      }
    }
  }

  @Test
  void helpNamesANestedCommand() {
    Run run = flotilla("help", "backup", "create");
    assertThat(run.code).as(run.err).isZero();
    assertThat(run.out).startsWith("Usage: flotilla backup create");
  }

  private static List<String> usagePath(List<String> path) {
    List<String> all = new ArrayList<>(List.of("flotilla"));
    all.addAll(path);
    return all;
  }

  private static void walk(CommandLine command, List<String> path, List<List<String>> into) {
    into.add(List.copyOf(path));
    command.getSubcommands().forEach((name, sub) -> {
      // aliases map to the same command: walk each command once, under its own name
      if (name.equals(sub.getCommandName()) && !"help".equals(name)) {
        List<String> next = new ArrayList<>(path);
        next.add(name);
        walk(sub, next, into);
      }
    });
  }

  private record Run(int code, String out, String err) {}

  private static Run flotilla(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = FlotillaCli.run(new PrintWriter(out), new PrintWriter(err), args);
    return new Run(code, out.toString(), err.toString());
  }
}
