package io.flotilla.cli;

import io.flotilla.common.BuildInfo;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;

/** The {@code flotilla} command. */
@Command(name = "flotilla", mixinStandardHelpOptions = true, versionProvider = FlotillaCli.Version.class,
    description = "Keeps fleets of HyperShift management clusters safe to change and safe to lose.",
    subcommands = {SandboxCommand.class, StatusCommand.class, ClusterCommand.class, BackupCommand.class,
        StoreCommand.class, RestoreCommand.class, MigrateCommand.class, FailoverCommand.class, AddOnCommand.class, PolicyCommand.class, BenchCommand.class, HelpCommand.class})
public final class FlotillaCli {

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the command line and returns the exit code, so tests need no System.exit. */
  public static int run(String... args) {
    return execute(commandLine(), args);
  }

  /** The command tree, with {@code -h/--help} on every command and subcommand (kubectl's and velero's convention). */
  static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new FlotillaCli());
    withHelp(cli);
    return cli;
  }

  private static void withHelp(CommandLine command) {
    CommandLine.Model.CommandSpec spec = command.getCommandSpec();
    if (spec.optionsMap().get("--help") == null && spec.optionsMap().get("-h") == null) {
      spec.addOption(CommandLine.Model.OptionSpec.builder("-h", "--help").usageHelp(true)
          .description("Show this help message and exit.").build());
    }
    command.getSubcommands().values().forEach(FlotillaCli::withHelp);
  }

  /** As {@link #run(String...)}, writing to {@code out} and {@code err}: tests read what a person would see. */
  public static int run(PrintWriter out, PrintWriter err, String... args) {
    CommandLine cli = commandLine();
    cli.setOut(out);
    cli.setErr(err);
    return execute(cli, args);
  }

  private static int execute(CommandLine cli, String... args) {
    cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
      // Users get one clear line; the stack trace is for --verbose-style debugging via the log file.
      cmd.getErr().println("error: " + CliErrors.describe(e));
      return CliErrors.exitCode(e);
    });
    int code = cli.execute(args);
    // picocli's writers are not auto-flushed, and main() ends in System.exit.
    cli.getOut().flush();
    cli.getErr().flush();
    return code;
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() { return new String[] {"flotilla " + BuildInfo.version()}; }
  }
}
