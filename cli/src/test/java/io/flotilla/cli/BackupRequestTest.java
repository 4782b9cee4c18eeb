package io.flotilla.cli;

import io.flotilla.api.common.NamespacedName;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackup;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BackupRequestTest {
  private static final Instant NOW = Instant.parse("2026-11-21T10:48:05.123Z");

  @Test
  void theDefaultNameIsTheHostedClusterAndTheTimeInUtc() {
    BackupRequest r = BackupRequest.parse("mc-1", "clusters/hc-1", "default", null, null, false, NOW);
    assertThat(r.name()).isEqualTo("hc-1-20261121-104805");
    assertThat(r.hostedCluster()).isEqualTo(new NamespacedName("clusters", "hc-1"));
  }

  @Test
  void theRecordCarriesWhatWasAskedAndNoStatus() {
    HostedClusterBackup b = BackupRequest.parse("mc-1", "clusters/hc-1", "s3-eu", "nightly", "90s", true, NOW).toRecord();
    assertThat(b.getMetadata().getNamespace()).isEqualTo("mc-1");
    assertThat(b.getMetadata().getName()).isEqualTo("nightly");
    assertThat(b.getSpec().hostedCluster).isEqualTo(new NamespacedName("clusters", "hc-1"));
    assertThat(b.getSpec().store).isEqualTo("s3-eu");
    assertThat(b.getSpec().maxPauseWindow).isEqualTo("90s");
    assertThat(b.getSpec().quiesceAPIServers).isTrue();
    assertThat(b.getStatus()).isNull();
  }

  @Test
  void withoutAPauseWindowTheAgentsDefaultApplies() {
    HostedClusterBackup b = BackupRequest.parse("mc-1", "clusters/hc-1", "default", null, null, false, NOW).toRecord();
    assertThat(b.getSpec().maxPauseWindow).isNull();
    assertThat(b.getSpec().quiesceAPIServers).isNull();
  }

  @ParameterizedTest
  @ValueSource(strings = {"hc-1", "clusters/", "/hc-1", "a/b/c", "Clusters/hc-1", "clusters/HC_1", ""})
  void refusesAHostedClusterThatIsNotNamespaceSlashName(String ref) {
    assertThatThrownBy(() -> BackupRequest.parse("mc-1", ref, "default", null, null, false, NOW))
        .isInstanceOf(BadInputException.class).hasMessage("hosted cluster \"" + ref + "\" is not <namespace>/<name>, e.g. clusters/hc-1");
  }

  @Test
  void refusesBadNamesWithTheValueInTheMessage() {
    assertThatThrownBy(() -> BackupRequest.parse("MC_1", "clusters/hc-1", "default", null, null, false, NOW))
        .isInstanceOf(BadInputException.class).hasMessageContaining("\"MC_1\"").hasMessageContaining("DNS label");
    assertThatThrownBy(() -> BackupRequest.parse("mc-1", "clusters/hc-1", "Default", null, null, false, NOW))
        .isInstanceOf(BadInputException.class).hasMessageContaining("store \"Default\"");
    assertThatThrownBy(() -> BackupRequest.parse("mc-1", "clusters/hc-1", "default", "My Backup", null, false, NOW))
        .isInstanceOf(BadInputException.class).hasMessageStartingWith("backup name \"My Backup\"")
        .hasMessageNotContaining("--name");
    String longHc = "h".repeat(240);
    assertThatThrownBy(() -> BackupRequest.parse("mc-1", "clusters/" + longHc, "default", null, null, false, NOW))
        .isInstanceOf(BadInputException.class).hasMessageEndingWith("; choose one with --name");
  }

  @Test
  void durationsAreGoStyleAndPositive() {
    assertThat(BackupRequest.positiveDuration("--timeout", "1h30m")).isEqualTo(Duration.ofMinutes(90));
    assertThatThrownBy(() -> BackupRequest.positiveDuration("--timeout", "PT10M"))
        .isInstanceOf(BadInputException.class).hasMessage("--timeout: 'PT10M' is not a duration such as 90s, 10m or 1h30m");
    assertThatThrownBy(() -> BackupRequest.parse("mc-1", "clusters/hc-1", "default", null, "0m", false, NOW))
        .isInstanceOf(BadInputException.class).hasMessage("--max-pause-window must be greater than zero, got 0m");
  }
}
