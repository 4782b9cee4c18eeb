package io.flotilla.common;

import io.flotilla.api.common.NamespacedName;
import io.flotilla.api.dr.v1alpha1.BackupStoreSpec;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

class StoreConfinementTest {
  static final String AGENT = "flotilla-agent";

  @ParameterizedTest(name = "[{index}] {0} {1} {2} {3} insecure={4} unencrypted={5} → {6}")
  @CsvSource(nullValues = "null", delimiter = '|', value = {
      // credentials ns | key ns         | type      | endpoint             | insecure | unencrypted | problem (null: none)
      "flotilla-agent   | flotilla-agent | AES256GCM | https://s3.example    | null     | null        | null",
      "flotilla-agent   | null           | SSEKMS    | null                 | null     | null        | null",
      // a Secret anywhere else on the spoke is a confused deputy
      "kube-system      | flotilla-agent | AES256GCM | https://s3.example    | null     | null        | credentialsSecret kube-system/",
      "flotilla-agent   | clusters-hc-1  | AES256GCM | https://s3.example    | null     | null        | encryption.keySecret clusters-hc-1/",
      // plain text needs saying so
      "flotilla-agent   | null           | None      | https://s3.example    | null     | null        | allowUnencrypted: true",
      "flotilla-agent   | null           | None      | https://s3.example    | null     | false       | allowUnencrypted: true",
      "flotilla-agent   | null           | None      | https://s3.example    | null     | true        | null",
      // plain http needs saying so
      "flotilla-agent   | flotilla-agent | AES256GCM | http://minio.local    | null     | null        | insecureEndpoint: true",
      "flotilla-agent   | flotilla-agent | AES256GCM | HTTP://minio.local    | false    | null        | insecureEndpoint: true",
      "flotilla-agent   | flotilla-agent | AES256GCM | http://minio.local    | true     | null        | null"})
  void aStoreMayNotMakeTheAgentReadForeignSecretsOrSendPlainText(String credentialsNs, String keyNs,
      BackupStoreSpec.Encryption.Type type, String endpoint, Boolean insecure, Boolean unencrypted, String problem) {
    BackupStoreSpec spec = new BackupStoreSpec();
    spec.bucket = "backups";
    spec.endpoint = endpoint;
    spec.insecureEndpoint = insecure;
    spec.allowUnencrypted = unencrypted;
    spec.credentialsSecret = new NamespacedName(credentialsNs, "s3");
    spec.encryption = new BackupStoreSpec.Encryption();
    spec.encryption.type = type;
    spec.encryption.keySecret = keyNs == null ? null : new NamespacedName(keyNs, "key");

    var problems = StoreConfinement.problems(spec, AGENT);

    if (problem == null) {
      assertThat(problems).isEmpty();
    } else {
      assertThat(problems).hasSize(1);
      assertThat(problems.get(0)).contains(problem);
    }
  }
}
