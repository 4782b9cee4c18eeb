package io.flotilla.common;

import com.cronutils.model.Cron;
import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinition;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;

import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Optional;

/**
 * A BackupPolicy schedule: a cron expression read in an IANA time zone. Five fields are standard Unix cron (minute
 * first); six fields put seconds first (as Spring does), for schedules tighter than a minute in tests and demos.
 * Parsing, day-of-week rules and daylight-saving transitions are cron-utils', not ours. The one place hub (validation,
 * RPO interval) and agent (running the schedule) read a schedule.
 */
public final class CronSchedule {
  private static final CronParser UNIX = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));
  private static final CronParser WITH_SECONDS = new CronParser(withSeconds());

  private final String expression;
  private final ZoneId zone;
  private final ExecutionTime execution;

  private CronSchedule(String expression, ZoneId zone, Cron cron) {
    this.expression = expression;
    this.zone = zone;
    this.execution = ExecutionTime.forCron(cron);
  }

  /**
   * @param timeZone IANA zone id; null or blank = UTC
   * @throws IllegalArgumentException with a message fit for an admission response or a status condition
   */
  public static CronSchedule parse(String expression, String timeZone) {
    ZoneId zone = zone(timeZone);
    if (expression == null || expression.isBlank()) {
      throw new IllegalArgumentException("schedule is empty; give a cron expression such as \"0 2 * * *\"");
    }
    String trimmed = expression.trim();
    int fields = trimmed.split("\\s+").length;
    CronParser parser = switch (fields) {
      case 5 -> UNIX;
      case 6 -> WITH_SECONDS;
      default -> throw new IllegalArgumentException("schedule \"" + expression + "\" has " + fields + " fields; a cron"
          + " expression has 5 (minute hour day-of-month month day-of-week) or 6 (seconds first)");
    };
    try {
      Cron cron = parser.parse(trimmed);
      cron.validate();
      return new CronSchedule(trimmed, zone, cron);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("schedule \"" + expression + "\" is not a valid cron expression: "
          + e.getMessage(), e);
    }
  }

  /** @throws IllegalArgumentException when {@code timeZone} is not a known IANA zone */
  public static ZoneId zone(String timeZone) {
    if (timeZone == null || timeZone.isBlank()) {
      return ZoneOffset.UTC;
    }
    try {
      return ZoneId.of(timeZone);
    } catch (DateTimeException e) {
      throw new IllegalArgumentException("time zone \"" + timeZone + "\" is not a known IANA time zone (such as"
          + " Europe/Paris or UTC)", e);
    }
  }

  public String expression() { return expression; }

  public ZoneId zone() { return zone; }

  /** The first scheduled time strictly after {@code t}. */
  public Optional<Instant> nextAfter(Instant t) {
    return execution.nextExecution(ZonedDateTime.ofInstant(t, zone)).map(ZonedDateTime::toInstant);
  }

  /** The last scheduled time at or before {@code t}. */
  public Optional<Instant> lastAtOrBefore(Instant t) {
    ZonedDateTime at = ZonedDateTime.ofInstant(t, zone);
    if (execution.isMatch(at.withNano(0)) && at.getNano() == 0) {
      return Optional.of(t);
    }
    return execution.lastExecution(at).map(ZonedDateTime::toInstant);
  }

  /**
   * The interval the schedule promises around {@code t}: from the last scheduled time at or before it to the next one.
   * For an irregular schedule (weekdays only, say) this is the gap that contains {@code t}, which is what an RPO check
   * against "the newest backup should be no older than one interval" needs.
   */
  public Duration intervalAt(Instant t) {
    Instant last = lastAtOrBefore(t).orElse(t);
    Instant next = nextAfter(last).orElseThrow(() -> new IllegalStateException("schedule " + expression
        + " never fires again"));
    return Duration.between(last, next);
  }

  @Override
  public String toString() { return expression + " (" + zone + ")"; }

  private static CronDefinition withSeconds() {
    return CronDefinitionBuilder.defineCron()
        .withSeconds().and()
        .withMinutes().and()
        .withHours().and()
        .withDayOfMonth().supportsL().supportsW().supportsLW().supportsQuestionMark().and()
        .withMonth().and()
        .withDayOfWeek().withValidRange(0, 7).withMondayDoWValue(1).withIntMapping(7, 0).supportsHash().supportsL()
        .supportsQuestionMark().and()
        .withSupportedNicknameYearly().withSupportedNicknameAnnually().withSupportedNicknameMonthly()
        .withSupportedNicknameWeekly().withSupportedNicknameMidnight().withSupportedNicknameDaily()
        .withSupportedNicknameHourly()
        .instance();
  }
}
