package dev.restartbot.restart;

import dev.restartbot.audit.AuditAction;
import dev.restartbot.audit.AuditLog;
import dev.restartbot.audit.AuditRecord;
import dev.restartbot.policy.Target;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.List;
import java.util.Optional;

/**
 * Turns request events into audit records: one per step (requested, refused, decided, expired, each
 * result, finished, interrupted), on the structured log before anything reaches Slack. Progress is
 * not a step.
 */
@ApplicationScoped
public class AuditTrail implements RequestEvent.Visitor<Optional<AuditRecord>> {

  /** The actor of steps nobody took: expiry, interruption, a message Slack would not take. */
  static final String SYSTEM = "system";

  private final AuditLog log;

  public AuditTrail(AuditLog log) {
    this.log = log;
  }

  void on(@Observes RequestEvent event) {
    record(event);
  }

  /** Records {@code event}, if it is a step of the audit trail. */
  public void record(RequestEvent event) {
    event.accept(this).ifPresent(log::record);
    if (event instanceof RequestEvent.Submitted s && s.request().decidedByPolicy()) {
      log.record(
          new AuditRecord(
              s.requestId(),
              Decider.ByPolicy.ID,
              AuditAction.APPROVED,
              keys(s.request().targets()),
              "ok",
              "approval_not_required"));
    }
  }

  @Override
  public Optional<AuditRecord> commandRefused(RequestEvent.CommandRefused e) {
    return step(
        "",
        e.requester().userId(),
        AuditAction.REFUSED,
        e.targets(),
        e.refusal().code(),
        detail(e.refusal()));
  }

  @Override
  public Optional<AuditRecord> clickRefused(RequestEvent.ClickRefused e) {
    return step(
        e.requestId(),
        e.clicker().userId(),
        AuditAction.CLICK_REFUSED,
        List.of(),
        e.refusal().code(),
        detail(e.refusal()));
  }

  @Override
  public Optional<AuditRecord> submitted(RequestEvent.Submitted e) {
    RestartRequest r = e.request();
    return step(
        r.id(),
        r.requesterId(),
        AuditAction.REQUESTED,
        r.targets(),
        r.state().label(),
        r.reason().orElse(""));
  }

  @Override
  public Optional<AuditRecord> abandoned(RequestEvent.Abandoned e) {
    return step(
        e.requestId(), SYSTEM, AuditAction.ABANDONED, e.request().targets(), "abandoned", e.why());
  }

  @Override
  public Optional<AuditRecord> decided(RequestEvent.Decided e) {
    RestartRequest r = e.request();
    AuditAction action =
        switch (r.state()) {
          case DENIED -> AuditAction.DENIED;
          case WITHDRAWN -> AuditAction.WITHDRAWN;
          default -> AuditAction.APPROVED;
        };
    return step(r.id(), decider(r), action, r.targets(), "ok", approvalCount(r));
  }

  @Override
  public Optional<AuditRecord> approvalCounted(RequestEvent.ApprovalCounted e) {
    RestartRequest r = e.request();
    return step(
        r.id(), e.by().id(), AuditAction.APPROVAL_COUNTED, r.targets(), "ok", approvalCount(r));
  }

  @Override
  public Optional<AuditRecord> outdated(RequestEvent.Outdated e) {
    RestartRequest r = e.request();
    return step(
        r.id(),
        decider(r),
        AuditAction.OUTDATED,
        r.targets(),
        "outdated",
        "%s generation %d, now %s"
            .formatted(e.target().key(), e.before(), e.now().map(String::valueOf).orElse("gone")));
  }

  /** {@code 1 of 2} for a request that needs several approvals; empty for one. */
  private static String approvalCount(RestartRequest r) {
    return r.approvalsNeeded() > 1
        ? "%d of %d approvals".formatted(r.approvals().size(), r.approvalsNeeded())
        : "";
  }

  @Override
  public Optional<AuditRecord> expired(RequestEvent.Expired e) {
    return step(e.requestId(), SYSTEM, AuditAction.EXPIRED, e.request().targets(), "expired", "");
  }

  @Override
  public Optional<AuditRecord> started(RequestEvent.Started e) {
    RestartRequest r = e.request();
    return step(r.id(), decider(r), AuditAction.STARTED, r.targets(), "running", "");
  }

  @Override
  public Optional<AuditRecord> targetStarted(RequestEvent.TargetStarted e) {
    return Optional.empty();
  }

  @Override
  public Optional<AuditRecord> targetPatched(RequestEvent.TargetPatched e) {
    return Optional.empty();
  }

  @Override
  public Optional<AuditRecord> targetProgress(RequestEvent.TargetProgress e) {
    return Optional.empty();
  }

  @Override
  public Optional<AuditRecord> targetFinished(RequestEvent.TargetFinished e) {
    Outcome outcome = e.result().outcome();
    return step(
        e.requestId(),
        decider(e.request()),
        AuditAction.RESULT,
        List.of(e.result().target()),
        outcome.code(),
        outcome.detail());
  }

  @Override
  public Optional<AuditRecord> finished(RequestEvent.Finished e) {
    RestartRequest r = e.request();
    long failed = r.results().stream().filter(x -> !x.outcome().succeeded()).count();
    return step(
        r.id(),
        decider(r),
        AuditAction.FINISHED,
        r.targets(),
        failed == 0 ? "ok" : "failed",
        "%d of %d restarted".formatted(r.results().size() - failed, r.targets().size())
            + r.abortedBy().map(by -> "; aborted by " + by.userId()).orElse(""));
  }

  @Override
  public Optional<AuditRecord> interrupted(RequestEvent.Interrupted e) {
    RestartRequest r = e.request();
    return step(
        r.id(),
        SYSTEM,
        AuditAction.INTERRUPTED,
        r.targets(),
        e.why() == RequestEvent.Interruption.CLAIM_LOST ? "claim_lost" : "interrupted",
        "%d of %d targets done".formatted(r.results().size(), r.targets().size()));
  }

  @Override
  public Optional<AuditRecord> handedBack(RequestEvent.HandedBack e) {
    RestartRequest r = e.request();
    return step(
        r.id(),
        SYSTEM,
        AuditAction.HANDED_BACK,
        r.targets(),
        "handed_back",
        "%d of %d targets done".formatted(r.results().size(), r.targets().size()));
  }

  @Override
  public Optional<AuditRecord> resumed(RequestEvent.Resumed e) {
    RestartRequest r = e.request();
    return step(
        r.id(),
        SYSTEM,
        AuditAction.RESUMED,
        r.targets(),
        "resumed",
        "from target %d of %d".formatted(r.results().size() + 1, r.targets().size()));
  }

  @Override
  public Optional<AuditRecord> abortRequested(RequestEvent.AbortRequested e) {
    RestartRequest r = e.request();
    return step(
        r.id(),
        e.by().userId(),
        AuditAction.ABORT_REQUESTED,
        r.targets(),
        "aborting",
        "%d of %d targets done or under way"
            .formatted(Math.min(r.results().size() + 1, r.targets().size()), r.targets().size()));
  }

  private static Optional<AuditRecord> step(
      String requestId,
      String actor,
      AuditAction action,
      List<Target> targets,
      String outcome,
      String detail) {
    return Optional.of(new AuditRecord(requestId, actor, action, keys(targets), outcome, detail));
  }

  private static String decider(RestartRequest r) {
    return r.decidedBy().map(Decider::id).orElse("");
  }

  /** The data behind a refusal's code, for whoever reads the log. */
  static String detail(Refusal refusal) {
    if (refusal instanceof Refusal.NotAllowed n) {
      return n.reason().toString();
    }
    if (refusal instanceof Refusal.MayNotDeny mayNot) {
      return mayNot.reason().toString();
    }
    if (refusal instanceof Refusal.Unreadable u) {
      return u.apiMessage();
    }
    if (refusal instanceof Refusal.DryRunRefused d) {
      return "dry run answered %d: %s".formatted(d.status(), d.apiMessage());
    }
    if (refusal instanceof Refusal.Busy b) {
      return "held by request " + b.existing().id();
    }
    if (refusal instanceof Refusal.HeldByUnreadable h) {
      return "held by request " + h.holderId() + ", which this version cannot read";
    }
    if (refusal instanceof Refusal.AlreadyDecided a) {
      return a.request().state().label();
    }
    if (refusal instanceof Refusal.WhoUnknown w) {
      return w.error();
    }
    if (refusal instanceof Refusal.MayNotAbort mayNot) {
      return mayNot.reason().toString();
    }
    if (refusal instanceof Refusal.NotRunning n) {
      return n.request().state().label();
    }
    if (refusal instanceof Refusal.AlreadyAborted a) {
      return a.request().abortedBy().map(Decider.Person::userId).orElse("");
    }
    if (refusal instanceof Refusal.NoMatch none) {
      return "selector " + none.selection().selector();
    }
    if (refusal instanceof Refusal.TooManyMatches t) {
      return "selector %s matched %d, the limit is %d"
          .formatted(t.selection().selector(), t.count(), t.limit());
    }
    if (refusal instanceof Refusal.SelectionUnreadable u) {
      return u.apiMessage();
    }
    if (refusal instanceof Refusal.SelectionUnreachable u) {
      return u.apiMessage();
    }
    return "";
  }

  private static List<String> keys(List<Target> targets) {
    return targets.stream().map(Target::key).toList();
  }
}
