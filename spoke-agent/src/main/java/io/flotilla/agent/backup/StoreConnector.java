package io.flotilla.agent.backup;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.flotilla.agent.storage.AuthenticatedManifest;
import io.flotilla.agent.storage.BackupCatalog;
import io.flotilla.agent.storage.IntegrityException;
import io.flotilla.agent.storage.BackupEncryption;
import io.flotilla.agent.storage.BackupLayout;
import io.flotilla.agent.storage.BackupManifest;
import io.flotilla.agent.storage.CatalogReconciliation;
import io.flotilla.agent.storage.ClusterIdentity;
import io.flotilla.agent.storage.KeyEncryptionKey;
import io.flotilla.agent.storage.ManifestSeal;
import io.flotilla.agent.storage.S3Clients;
import io.flotilla.agent.storage.WrongKeyException;
import io.flotilla.api.dr.v1alpha1.BackupStore;
import io.flotilla.api.dr.v1alpha1.BackupStoreSpec;
import io.flotilla.common.StoreConfinement;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;

import java.io.IOException;
import java.net.URI;
import java.util.Base64;
import java.util.Map;
import java.util.Objects;

/**
 * Turns a BackupStore name into a working connection: the store from the hub, its credentials and encryption key
 * from Secrets on this spoke (they never leave it), and a bucket that answers. Everything here runs before a hosted
 * cluster is paused, so a bad store, credential or key fails the backup without touching the cluster.
 */
public final class StoreConnector {
  /** Builds the S3 client; tests substitute one that fails on cue. */
  @FunctionalInterface
  public interface S3Factory {
    S3Client create(BackupStoreSpec store, String accessKeyId, String secretAccessKey);
  }

  public static final S3Factory AWS_SDK = (store, accessKey, secretKey) -> S3Clients.create(
      store.endpoint == null || store.endpoint.isBlank() ? null : URI.create(store.endpoint), store.region,
      Boolean.TRUE.equals(store.forcePathStyle) || (store.endpoint != null && !store.endpoint.isBlank()),
      accessKey, secretKey);

  public static final String ACCESS_KEY_ID = "accessKeyId";
  public static final String SECRET_ACCESS_KEY = "secretAccessKey";

  /** Failure reasons of {@link #claimFolder}. */
  public static final String LOCATION_COLLISION = "BackupLocationCollision";
  public static final String BACKUP_EXISTS = "BackupAlreadyExists";
  public static final String CLUSTER_IDENTITY_UNKNOWN = "ClusterIdentityUnknown";
  /** Whose UID identifies a cluster: kube-system lives as long as the cluster does. */
  public static final String IDENTITY_NAMESPACE = "kube-system";

  private final KubernetesClient hub;
  private final KubernetesClient local;
  private final S3Factory s3Factory;
  private final String cluster;
  private final String agentNamespace;

  /** For tools and tests that never generate a key: the bucket's copies would name no cluster. */
  public StoreConnector(KubernetesClient hub, KubernetesClient local, S3Factory s3Factory) {
    this(hub, local, s3Factory, "an unnamed cluster");
  }

  /** An agent in the default namespace ({@link BackupConfig#DEFAULT_NAMESPACE}). */
  public StoreConnector(KubernetesClient hub, KubernetesClient local, S3Factory s3Factory, String cluster) {
    this(hub, local, s3Factory, cluster, BackupConfig.DEFAULT_NAMESPACE);
  }

  /**
   * @param cluster        this management cluster's name, which the bucket's copies of keys it generates record
   * @param agentNamespace the agent's namespace: the only one it reads a store's Secrets from (StoreConfinement)
   */
  public StoreConnector(KubernetesClient hub, KubernetesClient local, S3Factory s3Factory, String cluster,
      String agentNamespace) {
    this.hub = Objects.requireNonNull(hub);
    this.local = Objects.requireNonNull(local);
    this.s3Factory = Objects.requireNonNull(s3Factory);
    this.cluster = Objects.requireNonNull(cluster);
    this.agentNamespace = Objects.requireNonNull(agentNamespace);
  }

  /**
   * An open store: close it to release the S3 client. {@link #encryption()} is how a new backup is written (a fresh
   * data key under the active key); only connections opened for writing have one.
   */
  public static final class Connection implements AutoCloseable {
    private final String name;
    private final BackupStoreSpec spec;
    private final S3Client s3;
    private final BackupEncryption encryption;
    private final KeyEncryptionKey writingKey;
    private final StoreKeys keys;

    Connection(String name, BackupStoreSpec spec, S3Client s3, BackupEncryption encryption, KeyEncryptionKey writingKey,
        StoreKeys keys) {
      this.name = name;
      this.spec = spec;
      this.s3 = s3;
      this.encryption = encryption;
      this.writingKey = writingKey;
      this.keys = keys;
    }

    public String name() {
      return name;
    }

    public BackupStoreSpec spec() {
      return spec;
    }

    public S3Client s3() {
      return s3;
    }

    /** For writing a new backup; a connection opened for reading has none. */
    public BackupEncryption encryption() {
      if (encryption == null) {
        throw new IllegalStateException("store " + name + " was opened for reading, not for a new backup");
      }
      return encryption;
    }

    /**
     * {@code manifest} ready for the bucket: sealed under the active key when the backup is client-side encrypted
     * ({@link ManifestSeal}); as it is otherwise, since the spoke has no key to seal with.
     */
    public BackupManifest sealed(BackupManifest manifest) {
      encryption();
      return writingKey == null ? manifest : ManifestSeal.seal(manifest, writingKey);
    }

    /** The store's keys on this spoke; null when the store names no key Secret. */
    public StoreKeys keys() {
      return keys;
    }

    public BackupCatalog catalog() {
      return new BackupCatalog(s3, spec.bucket);
    }

    /**
     * The committed backup in {@code folder}, its manifest authenticated ({@link AuthenticatedManifest}): the check a
     * restore, a verification and a rewrap make before they read or change anything.
     *
     * @throws IntegrityException the manifest is not this folder's backup as it was written (BackupCorrupt)
     * @throws WrongKeyException  the key it was written under is not on this spoke
     * @throws IOException        it cannot be read
     */
    public AuthenticatedManifest open(String folder) throws IOException, WrongKeyException {
      return open(folder, catalog().read(new BackupCatalog.BackupRef(folder, folder + BackupLayout.MANIFEST)));
    }

    /** As {@link #open(String)}, for a manifest already read from {@code folder}. */
    public AuthenticatedManifest open(String folder, BackupManifest manifest)
        throws IntegrityException, WrongKeyException {
      BackupLayout layout = BackupLayout.ofFolder(spec.prefix, folder).orElseThrow(() -> new IntegrityException(
          "s3://" + spec.bucket + "/" + folder + " is not a backup folder of store " + name + " (prefix '"
              + spec.prefix + "')"));
      return authenticate(manifest, layout);
    }

    /** As {@link #open(String)}, for a manifest already read from {@code layout}'s folder. */
    public AuthenticatedManifest authenticate(BackupManifest manifest, BackupLayout layout)
        throws IntegrityException, WrongKeyException {
      return AuthenticatedManifest.open(manifest, layout, keys != null ? keys : id -> {
        throw new WrongKeyException("backup " + manifest.backup() + " was written under key '" + id + "', but "
            + "BackupStore " + name + " names no encryption.keySecret");
      });
    }

    @Override
    public void close() {
      s3.close();
    }

    @Override
    public String toString() {
      return "Connection[" + name + ", bucket " + spec.bucket + (encryption == null ? "" : ", " + encryption) + "]";
    }
  }

  public BackupStoreSpec store(String name) throws BackupFailure {
    BackupStore store = hub.resources(BackupStore.class).withName(name).get();
    if (store == null || store.getSpec() == null) {
      throw new BackupFailure(BackupFailure.STORE_NOT_FOUND, "BackupStore " + name + " does not exist on the hub");
    }
    return store.getSpec();
  }

  /** Resolves the store and its credentials, and checks that the bucket answers: for reading and deleting backups. */
  public Connection connect(String name) throws BackupFailure {
    return open(name, false, null);
  }

  /**
   * For a new backup: like {@link #connect(String)}, and also the active key ({@link StoreKeys#active}: taken from the
   * bucket or generated after a rotation), checked against earlier backups.
   *
   * @param keyCheckFolder the folder, given the store, whose newest backup written with the same key id must open with
   *                       the loaded key: catches a key Secret that was replaced by different bytes under the same id
   */
  public Connection connect(String name, java.util.function.Function<BackupStoreSpec, String> keyCheckFolder)
      throws BackupFailure {
    return open(name, true, keyCheckFolder);
  }

  /** For a rewrap: a connection with the active key, as for a new backup, without the check against older backups. */
  public Connection connectForWriting(String name) throws BackupFailure {
    return open(name, true, null);
  }

  private Connection open(String name, boolean forWriting,
      java.util.function.Function<BackupStoreSpec, String> keyCheckFolder) throws BackupFailure {
    BackupStoreSpec spec = store(name);
    // the webhook refuses these too, but webhooks can be bypassed: nothing is read or paused for such a store
    java.util.List<String> unconfined = StoreConfinement.problems(spec, agentNamespace);
    if (!unconfined.isEmpty()) {
      throw new BackupFailure(BackupFailure.STORE_REFUSED, "BackupStore " + name + " is refused: "
          + String.join("; ", unconfined));
    }
    String checkKeyAgainst = keyCheckFolder == null ? null : keyCheckFolder.apply(spec);
    Map<String, String> credentials = secretData(spec.credentialsSecret == null ? null : spec.credentialsSecret.namespace,
        spec.credentialsSecret == null ? null : spec.credentialsSecret.name, BackupFailure.CREDENTIALS_NOT_FOUND,
        "credentials Secret of BackupStore " + name);
    String accessKey = decoded(credentials, ACCESS_KEY_ID);
    String secretKey = decoded(credentials, SECRET_ACCESS_KEY);
    if (accessKey == null || secretKey == null) {
      throw new BackupFailure(BackupFailure.CREDENTIALS_NOT_FOUND, "credentials Secret "
          + spec.credentialsSecret + " of BackupStore " + name + " needs keys " + ACCESS_KEY_ID + " and " + SECRET_ACCESS_KEY);
    }
    boolean clientSide = spec.encryption == null || spec.encryption.type == null
        || spec.encryption.type == BackupStoreSpec.Encryption.Type.AES256GCM;
    if (clientSide && (spec.encryption == null || spec.encryption.keySecret == null)) {
      throw new BackupFailure(BackupFailure.ENCRYPTION_KEY_INVALID, "BackupStore " + name
          + " uses AES256GCM but names no keySecret");
    }
    S3Client s3 = s3Factory.create(spec, accessKey, secretKey);
    try {
      BackupCatalog catalog = new BackupCatalog(s3, spec.bucket);
      StoreKeys keys = spec.encryption == null || spec.encryption.keySecret == null ? null
          : new StoreKeys(local, name, spec, catalog, cluster, java.time.Clock.systemUTC());
      if (forWriting || clientSide) {
        // a reading connection fails here too for a client-side store whose key Secret is missing or unreadable
        ringOrFail(name, keys, clientSide);
      }
      s3.headBucket(b -> b.bucket(spec.bucket));
      BackupEncryption encryption = null;
      if (forWriting) {
        KeyEncryptionKey kek = null;
        try {
          kek = clientSide ? keys.active() : null;
          encryption = BackupEncryption.forStore(spec.encryption, kek);
        } catch (WrongKeyException e) {
          throw new BackupFailure(BackupFailure.ENCRYPTION_KEY_INVALID, e.getMessage());
        }
        if (kek != null && checkKeyAgainst != null) {
          checkKeyOpensNewestBackup(catalog, checkKeyAgainst, kek);
        }
      }
      return new Connection(name, spec, s3, encryption, encryption == null ? null : writingKey(encryption, keys),
          keys);
    } catch (SdkException e) {
      s3.close();
      throw new BackupFailure(BackupFailure.STORE_UNREACHABLE, "bucket " + spec.bucket + " of BackupStore " + name
          + " does not answer: " + firstLine(e.getMessage()));
    } catch (BackupFailure | RuntimeException e) {
      s3.close();
      throw e;
    }
  }

  private static KeyEncryptionKey writingKey(BackupEncryption encryption, StoreKeys keys) throws BackupFailure {
    if (encryption.mode() != BackupEncryption.Mode.AES256GCM) {
      return null;
    }
    try {
      return keys.key(encryption.keyId()); // the active key, loaded just now: from the ring
    } catch (WrongKeyException e) {
      throw new BackupFailure(BackupFailure.ENCRYPTION_KEY_INVALID, e.getMessage());
    }
  }

  private static void ringOrFail(String storeName, StoreKeys keys, boolean clientSide) throws BackupFailure {
    if (keys == null || !clientSide) {
      return;
    }
    try {
      keys.ring();
    } catch (WrongKeyException e) {
      throw new BackupFailure(BackupFailure.ENCRYPTION_KEY_INVALID, e.getMessage());
    }
  }

  /**
   * This cluster's UID, as its folder's identity marker records it: of namespace kube-system, or, on a cluster
   * without one, of the agent's namespace. Both live as long as the cluster, and a rebuilt cluster gets a new one.
   */
  public String clusterUid(String agentNamespace) throws BackupFailure {
    for (String ns : new String[] {IDENTITY_NAMESPACE, agentNamespace}) {
      var namespace = ns == null ? null : local.namespaces().withName(ns).get();
      if (namespace != null && namespace.getMetadata().getUid() != null) {
        return namespace.getMetadata().getUid();
      }
    }
    throw new BackupFailure(CLUSTER_IDENTITY_UNKNOWN, "neither namespace " + IDENTITY_NAMESPACE + " nor "
        + agentNamespace + " exists with a UID on this cluster, so the agent cannot tell its backups from another "
        + "cluster's");
  }

  /**
   * The backup preflight's check of the location, before anything is paused: claims the cluster folder for this
   * cluster (the first backup writes its identity marker), refuses it when it belongs to another cluster of the same
   * name ({@link #LOCATION_COLLISION}, as ACM refuses a backup location another hub writes), and refuses a folder that
   * already holds a committed backup ({@link #BACKUP_EXISTS}): a committed backup is never overwritten, e.g. by a
   * record of the same name created again after the hub lost its catalogue.
   *
   * @return this cluster's UID, for the manifest's {@code clusterUID}
   */
  public String claimFolder(Connection store, BackupLayout layout, String agentNamespace) throws BackupFailure {
    String uid = clusterUid(agentNamespace);
    String bucket = store.spec().bucket;
    String folder = CatalogReconciliation.location(bucket, BackupLayout.clusterFolder(store.spec().prefix,
        layout.cluster()));
    BackupCatalog catalog = store.catalog();
    ClusterIdentity owner;
    try {
      owner = catalog.claim(store.spec().prefix, new ClusterIdentity(layout.cluster(), uid,
          BackupManifest.time(java.time.Instant.now())));
    } catch (java.io.IOException e) {
      throw new BackupFailure(LOCATION_COLLISION, "cannot tell who owns " + folder + ": " + BackupLayout.IDENTITY
          + " is unreadable (" + firstLine(e.getMessage()) + "); fix or delete it");
    } catch (SdkException e) {
      throw new BackupFailure(BackupFailure.STORE_UNREACHABLE, "cannot read or write " + folder
          + BackupLayout.IDENTITY + ": " + firstLine(e.getMessage()));
    }
    if (!owner.sameCluster(uid)) {
      throw new BackupFailure(LOCATION_COLLISION, owner.collisionMessage(folder, uid));
    }
    try {
      if (catalog.isCommitted(layout)) {
        throw new BackupFailure(BACKUP_EXISTS, CatalogReconciliation.location(bucket, layout.folder())
            + " already holds a committed backup, which is never overwritten; import it with flotilla backup sync, "
            + "or back up under another name");
      }
    } catch (SdkException e) {
      throw new BackupFailure(BackupFailure.STORE_UNREACHABLE, "cannot read " + layout.manifestKey() + ": "
          + firstLine(e.getMessage()));
    }
    return uid;
  }

  private void checkKeyOpensNewestBackup(BackupCatalog catalog, String folder, KeyEncryptionKey kek) throws BackupFailure {
    BackupManifest newest = null;
    for (BackupCatalog.BackupRef ref : catalog.list(folder)) {
      try {
        BackupManifest m = catalog.read(ref);
        if (kek.keyId().equals(m.keyId()) && m.wrappedDataKey() != null
            && (newest == null || BackupManifest.NEWEST_LAST.compare(m, newest) > 0)) {
          newest = m;
        }
      } catch (java.io.IOException e) {
        // an unreadable manifest says nothing about the key
      }
    }
    if (newest != null) {
      try {
        kek.checkOpens(newest);
      } catch (WrongKeyException e) {
        throw new BackupFailure(BackupFailure.ENCRYPTION_KEY_MISMATCH, "encryption key '" + kek.keyId()
            + "' does not open backup " + newest.backup() + ", written with a key of the same id: the key Secret was"
            + " replaced; restore the original key or give the new one a new keyId");
      }
    }
  }

  private Map<String, String> secretData(String namespace, String name, String reason, String what) throws BackupFailure {
    if (namespace == null || name == null) {
      throw new BackupFailure(reason, what + " is not set");
    }
    Secret secret = local.secrets().inNamespace(namespace).withName(name).get();
    if (secret == null) {
      throw new BackupFailure(reason, what + " (" + namespace + "/" + name + ") does not exist on this cluster");
    }
    return secret.getData() == null ? Map.of() : secret.getData();
  }

  private static String decoded(Map<String, String> data, String key) {
    String v = data.get(key);
    return v == null ? null : new String(Base64.getDecoder().decode(v), java.nio.charset.StandardCharsets.UTF_8).strip();
  }

  /** Folder under which this cluster's backups of one hosted cluster live (for the key check). */
  public static String hostedClusterFolder(BackupStoreSpec spec, String cluster, String hcNamespace, String hcName) {
    return new BackupLayout(spec.prefix, cluster, hcNamespace, hcName, "x").folder().replaceFirst("x/$", "");
  }

  public static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
