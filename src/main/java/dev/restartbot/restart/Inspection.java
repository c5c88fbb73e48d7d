package dev.restartbot.restart;

/** The result of reading a target before a request is created. */
public sealed interface Inspection {

  record Found(WorkloadSnapshot snapshot) implements Inspection {}

  record Missing() implements Inspection {}

  /** The target's cluster does not serve its kind (Argo Rollouts is not installed there). */
  record NotServed() implements Inspection {}

  /** The API server answered, but not with the workload: the bot may not read it, say. */
  record Unreadable(String message) implements Inspection {}

  /** The target's cluster did not answer at all (refused, timed out, no route). */
  record Unreachable(String message) implements Inspection {}
}
