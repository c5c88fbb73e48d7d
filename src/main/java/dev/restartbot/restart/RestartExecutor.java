package dev.restartbot.restart;

import dev.restartbot.audit.AuditAction;
import dev.restartbot.audit.AuditLog;
import dev.restartbot.audit.AuditRecord;
import dev.restartbot.policy.Target;
import io.fabric8.kubernetes.client.KubernetesClientException;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Restarts the targets of an approved request one after another: patch, follow the rollout to its
 * end, and only then the next (a health gate between targets).
 */
@ApplicationScoped
public class RestartExecutor {

  private static final Logger LOG = Logger.getLogger(RestartExecutor.class);

  private final Workloads workloads;
  private final RolloutWatch rollouts;
  private final WorkloadEvents events;
  private final RestartMetrics metrics;
  private final RequestStore store;
  private final AuditLog audit;
  private final RestartConfig config;
  private final Clock clock;

  public RestartExecutor(
      Workloads workloads,
      RolloutWatch rollouts,
      WorkloadEvents events,
      RestartMetrics metrics,
      RequestStore store,
      AuditLog audit,
      RestartConfig config,
      Clock clock) {
    this.workloads = workloads;
    this.rollouts = rollouts;
    this.events = events;
    this.metrics = metrics;
    this.store = store;
    this.audit = audit;
    this.config = config;
    this.clock = clock;
  }

  /**
   * Runs a request that this caller moved to RUNNING; answers it in its final state. Each result is
   * audited before it is stored, so a store that cannot be reached loses no audit line; once the
   * store cannot be reached, nothing more is restarted: the run can no longer be recorded, nor can
   * this replica tell whether another one has taken it over.
   */
  RestartRequest run(RestartRequest running, ExecutionListener listener) {
    RestartRequest current = running;
    Target failed = null;
    String storeTrouble = null;
    List<Target> targets = running.targets();
    for (int i = 0; i < targets.size(); i++) {
      Target target = targets.get(i);
      int index = i;
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
      if (storeTrouble != null) {
        result =
            new TargetResult(
                target,
                new Outcome.Skipped(
                    "not started: the request store could not be reached (" + storeTrouble + ")"),
                Duration.ZERO);
      } else if (failed != null && config.stopOnFailure()) {
        result =
            new TargetResult(
                target,
                new Outcome.Skipped(failed.ref() + " did not restart and stop-on-failure is on"),
                Duration.ZERO);
      } else {
        safely(() -> listener.targetStarted(running, target, index));
        result = restartOne(running, target, index, listener);
      }
      if (!result.outcome().succeeded() && failed == null) {
        failed = target;
      }
      metrics.targetFinished(target, result.outcome(), result.took());
      audit.record(
          new AuditRecord(
              running.id(),
              running.decidedBy().orElse(""),
              AuditAction.RESULT,
              List.of(target.key()),
              result.outcome().code(),
              result.outcome().detail()));
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
      RestartRequest snapshot = current;
      safely(() -> listener.targetFinished(snapshot, result, index));
    }
    return current;
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

  private TargetResult restartOne(
      RestartRequest request, Target target, int index, ExecutionListener listener) {
    Instant started = clock.instant();
    // One timestamp per target: a retry of this patch reuses it and so changes nothing.
    String restartedAt = started.truncatedTo(ChronoUnit.SECONDS).toString();
    Outcome outcome;
    try {
      outcome = workloads.restart(target, restartedAt, changeCause(request));
      if (outcome instanceof Outcome.Restarted patched) {
        events.record(
            target,
            patched.uid(),
            request.id(),
            WorkloadEvents.REQUESTED,
            false,
            "Rollout restart requested by " + who(request) + " (restartedAt " + restartedAt + ")");
        if (config.rollout().waitForRollout()) {
          outcome = follow(request, target, index, listener, patched);
        }
      }
    } catch (RuntimeException e) {
      LOG.errorf(e, "restart of %s for request %s failed", target, request.id());
      outcome = new Outcome.Error("unexpected error, see the bot's logs");
    }
    return new TargetResult(target, outcome, Duration.between(started, clock.instant()));
  }

  private Outcome follow(
      RestartRequest request,
      Target target,
      int index,
      ExecutionListener listener,
      Outcome.Restarted patched) {
    Outcome end =
        rollouts.await(
            target,
            patched.restartedAt(),
            patched.generation(),
            config.rollout().timeout(),
            status -> safely(() -> listener.targetProgress(request, target, index, status)));
    if (end instanceof Outcome.RolledOut || end instanceof Outcome.OnDelete) {
      events.record(
          target,
          patched.uid(),
          request.id(),
          WorkloadEvents.COMPLETE,
          false,
          "Restart " + end.detail() + "; requested by " + who(request));
    } else {
      events.record(
          target,
          patched.uid(),
          request.id(),
          WorkloadEvents.FAILED,
          true,
          "Restart failed: " + end.detail() + "; requested by " + who(request));
    }
    return end;
  }

  private static String who(RestartRequest request) {
    return person(request.requesterName(), request.requesterId())
        + ", approved by "
        + request.decidedBy().map(id -> person(request.decidedByName().orElse(id), id)).orElse("?")
        + " (request "
        + request.id()
        + ")";
  }

  /** What {@code kubectl rollout history} shows for the revision this restart creates. */
  static String changeCause(RestartRequest request) {
    return "restarted via Slack by " + who(request);
  }

  private static String person(String name, String id) {
    if (name == null || name.isBlank() || name.equals(id)) {
      return id;
    }
    return name + " (" + id + ")";
  }

  /** Rendering a result must never stop the sequence: the store and the audit log have it. */
  private static void safely(Runnable step) {
    try {
      step.run();
    } catch (RuntimeException e) {
      LOG.warn("could not report progress to Slack", e);
    }
  }
}
