package io.flotilla.cli;

import java.util.ArrayList;
import java.util.List;

/** A kubectl-style plain table: upper-case headers, columns padded to the widest cell, three spaces apart. */
public final class Table {
  private final List<String> headers;
  private final List<List<String>> rows = new ArrayList<>();

  public Table(String... headers) { this.headers = List.of(headers); }

  public Table row(Object... cells) {
    List<String> row = new ArrayList<>();
    for (Object cell : cells) {
      row.add(cell == null ? "<none>" : cell.toString());
    }
    rows.add(row);
    return this;
  }

  public int size() { return rows.size(); }

  public String render() {
    int[] widths = new int[headers.size()];
    for (int i = 0; i < widths.length; i++) {
      widths[i] = headers.get(i).length();
      for (List<String> row : rows) {
        widths[i] = Math.max(widths[i], row.get(i).length());
      }
    }
    StringBuilder out = new StringBuilder();
    append(out, headers, widths);
    rows.forEach(r -> append(out, r, widths));
    return out.toString();
  }

  private static void append(StringBuilder out, List<String> cells, int[] widths) {
    StringBuilder line = new StringBuilder();
    for (int i = 0; i < cells.size(); i++) {
      line.append(i == cells.size() - 1 ? cells.get(i) : String.format("%-" + (widths[i] + 3) + "s", cells.get(i)));
    }
    out.append(line.toString().stripTrailing()).append('\n');
  }
}
