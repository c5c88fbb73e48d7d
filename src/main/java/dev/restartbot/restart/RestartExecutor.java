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

  /**
   * Runs a request that this caller moved to RUNNING; answers it in its final state. Each result is
   * published before it is stored, so a store that cannot be reached loses no audit line; once the
   * store cannot be reached, nothing more is restarted: the run can no longer be recorded, nor can
   * this replica tell whether another one has taken it over.
   */
  RestartRequest run(RestartRequest running) {
    RestartRequest current = running;
    Target failed = null;
    String storeTrouble = null;
    List<Target> targets = running.targets();
    for (int index = 0; index < targets.size(); index++) {
      Target target = targets.get(index);
      if (storeTrouble == null) {
        try {
          if (!stillRunning(running.id())) {
            // Taken for dead by another replica: it told the channel; patch nothing more.
            LOG.warnf(
                "request %s was interrupted; %s and later targets not started",
                running.id(), target);
            return store.find(running.id()).orElse(current);
          }
        } catch (RuntimeException e) {
          storeTrouble = storeTrouble(running, e);
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
    return current;
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

  private boolean stillRunning(String requestId) {
    return store.find(requestId).map(r -> r.state() == RequestState.RUNNING).orElse(false);
  }

  private Attempt restartOne(RestartRequest request, int index) {
    Target target = request.targets().get(index);
    Instant started = clock.instant();
    // One timestamp per target: a retry of this patch reuses it and so changes nothing.
    String restartedAt = started.truncatedTo(ChronoUnit.SECONDS).toString();
    Outcome outcome;
    Optional<Outcome.Restarted> patched = Optional.empty();
    try {
      outcome = workloads.restart(target, restartedAt, Workloads.Attribution.of(request));
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
