package io.flotilla.api.foreign.ocm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The fixture api/src/test/resources/ocm/schema-shapes.yaml: what OCM's published CRD schemas say about the fields
 * Flotilla uses (its header explains the notation), and a check of one object against it. The check is what a real
 * API server does with those fields: it knows them, their types, enums, patterns and required children, and anything
 * else it prunes.
 */
final class SchemaShapes {
  static final String RESOURCE = "/ocm/schema-shapes.yaml";
  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  /** One field: its type and the constraints Flotilla's writes must meet. */
  record Field(String type, Set<String> required, List<String> enumValues, boolean dateTime, boolean nonEmpty,
               boolean preserve, Pattern pattern) {
    static Field parse(String spec) {
      String text = spec.trim();
      Pattern pattern = null;
      int at = text.indexOf(" pattern=");
      if (at >= 0) {
        pattern = Pattern.compile(text.substring(at + " pattern=".length()));
        text = text.substring(0, at);
      }
      String[] tokens = text.split(" ");
      Set<String> required = new LinkedHashSet<>();
      List<String> enumValues = List.of();
      boolean dateTime = false;
      boolean nonEmpty = false;
      boolean preserve = false;
      for (String token : Arrays.asList(tokens).subList(1, tokens.length)) {
        if (token.startsWith("required=")) {
          required.addAll(List.of(token.substring("required=".length()).split(",")));
        } else if (token.startsWith("enum=")) {
          enumValues = List.of(token.substring("enum=".length()).split(","));
        } else if (token.equals("date-time")) {
          dateTime = true;
        } else if (token.equals("nonempty")) {
          nonEmpty = true;
        } else if (token.equals("preserve")) {
          preserve = true;
        } else {
          throw new IllegalArgumentException("unknown flag " + token + " in '" + spec + "'");
        }
      }
      return new Field(tokens[0], required, enumValues, dateTime, nonEmpty, preserve, pattern);
    }
  }

  record Kind(String kind, String crd, String group, String plural, String scope, List<String> served, String storage,
              boolean statusSubresource, List<String> shortNames, List<String> printerColumns, Set<String> required,
              Map<String, Field> fields) {
    String apiVersion() { return group + "/" + storage; }
  }

  record Fixture(String repository, String commit, Map<String, Kind> kinds) {}

  // The two Kubernetes types OCM's schemas embed whole, as metav1 defines them in every one of those CRDs.
  private static final Map<String, String> CONDITIONS = ordered(
      "", "array",
      "[]", "object required=type,status,reason,message,lastTransitionTime",
      "[].type", "string pattern=^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$",
      "[].status", "string enum=True,False,Unknown",
      "[].reason", "string nonempty pattern=^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$",
      "[].message", "string",
      "[].lastTransitionTime", "string date-time",
      "[].observedGeneration", "integer");
  private static final Map<String, String> LABEL_SELECTOR = ordered(
      "", "object",
      ".matchLabels", "map:string",
      ".matchExpressions", "array",
      ".matchExpressions[]", "object required=key,operator",
      ".matchExpressions[].key", "string",
      ".matchExpressions[].operator", "string",
      ".matchExpressions[].values", "array",
      ".matchExpressions[].values[]", "string");

  private SchemaShapes() {}

  static Fixture load() {
    try (InputStream in = SchemaShapes.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(RESOURCE + " is not on the test classpath");
      }
      JsonNode root = YAML.readTree(in);
      Map<String, Kind> kinds = new LinkedHashMap<>();
      root.get("kinds").fields().forEachRemaining(e -> kinds.put(e.getKey(), kind(e.getKey(), e.getValue())));
      return new Fixture(root.at("/upstream/repository").asText(), root.at("/upstream/commit").asText(), kinds);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Kind kind(String name, JsonNode node) {
    Map<String, Field> fields = new LinkedHashMap<>();
    node.get("fields").fields().forEachRemaining(e -> expand(e.getKey(), e.getValue().asText(), fields));
    return new Kind(name, node.get("crd").asText(), node.get("group").asText(), node.get("plural").asText(),
        node.get("scope").asText(), strings(node.get("served")), node.get("storage").asText(),
        node.get("statusSubresource").asBoolean(), strings(node.get("shortNames")), strings(node.get("printerColumns")),
        new LinkedHashSet<>(strings(node.get("required"))), fields);
  }

  private static void expand(String path, String spec, Map<String, Field> into) {
    Map<String, String> shorthand = switch (spec) {
      case "conditions" -> CONDITIONS;
      case "labelSelector" -> LABEL_SELECTOR;
      default -> null;
    };
    if (shorthand != null) {
      shorthand.forEach((suffix, s) -> expand(path + suffix, s, into));
      return;
    }
    Field field = Field.parse(spec);
    if (field.type.startsWith("map:")) {
      into.put(path, new Field("map", Set.of(), List.of(), false, false, false, null));
      into.put(path + ".*", Field.parse(field.type.substring("map:".length())));
      return;
    }
    if (into.put(path, field) != null) {
      throw new IllegalArgumentException("field " + path + " listed twice");
    }
  }

  private static List<String> strings(JsonNode array) {
    List<String> result = new ArrayList<>();
    if (array != null) {
      array.forEach(n -> result.add(n.asText()));
    }
    return result;
  }

  private static Map<String, String> ordered(String... pairs) {
    Map<String, String> map = new LinkedHashMap<>();
    for (int i = 0; i < pairs.length; i += 2) {
      map.put(pairs[i], pairs[i + 1]);
    }
    return map;
  }

  /** What a real API server would refuse or drop in {@code object}; {@code seen} collects the field paths it has. */
  static List<String> problems(Kind kind, JsonNode object, Set<String> seen) {
    List<String> problems = new ArrayList<>();
    if (!kind.apiVersion().equals(object.path("apiVersion").asText())) {
      problems.add("apiVersion " + object.path("apiVersion").asText() + ", not " + kind.apiVersion());
    }
    if (!kind.kind().equals(object.path("kind").asText())) {
      problems.add("kind " + object.path("kind").asText() + ", not " + kind.kind());
    }
    for (String name : kind.required()) {
      if (!object.has(name)) {
        problems.add("missing required " + name);
      }
    }
    Iterator<Map.Entry<String, JsonNode>> fields = object.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> e = fields.next();
      if (!Set.of("apiVersion", "kind", "metadata").contains(e.getKey())) {
        check(kind, e.getKey(), e.getValue(), problems, seen);
      }
    }
    return problems;
  }

  private static void check(Kind kind, String path, JsonNode node, List<String> problems, Set<String> seen) {
    Field field = kind.fields().get(path);
    if (field == null) {
      problems.add("unknown field " + path + " (not in " + kind.kind() + "'s schema as the fixture has it)");
      return;
    }
    seen.add(path);
    switch (field.type()) {
      case "object", "map" -> {
        if (!node.isObject()) {
          problems.add(path + " is not an object");
          return;
        }
        if (field.preserve()) {
          return;
        }
        for (String name : field.required()) {
          if (!node.has(name)) {
            problems.add("missing required " + path + "." + name);
          }
        }
        node.fields().forEachRemaining(e -> check(kind,
            path + (field.type().equals("map") ? ".*" : "." + e.getKey()), e.getValue(), problems, seen));
      }
      case "array" -> {
        if (!node.isArray()) {
          problems.add(path + " is not an array");
          return;
        }
        node.forEach(item -> check(kind, path + "[]", item, problems, seen));
      }
      case "string" -> {
        if (!node.isTextual()) {
          problems.add(path + " is not a string");
          return;
        }
        checkString(path, field, node.asText(), problems);
      }
      case "int-or-string" -> {
        if (node.isTextual()) {
          checkString(path, field, node.asText(), problems);
        } else if (!node.isIntegralNumber()) {
          problems.add(path + " is neither an integer nor a string");
        }
      }
      case "integer" -> {
        if (!node.isIntegralNumber()) {
          problems.add(path + " is not an integer");
        }
      }
      case "boolean" -> {
        if (!node.isBoolean()) {
          problems.add(path + " is not a boolean");
        }
      }
      default -> problems.add(path + ": the fixture has an unknown type " + field.type());
    }
  }

  private static void checkString(String path, Field field, String value, List<String> problems) {
    if (!field.enumValues().isEmpty() && !field.enumValues().contains(value)) {
      problems.add(path + " is '" + value + "', not one of " + field.enumValues());
    }
    if (field.nonEmpty() && value.isEmpty()) {
      problems.add(path + " is empty");
    }
    // Kubernetes' patterns are not anchored by themselves; those in the fixture carry their own ^ and $.
    if (field.pattern() != null && !field.pattern().matcher(value).find()) {
      problems.add(path + " '" + value + "' does not match " + field.pattern());
    }
    if (field.dateTime()) {
      try {
        OffsetDateTime.parse(value);
      } catch (DateTimeParseException e) {
        problems.add(path + " '" + value + "' is not an RFC 3339 date-time");
      }
    }
  }
}
