package io.flotilla.api.dr.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.flotilla.api.common.NamespacedName;

import java.util.ArrayList;
import java.util.List;

/**
 * One management cluster's backup schedule, as the hub resolved it from every BackupPolicy (selectors evaluated,
 * overlaps settled). The hub writes it as JSON under {@link #DATA_KEY} in the ConfigMap {@link #CONFIG_MAP_NAME} in the
 * cluster's namespace; the agent keeps a local copy and runs it, so schedules go on while the hub is down.
 * Not a CR: it is the payload of that ConfigMap.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class EffectiveBackupSchedule {
  public static final String CONFIG_MAP_NAME = "flotilla-backup-schedule";
  public static final String DATA_KEY = "schedule.json";
  /** On scheduled HostedClusterBackup records: the policy that scheduled it. */
  public static final String POLICY_LABEL = "dr.flotilla.io/policy";
  /** On scheduled HostedClusterBackup records: the scheduled time (RFC 3339) the run belongs to. */
  public static final String SCHEDULED_TIME_ANNOTATION = "dr.flotilla.io/scheduled-time";

  public String cluster;
  public List<Entry> entries = new ArrayList<>();

  /** One policy's schedule for the hosted clusters of this cluster it is the effective policy for. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Entry {
    public String policy;
    /** Five-field cron expression, read in {@link #timeZone}. */
    public String schedule;
    /** IANA time zone; null = UTC. */
    public String timeZone;
    public String store;
    public String maxPauseWindow;
    public Boolean quiesceAPIServers;
    public List<NamespacedName> hostedClusters = new ArrayList<>();
  }
}
