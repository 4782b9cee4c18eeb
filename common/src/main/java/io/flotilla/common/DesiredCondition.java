package io.flotilla.common;

/**
 * A condition a decision wants on a status (the planners return these; they hold no client): the reconciler applies it
 * with {@link Conditions#set(java.util.List, DesiredCondition, Long, java.time.Instant)}, which keeps
 * lastTransitionTime and sets observedGeneration.
 */
public record DesiredCondition(String type, String status, String reason, String message) {}
