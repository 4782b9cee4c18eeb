package io.flotilla.agent.backup;

/**
 * A backup that cannot go on, with the condition reason the hub shows. The message must be safe to publish: no
 * key material, credentials or presigned URLs.
 */
public final class BackupFailure extends Exception {
  public static final String HOSTED_CLUSTER_NOT_FOUND = "HostedClusterNotFound";
  public static final String STORE_NOT_FOUND = "BackupStoreNotFound";
  /** The store would make the agent a confused deputy (io.flotilla.common.StoreConfinement). */
  public static final String STORE_REFUSED = "BackupStoreRefused";
  public static final String CREDENTIALS_NOT_FOUND = "CredentialsNotFound";
  public static final String STORE_UNREACHABLE = "BackupStoreUnreachable";
  public static final String ENCRYPTION_KEY_INVALID = "EncryptionKeyInvalid";
  public static final String ENCRYPTION_KEY_MISMATCH = "EncryptionKeyMismatch";
  public static final String ETCD_CLIENT_SECRET_NOT_FOUND = "EtcdClientSecretNotFound";
  public static final String ETCD_UNREACHABLE = "EtcdUnreachable";
  public static final String INVALID_SPEC = "InvalidSpec";
  public static final String PAUSE_FAILED = "PauseFailed";
  public static final String SNAPSHOT_FAILED = "SnapshotFailed";
  public static final String UPLOAD_FAILED = "UploadFailed";
  public static final String RESOURCES_FAILED = "ResourcesFailed";
  public static final String COMMIT_FAILED = "CommitFailed";
  public static final String AGENT_RESTARTED = "AgentRestarted";
  public static final String INTERRUPTED = "Interrupted";
  /** The agent was asked to stop (SIGTERM) and undid the backup: hosted cluster resumed, upload aborted. */
  public static final String AGENT_STOPPED = "AgentStopped";
  /** Someone changed a field the backup was about to pause between its read and its write: theirs is kept. */
  public static final String PAUSE_CONFLICT = "PauseConflict";
  /** The snapshot still streamed when the pause window ended (io.flotilla.common.PauseWindow). */
  public static final String PAUSE_EXPIRED = "PauseExpired";
  /**
   * A stored backup is not what was backed up: a checksum differs, or its manifest is altered, unsealed where it must
   * be sealed, or was copied from another backup's folder (io.flotilla.agent.storage.AuthenticatedManifest).
   */
  public static final String BACKUP_CORRUPT = "BackupCorrupt";
  /** A restore with latest: true and no sourceCluster, while backups of that name exist under several clusters. */
  public static final String AMBIGUOUS_SOURCE = "AmbiguousSource";

  private final String reason;

  public BackupFailure(String reason, String message) {
    super(message);
    this.reason = reason;
  }

  public BackupFailure(String reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
  }

  public String reason() {
    return reason;
  }
}
