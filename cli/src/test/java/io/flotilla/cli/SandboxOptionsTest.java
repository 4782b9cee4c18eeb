package io.flotilla.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** `sandbox up` and `sandbox demo` options as they reach the fleet. */
class SandboxOptionsTest {
  @Test
  void ocmIsOffUnlessAsked() {
    SandboxCommand.Up up = new SandboxCommand.Up();
    new CommandLine(up).parseArgs();
    assertThat(up.fleetOptions.toOptions(Path.of("d")).ocm()).isFalse();

    SandboxCommand.Up withOcm = new SandboxCommand.Up();
    new CommandLine(withOcm).parseArgs("--ocm", "--clusters", "3");
    assertThat(withOcm.fleetOptions.toOptions(Path.of("d")).ocm()).isTrue();
    assertThat(withOcm.fleetOptions.toOptions(Path.of("d")).clusters()).isEqualTo(3);
  }
}
