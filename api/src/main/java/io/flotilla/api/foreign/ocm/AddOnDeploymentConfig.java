package io.flotilla.api.foreign.ocm;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.Version;
import io.fabric8.kubernetes.client.CustomResource;
import io.flotilla.api.foreign.Unmodelled;

import java.util.List;
import java.util.Map;

/**
 * OCM's AddOnDeploymentConfig (addon.open-cluster-management.io/v1alpha1, the storage version; namespaced, no status):
 * the variables and placement of an add-on's agent. A per-cluster one replaces the default one whole; it does not merge
 * (docs/ocm-facts.md §1.5, §I1.3).
 */
@Group(AddOnDeploymentConfig.GROUP)
@Version(AddOnDeploymentConfig.VERSION)
@Plural(AddOnDeploymentConfig.RESOURCE)
public class AddOnDeploymentConfig extends CustomResource<AddOnDeploymentConfig.Spec, Void> implements Namespaced {
  public static final String GROUP = "addon.open-cluster-management.io";
  public static final String VERSION = "v1alpha1";
  public static final String RESOURCE = "addondeploymentconfigs";
  /** What the API server fills in for an unset agentInstallNamespace (docs/ocm-facts.md §I1.3). */
  public static final String DEFAULT_INSTALL_NAMESPACE = "open-cluster-management-agent-addon";

  // The API server requires spec on an AddOnDeploymentConfig (docs/ocm-facts.md §I5.2).
  @Override
  protected Spec initSpec() { return new Spec(); }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Spec extends Unmodelled {
    /** Fill {@code {{NAME}}} placeholders; they are not injected as environment variables (docs/ocm-facts.md §I1.3). */
    public List<CustomizedVariable> customizedVariables;
    /** Applied to the template's Deployments and DaemonSets only. */
    public NodePlacement nodePlacement;
    /**
     * Where the agent goes. Unset means the API server's default; "" keeps the namespace the template's manifests name
     * (docs/ocm-facts.md §I1.3), which is why this is sent even when empty.
     */
    public String agentInstallNamespace;
    /** Image mirrors applied to the containers of the template's Deployments and DaemonSets (docs/ocm-facts.md §I1.3). */
    public List<ImageMirror> registries;
    /** Proxy environment (and a CA bundle) for the same containers. */
    public ProxyConfig proxyConfig;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class ImageMirror extends Unmodelled {
    /** An image name prefix; empty matches every image, keeping only its last path segment. */
    public String source;
    /** Required: what replaces the prefix. */
    public String mirror;

    public ImageMirror() {}

    public ImageMirror(String source, String mirror) {
      this.source = source;
      this.mirror = mirror;
    }
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class ProxyConfig extends Unmodelled {
    public String httpProxy;
    public String httpsProxy;
    public String noProxy;
    /** Base64 of the PEM bundle (the schema's format: byte). */
    public String caBundle;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class CustomizedVariable extends Unmodelled {
    /** Matches {@code ^[a-zA-Z_][_a-zA-Z0-9]*$}, at most 255 characters. */
    public String name;
    /** At most 1024 characters. */
    public String value;

    public CustomizedVariable() {}

    public CustomizedVariable(String name, String value) {
      this.name = name;
      this.value = value;
    }
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class NodePlacement extends Unmodelled {
    public Map<String, String> nodeSelector;
    public List<Toleration> tolerations;
  }
}
