package io.flotilla.agent.restore;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** The resources object of a backup, read back: one Kubernetes object per tar entry (see ResourceCollector). */
public record ResourceArchive(List<GenericKubernetesResource> objects) {

  public static ResourceArchive read(byte[] tar, KubernetesSerialization serialization) throws IOException {
    List<GenericKubernetesResource> objects = new ArrayList<>();
    try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(tar))) {
      for (TarArchiveEntry e; (e = in.getNextEntry()) != null; ) {
        if (e.isDirectory() || !e.getName().endsWith(".yaml")) {
          continue;
        }
        String yaml = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        objects.add(serialization.unmarshal(yaml, GenericKubernetesResource.class));
      }
    }
    return new ResourceArchive(List.copyOf(objects));
  }

  public List<GenericKubernetesResource> ofKind(String kind) {
    return objects.stream().filter(o -> kind.equals(o.getKind())).toList();
  }

  public List<GenericKubernetesResource> inNamespace(String kind, String namespace) {
    return ofKind(kind).stream().filter(o -> namespace.equals(o.getMetadata().getNamespace())).toList();
  }
}
