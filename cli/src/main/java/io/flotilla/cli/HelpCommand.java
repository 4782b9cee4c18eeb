package io.flotilla.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code flotilla help [COMMAND...]}: the usage of any command, nested ones included ({@code help backup create}).
 * picocli's own help command looks one level down only.
 */
@Command(name = "help", helpCommand = true,
    description = "Show the usage of a command: flotilla help [COMMAND [SUBCOMMAND...]].")
final class HelpCommand implements CommandLine.IHelpCommandInitializable2, Runnable {
  @Parameters(paramLabel = "COMMAND", arity = "0..*", description = "The command, and its subcommands, to describe.")
  List<String> path = new ArrayList<>();

  private CommandLine root;
  private PrintWriter out;

  @Override
  public void init(CommandLine helpCommandLine, CommandLine.Help.ColorScheme colorScheme, PrintWriter out,
      PrintWriter err) {
    this.root = helpCommandLine.getParent();
    this.out = out;
  }

  @Override
  public void run() {
    CommandLine command = root;
    for (String name : path) {
      CommandLine next = command.getSubcommands().get(name);
      if (next == null) {
        throw new CommandLine.ParameterException(root, "unknown command \"" + String.join(" ", path)
            + "\"; see: flotilla --help");
      }
      command = next;
    }
    command.usage(out);
    out.flush();
  }
}
