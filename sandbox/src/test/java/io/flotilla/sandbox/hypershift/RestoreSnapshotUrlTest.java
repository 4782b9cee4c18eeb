package io.flotilla.sandbox.hypershift;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class RestoreSnapshotUrlTest {
  private static final String PRESIGNED = "https://s3.example.com/bucket/hc-1/snapshot.db"
      + "?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20260101&X-Amz-Signature=deadbeefcafe";

  @Test
  void oneHttpsUrlIsAcceptedAndRedactedToSchemeHostAndFirstPathSegment() {
    RestoreSnapshotUrl url = RestoreSnapshotUrl.parse(List.of(PRESIGNED)).url().orElseThrow();
    assertThat(url.redacted()).isEqualTo("https://s3.example.com/bucket/…");
    assertThat(url.toString()).doesNotContain("deadbeefcafe");
  }

  @Test
  void theRelaysTokenInThePathIsNeverShown() {
    String token = "q7mJ1bK0xYc9Vd2LwZr5sT8uNf3HgEaP4oIiRlXyBjM";
    RestoreSnapshotUrl url = RestoreSnapshotUrl.parse(List.of("https://relay.example:8443/snapshots/" + token)).url()
        .orElseThrow();
    assertThat(url.redacted()).isEqualTo("https://relay.example:8443/snapshots/…");
    assertThat(url.scrub("curl: (22) GET /snapshots/" + token + " returned 403")).doesNotContain(token);
  }

  @Test
  void scrubRemovesTheQueryStringFromFreeText() {
    RestoreSnapshotUrl url = RestoreSnapshotUrl.parse(List.of(PRESIGNED)).url().orElseThrow();
    String scrubbed = url.scrub("GET " + PRESIGNED + " failed; query was " + url.uri().getRawQuery());
    assertThat(scrubbed).doesNotContain("deadbeefcafe").doesNotContain("AKIDEXAMPLE")
        .contains("https://s3.example.com/bucket/…");
  }

  @Test
  void s3IsRefusedAsUnsupported() {
    var rejection = RestoreSnapshotUrl.parse(List.of("s3://bucket/key")).rejection().orElseThrow();
    assertThat(rejection.reason()).isEqualTo(HyperShiftSimulator.REASON_UNSUPPORTED_RESTORE_URL);
  }

  @Test
  void moreThanOneUrlTooLongOrAnotherSchemeIsInvalid() {
    assertThat(RestoreSnapshotUrl.parse(List.of("https://a/x", "https://a/y")).rejection().orElseThrow().reason())
        .isEqualTo(HyperShiftSimulator.REASON_INVALID_RESTORE_URL);
    assertThat(RestoreSnapshotUrl.parse(List.of("https://a/" + "x".repeat(1100))).rejection().orElseThrow().reason())
        .isEqualTo(HyperShiftSimulator.REASON_INVALID_RESTORE_URL);
    assertThat(RestoreSnapshotUrl.parse(List.of("ftp://a/x")).rejection().orElseThrow().reason())
        .isEqualTo(HyperShiftSimulator.REASON_INVALID_RESTORE_URL);
  }

  @Test
  void rejectionMessagesNeverCarryTheSignature() {
    var rejection = RestoreSnapshotUrl.parse(List.of("s3://bucket/key?X-Amz-Signature=deadbeefcafe")).rejection().orElseThrow();
    assertThat(rejection.message()).doesNotContain("deadbeefcafe");
  }
}
