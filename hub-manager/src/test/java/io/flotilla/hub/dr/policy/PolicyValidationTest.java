package io.flotilla.hub.dr.policy;

import static io.flotilla.hub.dr.policy.Specs.retention;
import static io.flotilla.hub.dr.policy.Specs.spec;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.flotilla.api.common.NamespacedName;
import io.flotilla.api.dr.v1alpha1.BackupPolicySpec;
import io.flotilla.api.dr.v1alpha1.BackupStoreSpec;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

class PolicyValidationTest {

  static Stream<Arguments> invalid() {
    return Stream.of(
        Arguments.of("six words of cron too many", (Consumer<BackupPolicySpec>) s -> s.schedule = "0 2 * * * * *",
            "spec.schedule: schedule \"0 2 * * * * *\" has 7 fields"),
        Arguments.of("out-of-range minute", (Consumer<BackupPolicySpec>) s -> s.schedule = "61 2 * * *",
            "spec.schedule: schedule \"61 2 * * *\" is not a valid cron expression"),
        Arguments.of("empty schedule", (Consumer<BackupPolicySpec>) s -> s.schedule = " ",
            "spec.schedule: schedule is empty"),
        Arguments.of("never fires", (Consumer<BackupPolicySpec>) s -> s.schedule = "0 0 30 2 *",
            "spec.schedule: schedule \"0 0 30 2 *\" never fires"),
        Arguments.of("unknown time zone", (Consumer<BackupPolicySpec>) s -> s.timeZone = "Mars/Olympus_Mons",
            "spec.timeZone: time zone \"Mars/Olympus_Mons\" is not a known IANA time zone"),
        Arguments.of("keepLast zero", (Consumer<BackupPolicySpec>) s -> retention(s, 0, null),
            "spec.retention.keepLast must be at least 1, got 0"),
        Arguments.of("keepLast negative", (Consumer<BackupPolicySpec>) s -> retention(s, -3, null),
            "spec.retention.keepLast must be at least 1, got -3"),
        Arguments.of("maxAge negative", (Consumer<BackupPolicySpec>) s -> retention(s, null, "-24h"),
            "spec.retention.maxAge must not be negative, got -24h"),
        Arguments.of("maxAge in days", (Consumer<BackupPolicySpec>) s -> retention(s, null, "7d"),
            "spec.retention.maxAge: '7d' is not a duration"),
        Arguments.of("maxAge zero", (Consumer<BackupPolicySpec>) s -> retention(s, null, "0s"),
            "spec.retention.maxAge must be greater than zero"),
        Arguments.of("maxPauseWindow not a duration", (Consumer<BackupPolicySpec>) s -> s.maxPauseWindow = "ten",
            "spec.maxPauseWindow: 'ten' is not a duration"),
        Arguments.of("maxPauseWindow over an hour", (Consumer<BackupPolicySpec>) s -> s.maxPauseWindow = "2h",
            "spec.maxPauseWindow must be at most 1h, got 2h"),
        Arguments.of("no store", (Consumer<BackupPolicySpec>) s -> s.store = null, "spec.store is required"),
        Arguments.of("bad store name", (Consumer<BackupPolicySpec>) s -> s.store = "My_Store",
            "spec.store \"My_Store\" is not a valid BackupStore name"),
        Arguments.of("selector operator", (Consumer<BackupPolicySpec>) s -> s.clusterSelector = new LabelSelectorBuilder()
            .addNewMatchExpression().withKey("env").withOperator("Equals").withValues("x").endMatchExpression().build(),
            "spec.clusterSelector: label selector requirement on env has unknown operator Equals"),
        Arguments.of("namespace name", (Consumer<BackupPolicySpec>) s -> Specs.hosted(s, List.of("clusters", "Bad NS")),
            "spec.hostedClusterSelector.namespaces[1] \"Bad NS\" is not a namespace name"),
        Arguments.of("drills without a cadence", (Consumer<BackupPolicySpec>) s -> Specs.drills(s, null, null, "2h"),
            "spec.verification needs everyNth (drill every Nth backup, e.g. 1) or schedule"),
        Arguments.of("drills with both cadences", (Consumer<BackupPolicySpec>) s -> Specs.drills(s, 2, "0 3 * * *",
            null), "spec.verification has both everyNth 2 and schedule \"0 3 * * *\""),
        Arguments.of("drills every 0th backup", (Consumer<BackupPolicySpec>) s -> Specs.drills(s, 0, null, null),
            "spec.verification.everyNth must be at least 1 (1 drills every backup), got 0"),
        Arguments.of("drill schedule not cron", (Consumer<BackupPolicySpec>) s -> Specs.drills(s, null, "weekly",
            null), "spec.verification.schedule: schedule \"weekly\" has 1"),
        Arguments.of("drill schedule never fires", (Consumer<BackupPolicySpec>) s -> Specs.drills(s, null,
            "0 0 31 4 *", null), "spec.verification.schedule: schedule \"0 0 31 4 *\" never fires"),
        Arguments.of("maxVerifiedAge in days", (Consumer<BackupPolicySpec>) s -> Specs.drills(s, 1, null, "2d"),
            "spec.verification.maxVerifiedAge: '2d' is not a duration"),
        Arguments.of("maxVerifiedAge zero", (Consumer<BackupPolicySpec>) s -> Specs.drills(s, 1, null, "0s"),
            "spec.verification.maxVerifiedAge must be greater than zero"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalid")
  void refusesWithAClearMessage(String title, Consumer<BackupPolicySpec> change, String message) {
    BackupPolicySpec s = spec("0 2 * * *");
    change.accept(s);
    List<String> problems = PolicyValidation.validate(s);
    assertThat(problems).hasSize(1);
    assertThat(problems.get(0)).startsWith(message);
  }

  @Test
  void validSpecsPass() {
    assertThat(PolicyValidation.validate(spec("0 2 * * *"))).isEmpty();
    BackupPolicySpec s = retention(spec("*/10 * * * * *"), 3, "168h");
    s.timeZone = "Europe/Paris";
    s.maxPauseWindow = "90s";
    Specs.hosted(s, List.of("clusters"), "tier", "gold");
    assertThat(PolicyValidation.validate(s)).isEmpty();
    assertThat(PolicyValidation.validate(Specs.drills(spec("0 * * * *"), 1, null, null))).isEmpty();
    assertThat(PolicyValidation.validate(Specs.drills(spec("0 * * * *"), null, "30 3 * * 6", "169h"))).isEmpty();
  }

  @Test
  void reportsEveryProblemAtOnce() {
    BackupPolicySpec s = retention(spec("not cron"), 0, "-1h");
    s.timeZone = "Nowhere/Special";
    assertThat(PolicyValidation.validate(s)).hasSize(4)
        .anySatisfy(m -> assertThat(m).startsWith("spec.timeZone:"))
        .anySatisfy(m -> assertThat(m).startsWith("spec.schedule:"))
        .anySatisfy(m -> assertThat(m).startsWith("spec.retention.keepLast"))
        .anySatisfy(m -> assertThat(m).startsWith("spec.retention.maxAge"));
    assertThat(PolicyValidation.validate(null)).containsExactly("spec is required");
  }

  @Test
  void encryptionRequiredRefusesAnUnencryptedStoreOnly() {
    BackupPolicySpec s = spec("0 2 * * *");
    BackupStoreSpec plain = new BackupStoreSpec();
    plain.encryption.type = BackupStoreSpec.Encryption.Type.None;
    BackupStoreSpec encrypted = new BackupStoreSpec();
    encrypted.encryption.keySecret = new NamespacedName("flotilla", "kek");
    assertThat(PolicyValidation.storeProblem(s, plain)).isEmpty(); // not required
    s.encryption = new BackupPolicySpec.Encryption();
    s.encryption.required = true;
    assertThat(PolicyValidation.storeProblem(s, plain)).get().asString()
        .contains("BackupStore s3 has encryption type None");
    assertThat(PolicyValidation.storeProblem(s, encrypted)).isEmpty();
    assertThat(PolicyValidation.storeProblem(s, null)).isEmpty(); // a missing store is the agent's to report
  }
}
