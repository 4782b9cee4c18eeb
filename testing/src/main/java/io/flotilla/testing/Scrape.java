package io.flotilla.testing;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A scraped page in Prometheus text format, parsed into samples, for assertions. */
public record Scrape(List<Sample> samples) {
  public record Sample(String name, Map<String, String> labels, double value) {}

  private static final Pattern LINE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)})?\\s+(\\S+)(?:\\s+\\S+)?$");
  private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

  public static Scrape parse(String text) {
    List<Sample> out = new ArrayList<>();
    for (String line : text.split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      Matcher m = LINE.matcher(line);
      if (!m.matches()) {
        throw new AssertionError("not a Prometheus sample line: " + line);
      }
      Map<String, String> labels = new LinkedHashMap<>();
      if (m.group(2) != null) {
        Matcher l = LABEL.matcher(m.group(2));
        while (l.find()) {
          labels.put(l.group(1), l.group(2));
        }
      }
      out.add(new Sample(m.group(1), labels, Double.parseDouble(m.group(3))));
    }
    return new Scrape(out);
  }

  /** GET http://127.0.0.1:port/metrics; fails unless 200. */
  public static Scrape get(int port) throws Exception {
    HttpResponse<String> r = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new AssertionError("GET /metrics answered " + r.statusCode() + ": " + r.body());
    }
    return parse(r.body());
  }

  public List<Sample> named(String name) {
    return samples.stream().filter(s -> s.name().equals(name)).toList();
  }

  /** The value of the one sample of {@code name} whose labels include {@code labels}. */
  public Optional<Double> value(String name, Map<String, String> labels) {
    List<Sample> matching = named(name).stream()
        .filter(s -> s.labels().entrySet().containsAll(labels.entrySet())).toList();
    if (matching.size() > 1) {
      throw new AssertionError(matching.size() + " samples of " + name + " match " + labels + ": " + matching);
    }
    return matching.stream().findFirst().map(Sample::value);
  }

  public java.util.Set<String> names() {
    return samples.stream().map(Sample::name).collect(java.util.stream.Collectors.toCollection(java.util.TreeSet::new));
  }
}
