package io.flotilla.cli;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Input the `addon` commands can judge alone is refused with exit 2 and one line before the hub is contacted: the
 * kubeconfig given does not exist, so an answer that mentions it would mean the command got that far.
 */
class AddOnCommandBadInputTest {
  @TempDir
  Path tmp;

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "addon rollout metrics-forwarder --version 1.0 | version 1.0 is not a semantic version (such as 1.2.0)",
      "addon rollout metrics-forwarder --version 1.0.0 --max-concurrency 0 | maxConcurrency must be at least 1, got 0",
      "addon rollout metrics-forwarder --version 1.0.0 --min-success-time soon | minSuccessTime \"soon\" is not a duration",
      "addon rollout metrics-forwarder --version 1.0.0 --cluster-selector env | \"env\" is not key=value",
      "addon rollout metrics-forwarder --version 1.0.0 --wait --timeout 0s | --timeout: '0s' must be longer than zero",
      "addon rollout Metrics --version 1.0.0 | add-on name \"Metrics\" is not a DNS label",
      "addon pin MC_1 metrics-forwarder 1.0.0 | cluster name \"MC_1\" is not a DNS label",
      "addon pin mc-1 metrics-forwarder latest | version latest is not a semantic version",
      "addon rollback mc-1 metrics-forwarder --fleet | with --fleet give only ADDON",
      "addon rollback metrics-forwarder | give CLUSTER and ADDON",
      "addon rollback mc-1 metrics-forwarder extra | give CLUSTER and ADDON",
      "addon rollback mc-1 metrics-forwarder --to v1 | version v1 is not a semantic version",
      "addon publish --dir /nonexistent/addon-templates | /nonexistent/addon-templates is not a directory",
      "addon publish --addon no-such-addon | no release of no-such-addon in ",
      "addon status Bad_Name | add-on name \"Bad_Name\" is not a DNS label",
      "bench rollout --clusters 0 | --clusters must be between 1 and 500",
  })
  void refusedWithExitTwoBeforeTheHubIsAsked(String command, String message) {
    List<String> args = new ArrayList<>(List.of(command.split(" ")));
    if (args.get(0).equals("addon")) {
      args.add("--kubeconfig=" + tmp.resolve("missing"));
    }
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();

    int code = FlotillaCli.run(new PrintWriter(out), new PrintWriter(err), args.toArray(String[]::new));

    assertThat(code).as(err.toString()).isEqualTo(2);
    assertThat(err.toString()).startsWith("error: ").contains(message).doesNotContain("kubeconfig").hasLineCount(1);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "addon rollout metrics-forwarder --version 1.0.0 --strategy Sometimes | Invalid value for option '--strategy'",
      "addon rollout metrics-forwarder | Missing required option: '--version=VERSION'",
  })
  void malformedCommandLinesGetPicocliUsageAndExitTwo(String command, String message) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();

    int code = FlotillaCli.run(new PrintWriter(out), new PrintWriter(err), command.split(" "));

    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).contains(message);
  }
}
