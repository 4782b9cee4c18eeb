package io.flotilla.api.dr.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.flotilla.api.common.Validation;

import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class BackupPolicySpec {
  @JsonPropertyDescription("Which ManagementClusters the policy applies to; empty selects all.")
  public LabelSelector clusterSelector;

  public HostedClusterSelector hostedClusterSelector;

  @Required
  @JsonPropertyDescription("Standard five-field cron expression.")
  public String schedule;

  @JsonPropertyDescription("IANA time zone the schedule is read in; default UTC.")
  public String timeZone;

  @Required @Pattern(Validation.DNS1123_SUBDOMAIN)
  @JsonPropertyDescription("Name of the BackupStore.")
  public String store;

  public Retention retention;

  @Pattern(Validation.DURATION)
  public String maxPauseWindow;

  public Boolean quiesceAPIServers;

  public Boolean suspend;

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class HostedClusterSelector {
    public List<String> namespaces;
    public LabelSelector labelSelector;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Retention {
    @Min(1)
    public Integer keepLast;
    @Pattern(Validation.DURATION)
    public String maxAge;
  }
}
