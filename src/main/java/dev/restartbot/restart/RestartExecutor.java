package dev.restartbot.restart;

import dev.restartbot.audit.AuditAction;
import dev.restartbot.audit.AuditLog;
import dev.restartbot.audit.AuditRecord;
import dev.restartbot.policy.Target;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.jboss.logging.Logger;

/** Restarts the targets of an approved request one after another, and records each outcome. */
@ApplicationScoped
public class RestartExecutor {

  private static final Logger LOG = Logger.getLogger(RestartExecutor.class);

  private final Workloads workloads;
  private final RequestStore store;
  private final AuditLog audit;
  private final RestartConfig config;
  private final Clock clock;

  public RestartExecutor(
      Workloads workloads, RequestStore store, AuditLog audit, RestartConfig config, Clock clock) {
    this.workloads = workloads;
    this.store = store;
    this.audit = audit;
    this.config = config;
    this.clock = clock;
  }

  /** Runs a request that this caller moved to RUNNING; answers it in its final state. */
  RestartRequest run(RestartRequest running, ExecutionListener listener) {
    RestartRequest current = running;
    Target failed = null;
    List<Target> targets = running.targets();
    for (int i = 0; i < targets.size(); i++) {
      Target target = targets.get(i);
      int index = i;
      TargetResult result;
      if (failed != null && config.stopOnFailure()) {
        result =
            new TargetResult(
                target,
                new Outcome.Skipped(failed.ref() + " did not restart and stop-on-failure is on"),
                Duration.ZERO);
      } else {
        safely(() -> listener.targetStarted(running, target, index));
        result = restartOne(running, target);
      }
      if (!result.outcome().succeeded() && failed == null) {
        failed = target;
      }
      current = store.update(running.id(), r -> true, r -> r.withResult(result)).orElse(current);
      audit.record(
          new AuditRecord(
              running.id(),
              running.decidedBy().orElse(""),
              AuditAction.RESULT,
              List.of(target.key()),
              result.outcome().code(),
              result.outcome().detail()));
      RestartRequest snapshot = current;
      safely(() -> listener.targetFinished(snapshot, result, index));
    }
    return current;
  }

  private TargetResult restartOne(RestartRequest request, Target target) {
    Instant started = clock.instant();
    // One timestamp per target and attempt: retries of this patch reuse it, so they are harmless.
    String restartedAt = started.truncatedTo(ChronoUnit.SECONDS).toString();
    Outcome outcome;
    try {
      outcome = workloads.restart(target, restartedAt, changeCause(request));
    } catch (RuntimeException e) {
      LOG.errorf(e, "restart of %s for request %s failed", target, request.id());
      outcome = new Outcome.Error("unexpected error, see the bot's logs");
    }
    return new TargetResult(target, outcome, Duration.between(started, clock.instant()));
  }

  /** What {@code kubectl rollout history} shows for the revision this restart creates. */
  static String changeCause(RestartRequest request) {
    String approver =
        request.decidedBy().map(id -> person(request.decidedByName().orElse(id), id)).orElse("?");
    return "restarted via Slack by "
        + person(request.requesterName(), request.requesterId())
        + ", approved by "
        + approver
        + " (request "
        + request.id()
        + ")";
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
