package io.flotilla.sandbox.kube;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.jayway.jsonpath.Configuration;
import com.jayway.jsonpath.JsonPath;
import com.jayway.jsonpath.Option;
import com.jayway.jsonpath.spi.json.JacksonJsonProvider;
import com.jayway.jsonpath.spi.mapper.JacksonMappingProvider;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Server-side printing: turns a list or an object into a meta.k8s.io/v1 Table, as kube-apiserver does when kubectl asks
 * for {@code as=Table}. Custom resources get their CRD's additionalPrinterColumns; everything else NAME and AGE.
 */
final class TableRenderer {
  private static final CustomResourceColumnDefinition AGE =
      new CustomResourceColumnDefinition("Age of the object", "", ".metadata.creationTimestamp", "Age", 0, "date");

  private final ObjectMapper mapper;
  private final Configuration jsonPath;

  TableRenderer(ObjectMapper mapper) {
    this.mapper = mapper;
    this.jsonPath = Configuration.builder()
        .jsonProvider(new JacksonJsonProvider(mapper))
        .mappingProvider(new JacksonMappingProvider(mapper))
        .options(Option.SUPPRESS_EXCEPTIONS, Option.DEFAULT_PATH_LEAF_TO_NULL)
        .build();
  }

  /** The printer columns for a resource: the CRD's for the served version, else just AGE (NAME is always first). */
  static List<CustomResourceColumnDefinition> columns(Optional<CustomResourceDefinition> crd, String version) {
    return crd.flatMap(c -> CrdCatalog.version(c, version))
        .map(v -> v.getAdditionalPrinterColumns())
        .filter(c -> c != null && !c.isEmpty())
        .orElse(List.of(AGE));
  }

  ObjectNode render(JsonNode body, List<CustomResourceColumnDefinition> columns, Instant now) {
    ObjectNode table = mapper.createObjectNode().put("kind", "Table").put("apiVersion", "meta.k8s.io/v1");
    ObjectNode metadata = table.putObject("metadata");
    JsonNode listMeta = body.path("metadata");
    if (body.has("items") && listMeta.has("resourceVersion")) {
      metadata.put("resourceVersion", listMeta.get("resourceVersion").asText());
    }
    ArrayNode definitions = table.putArray("columnDefinitions");
    definitions.addObject().put("name", "Name").put("type", "string").put("format", "name")
        .put("description", "Name must be unique within a namespace.").put("priority", 0);
    for (CustomResourceColumnDefinition c : columns) {
      definitions.addObject().put("name", c.getName()).put("type", c.getType() == null ? "string" : c.getType())
          .put("format", c.getFormat() == null ? "" : c.getFormat())
          .put("description", c.getDescription() == null ? "" : c.getDescription())
          .put("priority", c.getPriority() == null ? 0 : c.getPriority());
    }
    ArrayNode rows = table.putArray("rows");
    List<JsonNode> items = new ArrayList<>();
    if (body.has("items")) {
      body.get("items").forEach(items::add);
    } else {
      items.add(body);
    }
    for (JsonNode item : items) {
      ObjectNode row = rows.addObject();
      ArrayNode cells = row.putArray("cells");
      cells.add(item.path("metadata").path("name").asText());
      Map<String, Object> document = mapper.convertValue(item, new TypeReference<Map<String, Object>>() {});
      for (CustomResourceColumnDefinition c : columns) {
        cells.addPOJO(cell(document, c, now));
      }
      ObjectNode object = row.putObject("object").put("kind", "PartialObjectMetadata").put("apiVersion", "meta.k8s.io/v1");
      ObjectNode meta = item.path("metadata").deepCopy();
      meta.remove("managedFields");
      object.set("metadata", meta);
    }
    return table;
  }

  private Object cell(Map<String, Object> document, CustomResourceColumnDefinition column, Instant now) {
    Object value = JsonPath.using(jsonPath).parse(document).read(toJsonPath(column.getJsonPath()));
    if (value instanceof Collection<?> values) {
      // Filter expressions always yield a list in Jayway; kube-apiserver prints the first match.
      value = values.isEmpty() ? null
          : values.size() == 1 ? values.iterator().next()
          : values.stream().map(String::valueOf).collect(Collectors.joining(","));
    }
    if (value != null && "date".equals(column.getType())) {
      return age(String.valueOf(value), now);
    }
    return value;
  }

  /** Kubernetes column paths are relative (".status.x"); Jayway needs a root ("$.status.x"). */
  static String toJsonPath(String kubernetesPath) {
    String p = kubernetesPath.trim();
    if (p.startsWith("{") && p.endsWith("}")) {
      p = p.substring(1, p.length() - 1);
    }
    return p.startsWith("$") ? p : p.startsWith(".") ? "$" + p : "$." + p;
  }

  /** kube-apiserver's duration.HumanDuration, the format kubectl shows in AGE columns. */
  static String age(String timestamp, Instant now) {
    Instant then;
    try {
      then = Instant.parse(timestamp);
    } catch (DateTimeParseException e) {
      return timestamp;
    }
    Duration d = Duration.between(then, now);
    long seconds = d.getSeconds();
    if (seconds < 0) {
      return "<invalid>";
    }
    if (seconds < 120) {
      return seconds + "s";
    }
    long minutes = d.toMinutes();
    if (minutes < 10) {
      long s = seconds % 60;
      return s == 0 ? minutes + "m" : minutes + "m" + s + "s";
    }
    if (minutes < 180) {
      return minutes + "m";
    }
    long hours = d.toHours();
    if (hours < 8) {
      long m = minutes % 60;
      return m == 0 ? hours + "h" : hours + "h" + m + "m";
    }
    if (hours < 48) {
      return hours + "h";
    }
    if (hours < 24 * 8) {
      long h = hours % 24;
      return h == 0 ? (hours / 24) + "d" : (hours / 24) + "d" + h + "h";
    }
    if (hours < 24 * 365 * 2) {
      return (hours / 24) + "d";
    }
    return (hours / 24 / 365) + "y";
  }
}
