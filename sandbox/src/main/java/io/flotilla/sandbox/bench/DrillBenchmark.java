package io.flotilla.sandbox.bench;

import io.etcd.jetcd.Client;
import io.flotilla.agent.drill.EtcdBinaries;
import io.flotilla.agent.drill.RestoreDrill;
import io.flotilla.agent.drill.ScratchDirectory;
import io.flotilla.agent.storage.BackupEncryption;
import io.flotilla.agent.storage.BackupLayout;
import io.flotilla.agent.storage.BackupManifest;
import io.flotilla.agent.storage.Codec;
import io.flotilla.agent.storage.EtcdSnapshotSource;
import io.flotilla.agent.storage.EtcdState;
import io.flotilla.agent.storage.KeyEncryptionKey;
import io.flotilla.agent.storage.S3Clients;
import io.flotilla.agent.storage.SnapshotFigures;
import io.flotilla.agent.storage.SnapshotPipeline;
import io.flotilla.agent.storage.SnapshotReader;
import io.flotilla.agent.work.StopSignal;
import io.flotilla.sandbox.QuietLogging;
import io.flotilla.sandbox.etcd.EtcdLauncher;
import io.flotilla.sandbox.etcd.EtcdProcess;
import io.flotilla.sandbox.etcd.EtcdSeeder;
import io.flotilla.sandbox.etcd.EtcdTls;
import io.flotilla.sandbox.etcd.SeedResult;
import io.flotilla.sandbox.storage.ObjectStore;
import software.amazon.awssdk.services.s3.S3Client;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The restore-drill benchmark of issue 12: a real etcd seeded with Kubernetes-shaped data (256 MiB of values by
 * default), backed up through the agent's pipeline (zstd, AES-256-GCM) into an embedded S3Proxy, then in each round
 * the drill as the agent runs it timed against {@code etcdctl snapshot restore} alone on the same plaintext snapshot.
 *
 * <p>The drill is the agent's whole verification with {@code --restore}: download, decrypt, decompress and SHA-256
 * ({@link SnapshotReader}) into a scratch directory, {@code etcdctl snapshot status}, then {@link RestoreDrill#run}
 * (snapshot restore, etcd started on loopback, revision, keys and HashKV read and compared, etcd stopped) and the
 * directory deleted. The manual step is the restore tool the drill uses ({@link EtcdBinaries}) restoring the file to a
 * fresh data directory, which is what an operator would do by hand before starting an etcd on it. Rounds alternate
 * which goes first; {@code sync} runs between runs; medians are reported, with the drill's own phases.
 */
public final class DrillBenchmark {
  static final long DEFAULT_SIZE_MIB = 256;
  static final int DEFAULT_ROUNDS = 3;

  /**
   * @param sizeMiB    MiB of values to seed (the snapshot is somewhat larger)
   * @param rounds     timed runs of each contender
   * @param workParent where the temporary directory goes; needs about four times the snapshot free
   */
  public record Options(long sizeMiB, int rounds, Path workParent, long seed) {
    public Options {
      if (sizeMiB <= 0) {
        throw new IllegalArgumentException("--size must be a positive number of MiB, e.g. --size 256");
      }
      if (rounds < 1) {
        throw new IllegalArgumentException("--rounds must be at least 1");
      }
      Objects.requireNonNull(workParent, "workParent");
    }

    static final String USAGE = """
        usage: flotilla bench drill [--size MiB] [--rounds N] [--work-dir DIR] [--seed N]
          --size      MiB of Kubernetes-shaped values to seed into etcd (default 256)
          --rounds    timed runs of the drill and of etcdctl snapshot restore, interleaved (default 3)
          --work-dir  parent of the temporary directory (default java.io.tmpdir); needs ~4 × the size free
          --seed      seed of the generated data (default 20260101)
        The restore tool is the one the agent's drill finds: $FLOTILLA_ETCDCTL, etcdutl, then etcdctl on PATH.""";

    /** @throws IllegalArgumentException with a message fit for the user on any bad argument */
    public static Options parse(String... args) {
      long size = DEFAULT_SIZE_MIB;
      int rounds = DEFAULT_ROUNDS;
      Path work = Path.of(System.getProperty("java.io.tmpdir"));
      long seed = 20260101L;
      for (int i = 0; i < args.length; i++) {
        String flag = args[i];
        if (flag.equals("--help") || flag.equals("-h")) {
          throw new IllegalArgumentException(USAGE);
        }
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException(flag + " needs a value\n" + USAGE);
        }
        String value = args[++i];
        try {
          switch (flag) {
            case "--size" -> size = Long.parseLong(value);
            case "--rounds" -> rounds = Integer.parseInt(value);
            case "--work-dir" -> work = Path.of(value);
            case "--seed" -> seed = Long.parseLong(value);
            default -> throw new IllegalArgumentException("unknown option " + flag + "\n" + USAGE);
          }
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException(flag + ": not a number: " + value);
        }
      }
      if (!Files.isDirectory(work)) {
        throw new IllegalArgumentException("--work-dir " + work + " is not a directory");
      }
      return new Options(size, rounds, work, seed);
    }
  }

  /**
   * One drill's phases.
   *
   * @param read     download, decrypt, decompress, SHA-256 into the scratch file
   * @param status   etcdctl snapshot status
   * @param restore  the drill's snapshot restore (as it reports it)
   * @param rest     etcd started, read, compared, stopped; the directory deleted
   */
  record DrillTimes(Duration total, Duration read, Duration status, Duration restore, Duration rest) {}

  /** The medians, and each round's figures. */
  public record Result(long snapshotBytes, long storedBytes, long keys, List<Duration> restoreAlone,
                       List<DrillTimes> drills, Duration restoreAloneMedian, Duration drillMedian) {
    public double ratio() {
      return (double) drillMedian.toNanos() / restoreAloneMedian.toNanos();
    }
  }

  private DrillBenchmark() {}

  public static void main(String[] args) {
    Options options;
    try {
      options = Options.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.exit(args.length > 0 && (args[0].equals("--help") || args[0].equals("-h")) ? 0 : 2);
      return;
    }
    quietLogs();
    try {
      run(options, System.out);
      System.exit(0);
    } catch (Exception e) {
      System.err.println("benchmark failed: " + e);
      e.printStackTrace(System.err);
      System.exit(1);
    }
  }

  /** Runs the benchmark; stops etcd and S3Proxy and deletes the temporary directory whatever happens. */
  public static Result run(Options options, PrintStream out) throws Exception {
    Path dir = Files.createTempDirectory(options.workParent(), "flotilla-drill-bench-");
    List<AutoCloseable> resources = new ArrayList<>();
    Thread cleanup = new Thread(() -> closeAll(resources, dir), "drill-bench-cleanup");
    Runtime.getRuntime().addShutdownHook(cleanup); // Ctrl-C runs hooks, not finally blocks
    try {
      return measure(options, out, dir, resources);
    } finally {
      closeAll(resources, dir);
      try {
        Runtime.getRuntime().removeShutdownHook(cleanup);
      } catch (IllegalStateException shuttingDown) {
        // the hook is running or has run; it did the same work
      }
    }
  }

  private static Result measure(Options options, PrintStream out, Path dir, List<AutoCloseable> resources)
      throws Exception {
    EtcdBinaries binaries = EtcdBinaries.find();
    EtcdProcess etcd = new EtcdLauncher().start("drill-bench", dir.resolve("etcd"), EtcdTls.generate("drill-bench"));
    resources.add(etcd);
    Client client = etcd.newClient();
    resources.add(client);
    ObjectStore store = ObjectStore.start(dir.resolve("s3"), "backups");
    resources.add(store);
    S3Client s3 = S3Clients.create(store.endpoint(), store.region(), true, store.accessKey(), store.secretKey());
    resources.add(s3);
    KeyEncryptionKey kek = KeyEncryptionKey.generateForTest("drill-bench-kek");

    out.printf("Flotilla restore-drill benchmark: %d cores, Java %s, %s (restore tool %s)%n",
        Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"), binaries.version(),
        binaries.toolDescription());
    long t0 = System.nanoTime();
    SeedResult seeded = EtcdSeeder.seed(client, options.sizeMiB() << 20, options.seed());
    out.printf("seeded %.1f MiB of values, %,d keys, in %.1f s%n", mib(seeded.bytes()), seeded.keys(),
        seconds(Duration.ofNanos(System.nanoTime() - t0)));

    // one backup, as the agent takes it: the manifest's figures read from the quiescent etcd, then the pipeline
    Duration timeout = Duration.ofSeconds(60);
    EtcdState state = EtcdState.read(client, timeout);
    EtcdState.Hash hash = EtcdState.hashAt(client, etcd.endpoint(), state.revision(), timeout);
    BackupEncryption encryption = BackupEncryption.clientSide(kek);
    BackupLayout layout = new BackupLayout("bench", "bench", "clusters", "bench", "drill-bench");
    String key = layout.snapshotKey(Codec.ZSTD, encryption);
    SnapshotFigures figures = new SnapshotPipeline(s3, store.bucket(), Codec.ZSTD, encryption)
        .upload(new EtcdSnapshotSource(client), key, BackupLayout.SNAPSHOT_ROLE, null);
    BackupManifest manifest = new BackupManifest(BackupManifest.FORMAT_VERSION, "drill-bench", "bench",
        new BackupManifest.HostedClusterRef("clusters", "bench"), null, null, Codec.ZSTD.manifestName(),
        encryption.cipherName(), encryption.keyId(), encryption.wrappedDataKey(),
        BackupManifest.ObjectFigures.ofSnapshot(BackupLayout.snapshotName(Codec.ZSTD, encryption), figures, state,
            hash), null, null, "bench");
    out.printf("snapshot %.1f MiB raw, %.1f MiB stored (zstd, AES-256-GCM) at revision %d, %,d live keys%n",
        mib(figures.rawBytes()), mib(figures.storedBytes()), state.revision(), state.keys());

    // the plain snapshot for the manual step: the bytes the drill restores
    Path plain = dir.resolve("snapshot.db");
    read(s3, store.bucket(), key, manifest, kek, plain);
    RestoreDrill drill = new RestoreDrill(dir.resolve("drills"), new StopSignal());

    // untimed: one of each, so neither pays for a cold page cache or JIT alone
    restoreAlone(binaries, plain, dir.resolve("warm-restore"));
    drillOnce(drill, s3, store.bucket(), key, manifest, kek);
    sync();

    List<Duration> alone = new ArrayList<>();
    List<DrillTimes> drills = new ArrayList<>();
    out.printf("%n   %-5s  %-22s  %-12s  %s%n", "round", "snapshot restore alone", "drill", "drill phases: "
        + "download+decrypt+SHA / snapshot status / restore / start+compare+stop");
    for (int round = 1; round <= options.rounds(); round++) {
      Duration restoreTime = null;
      DrillTimes drillTimes = null;
      for (int turn = 0; turn < 2; turn++) {
        boolean aloneTurn = (turn == 0) == (round % 2 == 1);
        if (aloneTurn) {
          restoreTime = restoreAlone(binaries, plain, dir.resolve("restore-" + round));
        } else {
          drillTimes = drillOnce(drill, s3, store.bucket(), key, manifest, kek);
        }
        sync();
      }
      alone.add(restoreTime);
      drills.add(drillTimes);
      out.printf("   %-5d  %-22s  %-12s  %.2f / %.2f / %.2f / %.2f s%n", round, String.format("%.2f s",
          seconds(restoreTime)), String.format("%.2f s", seconds(drillTimes.total())), seconds(drillTimes.read()),
          seconds(drillTimes.status()), seconds(drillTimes.restore()), seconds(drillTimes.rest()));
    }
    Result r = new Result(figures.rawBytes(), figures.storedBytes(), state.keys(), alone, drills,
        BackupBenchmark.median(alone), BackupBenchmark.median(drills.stream().map(DrillTimes::total).toList()));
    out.printf("%n== %.0f MiB snapshot (%.0f MiB of values), medians of %d rounds%n", mib(r.snapshotBytes()),
        mib(seeded.bytes()), options.rounds());
    out.printf("   %-40s %6.2f s  %6.0f MiB/s%n", binaries.toolDescription() + " snapshot restore alone",
        seconds(r.restoreAloneMedian()), mib(r.snapshotBytes()) / seconds(r.restoreAloneMedian()));
    out.printf("   %-40s %6.2f s  %6.0f MiB/s  = %.2f × snapshot restore alone%n", "restore drill, whole",
        seconds(r.drillMedian()), mib(r.snapshotBytes()) / seconds(r.drillMedian()), r.ratio());
    out.printf("   %-40s download+decrypt+SHA %.2f s, snapshot status %.2f s, restore %.2f s,"
            + " start+compare+stop %.2f s%n", "drill phases (medians)",
        seconds(BackupBenchmark.median(drills.stream().map(DrillTimes::read).toList())),
        seconds(BackupBenchmark.median(drills.stream().map(DrillTimes::status).toList())),
        seconds(BackupBenchmark.median(drills.stream().map(DrillTimes::restore).toList())),
        seconds(BackupBenchmark.median(drills.stream().map(DrillTimes::rest).toList())));
    return r;
  }

  /** The restore tool alone, into a fresh data directory; the directory is deleted after the clock stops. */
  private static Duration restoreAlone(EtcdBinaries binaries, Path snapshot, Path target) throws Exception {
    Path log = target.resolveSibling(target.getFileName() + ".log");
    ProcessBuilder b = new ProcessBuilder(binaries.restoreTool().toString(), "snapshot", "restore",
        snapshot.toString(), "--data-dir", target.toString(), "--name", "manual",
        "--initial-cluster", "manual=http://127.0.0.1:2380", "--initial-advertise-peer-urls", "http://127.0.0.1:2380")
        .redirectErrorStream(true).redirectOutput(log.toFile());
    b.environment().put("ETCDCTL_API", "3");
    long t0 = System.nanoTime();
    Process p = b.start();
    if (!p.waitFor(30, TimeUnit.MINUTES) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IOException("snapshot restore failed: " + Files.readString(log).strip());
    }
    Duration took = Duration.ofNanos(System.nanoTime() - t0);
    deleteTree(target);
    Files.deleteIfExists(log);
    return took;
  }

  /** What the agent does for a verify request with a restore drill, timed by phase. */
  private static DrillTimes drillOnce(RestoreDrill drill, S3Client s3, String bucket, String key,
                                      BackupManifest manifest, KeyEncryptionKey kek) throws Exception {
    long t0 = System.nanoTime();
    Duration read;
    Duration status;
    Duration restore;
    try (ScratchDirectory scratch = drill.scratch()) {
      Path file = scratch.resolve("snapshot.db");
      read(s3, bucket, key, manifest, kek, file);
      long t1 = System.nanoTime();
      read = Duration.ofNanos(t1 - t0);
      snapshotStatus(file);
      long t2 = System.nanoTime();
      status = Duration.ofNanos(t2 - t1);
      RestoreDrill.Outcome outcome = drill.run(scratch, file, manifest.snapshot());
      if (!outcome.passed()) {
        throw new IllegalStateException("the drill failed: " + outcome.message());
      }
      restore = io.flotilla.common.Durations.parse(outcome.status().restoreDuration);
    }
    Duration total = Duration.ofNanos(System.nanoTime() - t0);
    return new DrillTimes(total, read, status, restore, total.minus(read).minus(status).minus(restore));
  }

  private static void read(S3Client s3, String bucket, String key, BackupManifest manifest, KeyEncryptionKey kek,
                           Path file) throws Exception {
    try (OutputStream out = Files.newOutputStream(file)) {
      new SnapshotReader(s3, bucket, Codec.ZSTD, BackupEncryption.forReading(manifest, kek))
          .read(key, BackupLayout.SNAPSHOT_ROLE, manifest.snapshot().figures(), out);
    }
  }

  /** {@code etcdctl snapshot status}, as BackupVerifier runs it before the drill. */
  private static void snapshotStatus(Path file) throws Exception {
    ProcessBuilder b = new ProcessBuilder(Etcdctl.find().toString(), "snapshot", "status", file.toString(), "-w",
        "json").redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
    b.environment().put("ETCDCTL_API", "3");
    Process p = b.start();
    if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IOException("etcdctl snapshot status failed");
    }
  }

  private static void sync() throws IOException, InterruptedException {
    new ProcessBuilder("sync").redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start()
        .waitFor(2, TimeUnit.MINUTES);
  }

  private static void closeAll(List<AutoCloseable> resources, Path dir) {
    synchronized (resources) {
      for (int i = resources.size() - 1; i >= 0; i--) {
        try {
          resources.get(i).close();
        } catch (Exception e) {
          System.err.println("benchmark cleanup: " + e);
        }
      }
      resources.clear();
      deleteTree(dir);
    }
  }

  private static void deleteTree(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException | UncheckedIOException e) {
      System.err.println("benchmark cleanup: cannot delete " + dir + ": " + e);
    }
  }

  private static void quietLogs() {
    QuietLogging.apply();
    if (org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)
        instanceof ch.qos.logback.classic.Logger root) {
      root.setLevel(ch.qos.logback.classic.Level.WARN);
    }
  }

  private static double mib(long bytes) {
    return bytes / 1048576.0;
  }

  private static double seconds(Duration d) {
    return d.toNanos() / 1e9;
  }
}
