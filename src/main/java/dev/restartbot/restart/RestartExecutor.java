package dev.restartbot.restart;

import dev.restartbot.policy.Target;
import io.fabric8.kubernetes.client.KubernetesClientException;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Restarts the targets of an approved request one after another: patch, follow the rollout to its
 * end, store the result, and only then the next (a health gate between targets). That is all it
 * does: what people see, the audit trail, metrics and Kubernetes Events subscribe to the events it
 * publishes, and none of them can hold up the next patch.
 */
@ApplicationScoped
public class RestartExecutor {

  private static final Logger LOG = Logger.getLogger(RestartExecutor.class);

  private final Workloads workloads;
  private final RolloutWatch rollouts;
  private final RequestStore store;
  private final RequestEvents events;
  private final RestartConfig config;
  private final Clock clock;

  public RestartExecutor(
      Workloads workloads,
      RolloutWatch rollouts,
      RequestStore store,
      RequestEvents events,
      RestartConfig config,
      Clock clock) {
    this.workloads = workloads;
    this.rollouts = rollouts;
    this.store = store;
    this.events = events;
    this.config = config;
    this.clock = clock;
  }

  /** Why a run stopped before its next target. */
  enum Stop {
    /** Another replica took this run for dead and marked it INTERRUPTED. */
    INTERRUPTED_ELSEWHERE,
    /** This replica could not renew its claim on the run. */
    CLAIM_LOST,
    /** This replica is shutting down. */
    SHUTTING_DOWN,
    /** Someone pressed Abort: the stored request says who. */
    ABORTED
  }

  /** Asked before each target: a reason to stop, or empty to go on. */
  @FunctionalInterface
  interface Guard {
    Optional<Stop> check();

    Guard NONE = Optional::empty;
  }

  /** Where a run got to: the request with its results, and why it stopped early, if it did. */
  record Ran(RestartRequest request, Optional<Stop> stopped) {}

  /**
   * Runs a request that this caller moved to RUNNING (or took over), from its first target without
   * a result. Before each target it asks the store whether the request is still RUNNING and not
   * aborted, and the {@code guard} whether to go on; it stops there, between two targets, when
   * either says no. Each result is published before it is stored, so a store that cannot be reached
   * loses no audit line; once the store cannot be reached, nothing more is restarted: the run can
   * no longer be recorded, nor can this replica tell whether another one has taken it over.
   */
  Ran run(RestartRequest running, Guard guard) {
    RestartRequest current = running;
    List<Target> targets = running.targets();
    Target failed =
        running.results().stream()
            .filter(r -> !r.outcome().succeeded())
            .map(TargetResult::target)
            .findFirst()
            .orElse(null);
    String storeTrouble = null;
    for (int index = running.results().size(); index < targets.size(); index++) {
      Target target = targets.get(index);
      if (storeTrouble == null) {
        Optional<Stop> stop;
        try {
          Optional<RestartRequest> stored = store.find(running.id());
          stop = storedStop(stored).or(guard::check);
          if (stop.equals(Optional.of(Stop.ABORTED))) {
            // The run ends with who aborted it, whichever replica recorded it.
            RestartRequest.Decision abort = stored.orElseThrow().abort().orElseThrow();
            current = current.withAbort((Decider.Person) abort.by(), abort.at());
          }
        } catch (RuntimeException e) {
          storeTrouble = storeTrouble(running, e);
          stop = Optional.empty();
        }
        if (stop.isPresent()) {
          LOG.warnf(
              "request %s stops before %s (%s): %d of %d targets done",
              running.id(), target, stop.get(), index, targets.size());
          return new Ran(current, stop);
        }
      }
      TargetResult result;
      Optional<Outcome.Restarted> patched = Optional.empty();
      if (storeTrouble != null) {
        result = skipped(target, new Outcome.SkipReason.StoreUnreachable(storeTrouble));
      } else if (failed != null && config.stopOnFailure()) {
        result = skipped(target, new Outcome.SkipReason.EarlierFailed(Optional.of(failed)));
      } else {
        events.publish(new RequestEvent.TargetStarted(current, index));
        Attempt attempt = restartOne(current, index);
        result = attempt.result();
        patched = attempt.patched();
      }
      if (!result.outcome().succeeded() && failed == null) {
        failed = target;
      }
      if (storeTrouble == null) {
        try {
          current =
              store.update(running.id(), r -> true, r -> r.withResult(result)).orElse(current);
        } catch (RuntimeException e) {
          storeTrouble = storeTrouble(running, e);
          current = current.withResult(result);
        }
      } else {
        current = current.withResult(result);
      }
      events.publish(new RequestEvent.TargetFinished(current, index, result, patched));
    }
    return new Ran(current, Optional.empty());
  }

  /**
   * Records every target of {@code current} without a result as skipped for {@code why}, stored and
   * published like any result.
   */
  RestartRequest skipRest(RestartRequest current, Outcome.SkipReason why) {
    RestartRequest request = current;
    for (int index = request.results().size(); index < request.targets().size(); index++) {
      TargetResult result = skipped(request.targets().get(index), why);
      try {
        request = store.update(request.id(), r -> true, r -> r.withResult(result)).orElse(request);
      } catch (RuntimeException e) {
        storeTrouble(request, e);
        request = request.withResult(result);
      }
      if (request.results().size() <= index) {
        request = request.withResult(result);
      }
      events.publish(new RequestEvent.TargetFinished(request, index, result, Optional.empty()));
    }
    return request;
  }

  /** One target's result, and the patch the API server accepted, if it got that far. */
  private record Attempt(TargetResult result, Optional<Outcome.Restarted> patched) {}

  private static TargetResult skipped(Target target, Outcome.SkipReason why) {
    return new TargetResult(target, new Outcome.Skipped(why), Duration.ZERO);
  }

  private static String storeTrouble(RestartRequest request, RuntimeException e) {
    LOG.errorf(
        e,
        "request %s: the request store could not be reached; nothing more is restarted",
        request.id());
    if (e instanceof KubernetesClientException k) {
      return Workloads.apiMessage(k);
    }
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }

  /**
   * What the stored request says about going on: another replica may have marked it INTERRUPTED, or
   * someone (on any replica) may have aborted it. Read before each target, so that neither depends
   * on this replica's memory.
   */
  private static Optional<Stop> storedStop(Optional<RestartRequest> stored) {
    if (stored.isEmpty() || stored.get().state() != RequestState.RUNNING) {
      return Optional.of(Stop.INTERRUPTED_ELSEWHERE);
    }
    return stored.get().abort().isPresent() ? Optional.of(Stop.ABORTED) : Optional.empty();
  }

  private Attempt restartOne(RestartRequest request, int index) {
    Target target = request.targets().get(index);
    Instant started = clock.instant();
    // One timestamp per target: a retry of this patch reuses it and so changes nothing.
    String restartedAt = started.truncatedTo(ChronoUnit.SECONDS).toString();
    Outcome outcome;
    Optional<Outcome.Restarted> patched = Optional.empty();
    try {
      outcome =
          request.isRollback()
              ? workloads.rollback(target, Workloads.Attribution.of(request))
              : workloads.restart(target, restartedAt, Workloads.Attribution.of(request));
      if (outcome instanceof Outcome.Restarted accepted) {
        patched = Optional.of(accepted);
        events.publish(new RequestEvent.TargetPatched(request, index, accepted));
        if (config.rollout().waitForRollout()) {
          outcome =
              rollouts.await(
                  target,
                  accepted.restartedAt(),
                  accepted.generation(),
                  config.rollout().timeout(),
                  status ->
                      events.publish(new RequestEvent.TargetProgress(request, index, status)));
        }
      }
    } catch (RuntimeException e) {
      LOG.errorf(e, "restart of %s for request %s failed", target, request.id());
      outcome = new Outcome.Unexpected();
    }
    return new Attempt(
        new TargetResult(target, outcome, Duration.between(started, clock.instant())), patched);
  }
}
