package io.flotilla.api.foreign.ocm;

import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.introspect.AnnotatedMember;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.flotilla.api.foreign.Unmodelled;

import java.lang.reflect.InvocationTargetException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds an instance of a Flotilla OCM class with every property Jackson sees set, recursively, so its JSON has every
 * field the class can ever send. Values follow the fixture where it constrains them (an enum's first value, a
 * date-time, a string its pattern accepts), so a failing check means a field, not a made-up value.
 */
final class FullyPopulated {
  private static final ObjectMapper MAPPER = Serialization.jsonMapper();
  /** Candidates for a string with a pattern: the first the pattern accepts is used. */
  private static final List<String> PATTERNED = List.of("a1", "5m", "10%", "example.com/signer");

  private final SchemaShapes.Kind kind;

  private FullyPopulated(SchemaShapes.Kind kind) { this.kind = kind; }

  static <T extends HasMetadata> T of(Class<T> type, SchemaShapes.Kind kind) {
    T resource = newInstance(type);
    ObjectMeta metadata = new ObjectMeta();
    metadata.setName("sample");
    if (Namespaced.class.isAssignableFrom(type)) {
      metadata.setNamespace("mc-1");
    }
    resource.setMetadata(metadata);
    FullyPopulated populator = new FullyPopulated(kind);
    BeanDescription bean = MAPPER.getDeserializationConfig().introspect(MAPPER.constructType(type));
    for (BeanPropertyDefinition property : bean.findProperties()) {
      String name = property.getName();
      if ((name.equals("spec") || name.equals("status")) && property.getMutator() != null
          && property.getPrimaryType().getRawClass() != Void.class) {
        set(property.getMutator(), resource, populator.value(property.getPrimaryType(), name));
      }
    }
    return resource;
  }

  private Object value(JavaType type, String path) {
    SchemaShapes.Field field = kind.fields().get(path);
    Class<?> raw = type.getRawClass();
    if (raw == String.class) {
      return string(field);
    }
    if (raw == Boolean.class || raw == boolean.class) {
      return true;
    }
    if (raw == Integer.class || raw == int.class) {
      return 1;
    }
    if (raw == Long.class || raw == long.class) {
      return 1L;
    }
    if (raw == IntOrString.class) {
      return field != null && field.pattern() != null && field.pattern().matcher("10%").find()
          ? new IntOrString("10%") : new IntOrString(1);
    }
    if (type.isCollectionLikeType()) {
      List<Object> list = new ArrayList<>();
      list.add(value(type.getContentType(), path + "[]"));
      return list;
    }
    if (type.isMapLikeType()) {
      Map<String, Object> map = new LinkedHashMap<>();
      map.put("example.com/key", value(type.getContentType(), path + ".*"));
      return map;
    }
    Object bean = newInstance(raw);
    if (field != null && field.preserve() && bean instanceof Unmodelled kept) {
      // What OCM keeps whole: a Kubernetes object.
      kept.setAdditionalProperty("apiVersion", "v1");
      kept.setAdditionalProperty("kind", "ConfigMap");
      kept.setAdditionalProperty("metadata", Map.of("name", "sample", "namespace", "{{INSTALL_NAMESPACE}}"));
      kept.setAdditionalProperty("data", Map.of("cluster", "{{CLUSTER_NAME}}"));
    }
    for (BeanPropertyDefinition property : MAPPER.getDeserializationConfig().introspect(type).findProperties()) {
      if (property.getMutator() != null) {
        set(property.getMutator(), bean, value(property.getPrimaryType(), path + "." + property.getName()));
      }
    }
    return bean;
  }

  private static String string(SchemaShapes.Field field) {
    if (field == null) {
      return "a1";
    }
    if (!field.enumValues().isEmpty()) {
      return field.enumValues().get(0);
    }
    if (field.dateTime()) {
      return "2026-06-11T12:00:00Z";
    }
    if (field.pattern() != null) {
      return PATTERNED.stream().filter(s -> field.pattern().matcher(s).find()).findFirst()
          .orElseThrow(() -> new IllegalStateException("no sample string matches " + field.pattern()));
    }
    return "a1";
  }

  private static void set(AnnotatedMember member, Object target, Object value) {
    member.fixAccess(true);
    member.setValue(target, value);
  }

  private static <T> T newInstance(Class<T> type) {
    try {
      var constructor = type.getDeclaredConstructor();
      constructor.setAccessible(true);
      return constructor.newInstance();
    } catch (NoSuchMethodException | InstantiationException | IllegalAccessException | InvocationTargetException e) {
      throw new IllegalStateException("cannot create " + type.getName(), e);
    }
  }
}
