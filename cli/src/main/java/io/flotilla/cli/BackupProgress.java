package io.flotilla.cli;

import io.flotilla.common.Conditions;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackup;
import io.flotilla.api.dr.v1alpha1.HostedClusterBackupStatus;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The progress display of `backup create --wait`: phase, step, raw bytes read from etcd against etcd's database size,
 * and a percentage. On a terminal one line is redrawn in place; elsewhere (CI logs, the demo) a line is written only
 * when the phase or step changes or another tenth of the bytes is done, so logs stay short and readable.
 */
final class BackupProgress {
  private static final int BAR_WIDTH = 20;

  private final PrintWriter terminal;
  private final Consumer<String> lines;
  private String lastState;
  private String lastDrawn;
  private int lastTenth = -1;
  private int drawn;

  private BackupProgress(PrintWriter terminal, Consumer<String> lines) {
    this.terminal = terminal;
    this.lines = lines;
  }

  /** Redraws one line on {@code out} with a carriage return. */
  static BackupProgress redrawing(PrintWriter out) {
    return new BackupProgress(Objects.requireNonNull(out), null);
  }

  /** One line per step change or tenth done, each handed to {@code lines} without a line break. */
  static BackupProgress lineByLine(Consumer<String> lines) {
    return new BackupProgress(null, Objects.requireNonNull(lines));
  }

  /** Redrawing when stderr is a terminal, line by line otherwise. */
  static BackupProgress forStderr(PrintWriter err) {
    return stderrIsTerminal() ? redrawing(err) : lineByLine(line -> {
      err.println(line);
      err.flush();
    });
  }

  /** Shows {@code status} (null: the agent has not written any yet). */
  void observe(HostedClusterBackupStatus status) {
    String text = describe(status);
    if (terminal != null) {
      String line = bar(fraction(status)) + "  " + text;
      if (line.equals(lastDrawn)) {
        return;
      }
      lastDrawn = line;
      // pad over what the previous, longer line left on screen
      terminal.print("\r" + line + " ".repeat(Math.max(0, drawn - line.length())));
      terminal.flush();
      drawn = line.length();
      return;
    }
    String state = phase(status) + "/" + step(status);
    Double fraction = fraction(status);
    int tenth = fraction == null ? -1 : (int) Math.floor(fraction * 10);
    if (!state.equals(lastState) || tenth > lastTenth) {
      lines.accept(text);
      lastState = state;
      lastTenth = tenth;
    }
  }

  /** Ends the display: on a terminal, moves past the redrawn line. */
  void end() {
    if (terminal != null && drawn > 0) {
      terminal.println();
      terminal.flush();
      drawn = 0;
    }
  }

  /** "InProgress  Snapshot    1.7Mi / 4Mi   42%": what the agent last reported. */
  static String describe(HostedClusterBackupStatus status) {
    return String.format("%-10s  %s", phase(status), stepAndBytes(status));
  }

  /** "Snapshot    1.7Mi / 4Mi   42%", or just the step before any byte is counted. */
  static String stepAndBytes(HostedClusterBackupStatus status) {
    StringBuilder b = new StringBuilder(String.format("%-10s", step(status)));
    HostedClusterBackupStatus.Progress p = status == null ? null : status.progress;
    if (p != null && p.bytesDone != null) {
      // no figure before the snapshot starts counting: "0B" during Preflight would read as a problem
      b.append("  ").append(Sizes.format(p.bytesDone));
      if (p.bytesTotal != null && p.bytesTotal > 0) {
        b.append(" / ").append(Sizes.format(p.bytesTotal))
            .append(String.format("  %3d%%", (int) Math.floor(fraction(status) * 100))); // 100% only when done
      }
    }
    return b.toString().stripTrailing();
  }

  /** Raw bytes done over etcd's database size, at most 1 (the snapshot can be a little larger); null when unknown. */
  static Double fraction(HostedClusterBackupStatus status) {
    HostedClusterBackupStatus.Progress p = status == null ? null : status.progress;
    if (p == null || p.bytesTotal == null || p.bytesTotal <= 0) {
      return null;
    }
    if (status.phase == HostedClusterBackupStatus.Phase.Completed) {
      return 1.0; // the total was etcd's size before the snapshot, an estimate; done is done
    }
    return Math.min(1.0, (p.bytesDone == null ? 0 : p.bytesDone) / (double) p.bytesTotal);
  }

  /** "[########............]"; without a known total, an empty bar. */
  static String bar(Double fraction) {
    int filled = fraction == null ? 0 : (int) Math.round(fraction * BAR_WIDTH);
    return "[" + "#".repeat(filled) + ".".repeat(BAR_WIDTH - filled) + "]";
  }

  private static String phase(HostedClusterBackupStatus s) {
    // no status yet: the record exists, its agent has not picked it up
    return s == null || s.phase == null ? "New" : s.phase.name();
  }

  private static String step(HostedClusterBackupStatus s) {
    if (s != null && s.phase == HostedClusterBackupStatus.Phase.Failed) {
      // "Failed  Failed" says nothing: show why instead
      return Conditions.find(s.conditions, HostedClusterBackup.CONDITION_COMPLETED).map(c -> c.getReason())
          .orElse("Failed");
    }
    return s == null || s.progress == null || s.progress.step == null ? "Waiting" : s.progress.step;
  }

  /**
   * Whether file descriptor 2 is a terminal. Java 17 only tells whether stdin and stdout are (System.console()), so
   * on Linux look at what fd 2 points to, and fall back to System.console() elsewhere.
   */
  static boolean stderrIsTerminal() {
    if ("dumb".equals(System.getenv("TERM"))) {
      return false;
    }
    try {
      String target = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
      return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
    } catch (IOException | UnsupportedOperationException | SecurityException e) {
      return System.console() != null;
    }
  }
}
