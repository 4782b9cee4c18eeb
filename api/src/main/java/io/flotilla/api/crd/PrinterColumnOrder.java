package io.flotilla.api.crd;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.crdv2.generator.CRDGenerator;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.client.CustomResource;

import java.io.IOException;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Build step (process-classes, after crd-generator): gives every generated CRD its printer columns in the order the
 * {@link AdditionalPrinterColumn} annotations are declared on the class, because kubectl prints them in CRD order.
 * crd-generator 7.5.2 has no way to say so: it collects the columns in a TreeMap keyed by jsonPath
 * (AbstractCustomResourceHandler.handlePrinterColumns; fabric8io/kubernetes-client#3974 and #7454 ask for an order).
 * The kinds whose declared order differs are generated again, by the same generator with a post-processor, into the
 * same directory; every other CRD file is left exactly as the plugin wrote it.
 *
 * <p>Arguments: the compiled classes directory and the CRD output directory (target/classes/META-INF/fabric8).
 */
public final class PrinterColumnOrder {
  private PrinterColumnOrder() {}

  public static void main(String[] args) throws IOException {
    if (args.length != 2) {
      throw new IllegalArgumentException("usage: PrinterColumnOrder <classes-dir> <crd-output-dir>");
    }
    List<Class<? extends HasMetadata>> reorder = new ArrayList<>();
    for (Class<? extends HasMetadata> type : customResources(Path.of(args[0]))) {
      List<AdditionalPrinterColumn> declared = Arrays.asList(type.getAnnotationsByType(AdditionalPrinterColumn.class));
      List<AdditionalPrinterColumn> generated = new ArrayList<>(declared);
      generated.sort(Comparator.comparing(AdditionalPrinterColumn::jsonPath, String.CASE_INSENSITIVE_ORDER));
      if (!generated.equals(declared)) {
        reorder.add(type);
      }
    }
    if (reorder.isEmpty()) {
      return;
    }
    Map<String, Class<?>> byKind = new HashMap<>();
    reorder.forEach(t -> byKind.put(HasMetadata.getKind(t) + "." + HasMetadata.getGroup(t), t));
    new CRDGenerator().inOutputDir(Path.of(args[1]).toFile()).customResourceClasses(reorder)
        .withPostProcessor(new io.fabric8.crdv2.generator.CRDPostProcessor() {
          @Override
          public HasMetadata process(HasMetadata crd, String crdSpecVersion) {
            if (crd instanceof CustomResourceDefinition definition) {
              Class<?> type = byKind.get(definition.getSpec().getNames().getKind() + "." + definition.getSpec().getGroup());
              if (type != null) {
                definition.getSpec().getVersions().forEach(v -> inDeclaredOrder(v, type));
              }
            }
            return crd;
          }
        })
        .generate();
  }

  private static void inDeclaredOrder(CustomResourceDefinitionVersion version, Class<?> type) {
    List<String> order = Arrays.stream(type.getAnnotationsByType(AdditionalPrinterColumn.class))
        .map(AdditionalPrinterColumn::jsonPath).toList();
    List<CustomResourceColumnDefinition> columns = new ArrayList<>(version.getAdditionalPrinterColumns());
    // Columns not declared on the class (@PrinterColumn on fields) keep the generator's order, after the declared ones.
    columns.sort(Comparator.comparingInt(c -> {
      int i = order.indexOf(c.getJsonPath());
      return i < 0 ? Integer.MAX_VALUE : i;
    }));
    version.setAdditionalPrinterColumns(columns);
  }

  @SuppressWarnings("unchecked")
  private static List<Class<? extends HasMetadata>> customResources(Path classes) throws IOException {
    List<Class<? extends HasMetadata>> found = new ArrayList<>();
    try (Stream<Path> files = Files.walk(classes)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".class") && !f.toString().contains("$")).sorted().toList()) {
        String name = classes.relativize(file).toString().replace(file.getFileSystem().getSeparator(), ".")
            .replaceAll("\\.class$", "");
        Class<?> type;
        try {
          type = Class.forName(name, false, PrinterColumnOrder.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
          continue;
        }
        if (CustomResource.class.isAssignableFrom(type) && !Modifier.isAbstract(type.getModifiers())) {
          found.add((Class<? extends HasMetadata>) type);
        }
      }
    }
    return found;
  }
}
