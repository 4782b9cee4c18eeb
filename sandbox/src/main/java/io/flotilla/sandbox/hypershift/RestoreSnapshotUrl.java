package io.flotilla.sandbox.hypershift;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * {@code spec.etcd.managed.storage.restoreSnapshotURL} as HyperShift validates it (docs/hypershift-facts.md §1.4): one URL
 * ({@code MaxItems=1}), at most 1024 characters, {@code https://} or {@code s3://}. The sandbox's etcd-init also
 * fetches {@code http://} (test servers), and refuses {@code s3://}, which it cannot download.
 *
 * <p>A presigned URL carries its signature in the query string: it is a secret, so only {@link #redacted} forms (no
 * query, no user info) may reach a log, an event or a status message.
 */
record RestoreSnapshotUrl(URI uri, String raw) {
  static final int MAX_LENGTH = 1024;

  /** Why a value cannot be used: a condition reason and a message without the URL's secret parts. */
  record Rejection(String reason, String message) {}

  /** The URL to restore from, or why the value is refused. Empty or absent lists are not restores at all. */
  static Result parse(List<String> urls) {
    if (urls.size() != 1) {
      return Result.rejected(HyperShiftSimulator.REASON_INVALID_RESTORE_URL,
          "spec.etcd.managed.storage.restoreSnapshotURL must hold exactly one URL, has " + urls.size());
    }
    String raw = urls.get(0);
    if (raw == null || raw.isBlank()) {
      return Result.rejected(HyperShiftSimulator.REASON_INVALID_RESTORE_URL,
          "spec.etcd.managed.storage.restoreSnapshotURL is empty");
    }
    if (raw.length() > MAX_LENGTH) {
      return Result.rejected(HyperShiftSimulator.REASON_INVALID_RESTORE_URL,
          "spec.etcd.managed.storage.restoreSnapshotURL is longer than " + MAX_LENGTH + " characters");
    }
    URI uri;
    try {
      uri = new URI(raw);
    } catch (URISyntaxException e) {
      return Result.rejected(HyperShiftSimulator.REASON_INVALID_RESTORE_URL,
          "spec.etcd.managed.storage.restoreSnapshotURL is not a valid URL (error at index " + e.getIndex() + ")");
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (scheme.equals("s3")) {
      return Result.rejected(HyperShiftSimulator.REASON_UNSUPPORTED_RESTORE_URL,
          "s3:// restore URLs are not supported by the sandbox's etcd-init; use a presigned https:// URL ("
              + redacted(uri) + ")");
    }
    if (!scheme.equals("https") && !scheme.equals("http")) {
      return Result.rejected(HyperShiftSimulator.REASON_INVALID_RESTORE_URL,
          "spec.etcd.managed.storage.restoreSnapshotURL must start with https:// (or s3://), got scheme '" + scheme + "'");
    }
    if (uri.getHost() == null) {
      return Result.rejected(HyperShiftSimulator.REASON_INVALID_RESTORE_URL,
          "spec.etcd.managed.storage.restoreSnapshotURL has no host");
    }
    return new Result(Optional.of(new RestoreSnapshotUrl(uri, raw)), Optional.empty());
  }

  /**
   * scheme://host[:port]/first-segment/…: what may be shown of this URL. Beyond the first segment the path can be the
   * secret itself (the agent's relay puts its one-off token there, docs/backup-and-restore.md), as the query is for a
   * presigned URL.
   */
  String redacted() { return redacted(uri); }

  static String redacted(URI uri) {
    StringBuilder s = new StringBuilder();
    s.append(uri.getScheme()).append("://").append(uri.getHost() == null ? "?" : uri.getHost());
    if (uri.getPort() >= 0) {
      s.append(':').append(uri.getPort());
    }
    String path = uri.getRawPath();
    if (path != null && !path.isEmpty()) {
      int second = path.indexOf('/', 1);
      s.append(second < 0 ? "/…" : path.substring(0, second) + "/…");
    }
    return s.toString();
  }

  /** Removes this URL's query string and user info (and the URL itself) from free text such as an error message. */
  String scrub(String text) {
    if (text == null) {
      return "";
    }
    String out = text.replace(raw, redacted());
    for (String secret : new String[] {uri.getRawQuery(), uri.getQuery(), uri.getRawUserInfo(), uri.getUserInfo(),
        uri.getRawPath(), uri.getPath()}) {
      if (secret != null && secret.length() > 1) {
        out = out.replace(secret, "<redacted>");
      }
    }
    return out;
  }

  @Override
  public String toString() { return redacted(); }

  record Result(Optional<RestoreSnapshotUrl> url, Optional<Rejection> rejection) {
    static Result rejected(String reason, String message) {
      return new Result(Optional.empty(), Optional.of(new Rejection(reason, message)));
    }
  }
}
