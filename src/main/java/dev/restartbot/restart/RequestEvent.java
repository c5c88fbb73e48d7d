package dev.restartbot.restart;

import dev.restartbot.policy.Actor;
import dev.restartbot.policy.Target;
import java.util.List;
import java.util.Optional;

/**
 * What happened to a request, as the lifecycle publishes it (CDI events, in order, on the thread
 * that made it happen). Subscribers render, audit, count and record; none decides anything, and a
 * slow subscriber hands its work to a queue of its own, so the sequence of restarts never waits.
 *
 * <p>Java 17 has no pattern-matching switch: a {@link Visitor} makes every subscriber that renders
 * events handle each of them, so a new event fails the build until it is rendered everywhere.
 */
public sealed interface RequestEvent {

  /** The request concerned; empty for a command refused before any request existed. */
  String requestId();

  <R> R accept(Visitor<R> visitor);

  /** An event about a request that exists: its id is the request's. */
  sealed interface OfRequest extends RequestEvent {
    RestartRequest request();

    @Override
    default String requestId() {
      return request().id();
    }
  }

  /** One method per event; implementing it is handling every event. */
  interface Visitor<R> {
    R commandRefused(CommandRefused e);

    R clickRefused(ClickRefused e);

    R submitted(Submitted e);

    R abandoned(Abandoned e);

    R decided(Decided e);

    R approvalCounted(ApprovalCounted e);

    R outdated(Outdated e);

    R expired(Expired e);

    R started(Started e);

    R targetStarted(TargetStarted e);

    R targetPatched(TargetPatched e);

    R targetProgress(TargetProgress e);

    R targetFinished(TargetFinished e);

    R finished(Finished e);

    R interrupted(Interrupted e);

    R handedBack(HandedBack e);

    R resumed(Resumed e);

    R abortRequested(AbortRequested e);
  }

  /** A command was refused; no request exists. */
  record CommandRefused(Actor requester, List<Target> targets, Refusal refusal)
      implements RequestEvent {
    public CommandRefused {
      targets = List.copyOf(targets);
    }

    public String requestId() {
      return "";
    }

    public <R> R accept(Visitor<R> v) {
      return v.commandRefused(this);
    }
  }

  /** A click changed nothing. */
  record ClickRefused(String requestId, Actor clicker, Refusal refusal) implements RequestEvent {
    public <R> R accept(Visitor<R> v) {
      return v.clickRefused(this);
    }
  }

  /** A request was created: pending, or approved by the policy. */
  record Submitted(RestartRequest request) implements OfRequest {
    public <R> R accept(Visitor<R> v) {
      return v.submitted(this);
    }
  }

  /** Its approval message could not be posted, so it was given up (ABANDONED). */
  record Abandoned(RestartRequest request, String why) implements OfRequest {
    public <R> R accept(Visitor<R> v) {
      return v.abandoned(this);
    }
  }

  /** A person approved, denied or withdrew it. */
  record Decided(RestartRequest request) implements OfRequest {
    public <R> R accept(Visitor<R> v) {
      return v.decided(this);
    }
  }

  /**
   * An approver approved, and the request needs more approvals: it stays pending, with this
   * approval counted ({@code request.approvals()}).
   */
  record ApprovalCounted(RestartRequest request, Decider.Person by) implements OfRequest {
    public <R> R accept(Visitor<R> v) {
      return v.approvalCounted(this);
    }
  }

  /**
   * The approval that would have started it found a target changed since the request (OUTDATED):
   * nothing restarted.
   *
   * @param before the target's generation when the request was made
   * @param now its generation when the approval came; empty when it is gone
   */
  record Outdated(RestartRequest request, Target target, long before, Optional<Long> now)
      implements OfRequest {
    public <R> R accept(Visitor<R> v) {
      return v.outdated(this);
    }
  }

  /** Nobody decided in time. */
  record Expired(RestartRequest request) implements OfRequest {
    public <R> R accept(Visitor<R> v) {
      return v.expired(this);
    }
  }

  /** The run began (RUNNING) on this replica. */
  record Started(RestartRequest request) implements OfRequest {
    public <R> R accept(Visitor<R> v) {
      return v.started(this);
    }
  }

  /** Target {@code index} is about to be patched. */
  record TargetStarted(RestartRequest request, int index) implements OfRequest {
    public Target target() {
      return request.targets().get(index);
    }

    public <R> R accept(Visitor<R> v) {
      return v.targetStarted(this);
    }
  }

  /** The API server accepted the restart patch of target {@code index}. */
  record TargetPatched(RestartRequest request, int index, Outcome.Restarted patch)
      implements OfRequest {
    public Target target() {
      return request.targets().get(index);
    }

    public <R> R accept(Visitor<R> v) {
      return v.targetPatched(this);
    }
  }

  /** The rollout of target {@code index} moved. */
  record TargetProgress(RestartRequest request, int index, RolloutStatus status)
      implements OfRequest {
    public Target target() {
      return request.targets().get(index);
    }

    public <R> R accept(Visitor<R> v) {
      return v.targetProgress(this);
    }
  }

  /**
   * Target {@code index} has its result; {@code patched} is the accepted patch, when there was one
   * (the Kubernetes Event of the result names the workload by its uid).
   */
  record TargetFinished(
      RestartRequest request, int index, TargetResult result, Optional<Outcome.Restarted> patched)
      implements OfRequest {
    public <R> R accept(Visitor<R> v) {
      return v.targetFinished(this);
    }
  }

  /** Every target has its result (DONE). */
  record Finished(RestartRequest request) implements OfRequest {
    public <R> R accept(Visitor<R> v) {
      return v.finished(this);
    }
  }

  /** Why a run stopped before it finished (INTERRUPTED). */
  enum Interruption {
    /** The replica running it stopped renewing its claim; another replica noticed. */
    RUNNER_GONE,
    /** The replica running it could not renew its claim for half its duration, and stopped. */
    CLAIM_LOST
  }

  /** The run stopped before it finished (INTERRUPTED); nothing more of it is restarted. */
  record Interrupted(RestartRequest request, Interruption why) implements OfRequest {
    public <R> R accept(Visitor<R> v) {
      return v.interrupted(this);
    }
  }

  /**
   * The replica running it shut down between two targets and handed the run back (still RUNNING):
   * another replica resumes it from its next target.
   */
  record HandedBack(RestartRequest request) implements OfRequest {
    public <R> R accept(Visitor<R> v) {
      return v.handedBack(this);
    }
  }

  /** This replica took over a run that was handed back, from its first target without a result. */
  record Resumed(RestartRequest request) implements OfRequest {
    public <R> R accept(Visitor<R> v) {
      return v.resumed(this);
    }
  }

  /**
   * Someone pressed Abort on the running request (recorded in the store, so that the replica
   * running it sees it): the target being restarted is followed to its end, the rest are skipped.
   */
  record AbortRequested(RestartRequest request, Decider.Person by) implements OfRequest {
    public <R> R accept(Visitor<R> v) {
      return v.abortRequested(this);
    }
  }
}
