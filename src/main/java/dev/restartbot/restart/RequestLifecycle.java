package dev.restartbot.restart;

import dev.restartbot.audit.AuditAction;
import dev.restartbot.audit.AuditLog;
import dev.restartbot.audit.AuditRecord;
import dev.restartbot.policy.Actor;
import dev.restartbot.policy.ApprovalDecision;
import dev.restartbot.policy.GroupMembership;
import dev.restartbot.policy.Policy;
import dev.restartbot.policy.PolicyConfig;
import dev.restartbot.policy.RequestDecision;
import dev.restartbot.policy.Target;
import jakarta.enterprise.context.ApplicationScoped;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * The life of a restart request: submit, approve or deny, expire, run. Every transition is a
 * compare-and-set on the store, so a double click or two approvers at once decide once.
 */
@ApplicationScoped
public class RequestLifecycle {

  private static final Logger LOG = Logger.getLogger(RequestLifecycle.class);
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final char[] ID_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789".toCharArray();

  private final RequestStore store;
  private final Policy policy;
  private final PolicyConfig policyConfig;
  private final Workloads workloads;
  private final RestartExecutor executor;
  private final AuditLog audit;
  private final RunOwnership ownership;
  private final Clock clock;

  public RequestLifecycle(
      RequestStore store,
      Policy policy,
      PolicyConfig policyConfig,
      Workloads workloads,
      RestartExecutor executor,
      AuditLog audit,
      RunOwnership ownership,
      Clock clock) {
    this.store = store;
    this.policy = policy;
    this.policyConfig = policyConfig;
    this.workloads = workloads;
    this.executor = executor;
    this.audit = audit;
    this.ownership = ownership;
    this.clock = clock;
  }

  /** Checks the policy and the targets, then creates the request; nothing is restarted here. */
  public SubmitResult submit(Submission submission, GroupMembership groups) {
    String requester = submission.requester().userId();
    List<String> keys = keys(submission.targets());
    RequestDecision decision =
        policy.evaluateRequest(
            submission.requester(), submission.channelId(), submission.targets(), groups);
    if (decision instanceof RequestDecision.Refused refused) {
      return refuse(requester, keys, refused.reason());
    }
    boolean approvalRequired = ((RequestDecision.Allowed) decision).approvalRequired();

    List<WorkloadSnapshot> snapshots = new ArrayList<>();
    for (Target target : submission.targets()) {
      Inspection inspection = workloads.inspect(target);
      if (inspection instanceof Inspection.Missing) {
        return refuse(
            requester,
            keys,
            target.ref() + " was not found in namespace " + target.namespace() + ".");
      }
      if (inspection instanceof Inspection.Unreadable unreadable) {
        return refuse(
            requester,
            keys,
            "I could not read "
                + target.ref()
                + " in namespace "
                + target.namespace()
                + ": "
                + unreadable.message());
      }
      WorkloadSnapshot snapshot = ((Inspection.Found) inspection).snapshot();
      if (snapshot.paused()) {
        return refuse(
            requester,
            keys,
            target.ref()
                + " is paused: resume it first (kubectl rollout resume "
                + target.ref()
                + " -n "
                + target.namespace()
                + ").");
      }
      snapshots.add(snapshot);
    }

    Instant now = clock.instant();
    RestartRequest request =
        new RestartRequest(
            newId(),
            approvalRequired ? RequestState.PENDING : RequestState.APPROVED,
            submission.requester(),
            submission.requesterName(),
            submission.channelId(),
            submission.targets(),
            submission.reason(),
            approvalRequired,
            now,
            now.plus(policyConfig.approval().ttl()),
            approvalRequired ? Optional.empty() : Optional.of(RestartRequest.POLICY),
            approvalRequired ? Optional.empty() : Optional.of(RestartRequest.POLICY),
            approvalRequired ? Optional.empty() : Optional.of(now),
            Optional.empty(),
            List.of(),
            Optional.empty());
    RequestStore.CreateResult created = store.create(request);
    if (created instanceof RequestStore.CreateResult.TargetBusy busy) {
      audit.record(
          new AuditRecord(
              "",
              requester,
              AuditAction.REFUSED,
              keys,
              "busy",
              "targets held by request " + busy.existing().id()));
      return new SubmitResult.Busy(busy.existing());
    }
    audit.record(
        new AuditRecord(
            request.id(),
            requester,
            AuditAction.REQUESTED,
            keys,
            approvalRequired ? "pending" : "approved",
            submission.reason().orElse("")));
    if (!approvalRequired) {
      audit.record(
          new AuditRecord(
              request.id(),
              RestartRequest.POLICY,
              AuditAction.APPROVED,
              keys,
              "ok",
              "no approval required by the policy"));
    }
    return new SubmitResult.Submitted(request, snapshots);
  }

  /** Remembers where the approval message is, whatever state the request has reached. */
  public Optional<RestartRequest> attachMessage(String requestId, String messageTs) {
    return store.update(requestId, r -> true, r -> r.withMessageTs(messageTs));
  }

  /**
   * Gives up a request that has not started, because its approval message could not be posted:
   * nothing restarts that the channel cannot see.
   */
  public Optional<RestartRequest> abandon(String requestId, String why) {
    Optional<RestartRequest> abandoned =
        store.update(
            requestId,
            r -> r.state() == RequestState.PENDING || r.state() == RequestState.APPROVED,
            r -> r.withState(RequestState.WITHDRAWN));
    abandoned.ifPresent(
        r ->
            audit.record(
                new AuditRecord(
                    r.id(), "system", AuditAction.WITHDRAWN, keys(r.targets()), "abandoned", why)));
    return abandoned;
  }

  public Optional<RestartRequest> find(String requestId) {
    return store.find(requestId);
  }

  public Decision approve(
      String requestId, Actor approver, String approverName, GroupMembership groups) {
    Optional<RestartRequest> found = store.find(requestId);
    if (found.isEmpty()) {
      return refuseClick(requestId, approver, "I don't know this request any more.");
    }
    RestartRequest request = found.get();
    Optional<String> closed = whyClosed(request);
    if (closed.isPresent()) {
      return refuseClick(requestId, approver, closed.get());
    }
    ApprovalDecision decision =
        policy.evaluateApproval(
            approver, request.requester(), request.channelId(), request.targets(), groups);
    if (decision instanceof ApprovalDecision.Refused refused) {
      return refuseClick(requestId, approver, refused.reason());
    }
    return decide(request, approver, approverName, RequestState.APPROVED, AuditAction.APPROVED);
  }

  /** A Deny click: the requester withdraws, an approver denies, anyone else is refused. */
  public Decision deny(
      String requestId, Actor clicker, String clickerName, GroupMembership groups) {
    Optional<RestartRequest> found = store.find(requestId);
    if (found.isEmpty()) {
      return refuseClick(requestId, clicker, "I don't know this request any more.");
    }
    RestartRequest request = found.get();
    Optional<String> closed = whyClosed(request);
    if (closed.isPresent()) {
      return refuseClick(requestId, clicker, closed.get());
    }
    if (clicker.userId().equals(request.requesterId())) {
      return decide(request, clicker, clickerName, RequestState.WITHDRAWN, AuditAction.WITHDRAWN);
    }
    ApprovalDecision decision =
        policy.evaluateApproval(
            clicker, request.requester(), request.channelId(), request.targets(), groups);
    if (decision instanceof ApprovalDecision.Refused refused) {
      return refuseClick(
          requestId, clicker, "Only an approver of this request can deny it: " + refused.reason());
    }
    return decide(request, clicker, clickerName, RequestState.DENIED, AuditAction.DENIED);
  }

  /** Moves every pending request whose time is up to EXPIRED; answers the ones this call moved. */
  public List<RestartRequest> expireDue() {
    Instant now = clock.instant();
    List<RestartRequest> expired = new ArrayList<>();
    for (RestartRequest due : store.list(r -> r.isExpiredAt(now))) {
      store
          .update(due.id(), r -> r.isExpiredAt(now), r -> r.withState(RequestState.EXPIRED))
          .ifPresent(
              r -> {
                audit.record(
                    new AuditRecord(
                        r.id(), "system", AuditAction.EXPIRED, keys(r.targets()), "expired", ""));
                expired.add(r);
              });
    }
    return expired;
  }

  /**
   * Runs an approved request if this caller wins the move to RUNNING; answers the finished request,
   * or empty when someone else runs it.
   */
  public Optional<RestartRequest> execute(String requestId, ExecutionListener listener) {
    Optional<RestartRequest> running =
        store.update(
            requestId,
            r -> r.state() == RequestState.APPROVED,
            r -> r.withState(RequestState.RUNNING));
    if (running.isEmpty()) {
      return Optional.empty();
    }
    RestartRequest request = running.get();
    audit.record(
        new AuditRecord(
            request.id(),
            request.decidedBy().orElse(""),
            AuditAction.STARTED,
            keys(request.targets()),
            "running",
            ""));
    RestartRequest ran;
    try (RunOwnership.Claim claim = ownership.claim(request)) {
      ran = executor.run(request, listener);
    }
    RestartRequest done;
    try {
      if (store.find(requestId).map(r -> r.state() == RequestState.INTERRUPTED).orElse(false)) {
        // Another replica took our claim for dead while we ran; it has told the channel.
        return store.find(requestId);
      }
      done =
          store
              .update(
                  requestId,
                  r -> r.state() == RequestState.RUNNING,
                  r -> withResultsOf(ran, r).finished(RequestState.DONE, clock.instant()))
              .orElse(ran);
    } catch (RuntimeException e) {
      // The run is over and audited; the store keeps it as running until it can be reached,
      // and the sweep then reports it as interrupted with what it holds.
      LOG.errorf(e, "request %s finished but could not be stored as done", requestId);
      done = ran.finished(RequestState.DONE, clock.instant());
    }
    long failed = done.results().stream().filter(r -> !r.outcome().succeeded()).count();
    audit.record(
        new AuditRecord(
            done.id(),
            done.decidedBy().orElse(""),
            AuditAction.FINISHED,
            keys(done.targets()),
            failed == 0 ? "ok" : "failed",
            (done.results().size() - failed) + " of " + done.targets().size() + " restarted"));
    return Optional.of(done);
  }

  /**
   * {@code stored} with the results of {@code ran} it lacks: those the executor could not store
   * while the store was out of reach.
   */
  private static RestartRequest withResultsOf(RestartRequest ran, RestartRequest stored) {
    RestartRequest complete = stored;
    for (int i = stored.results().size(); i < ran.results().size(); i++) {
      complete = complete.withResult(ran.results().get(i));
    }
    return complete;
  }

  /**
   * Marks RUNNING requests whose runner stopped renewing its claim as INTERRUPTED; answers the ones
   * this call moved. The rest of their targets are not restarted: people decide that.
   */
  public List<RestartRequest> interruptAbandoned() {
    List<RestartRequest> interrupted = new ArrayList<>();
    for (RestartRequest running : store.list(r -> r.state() == RequestState.RUNNING)) {
      if (!ownership.isAbandoned(running)) {
        continue;
      }
      store
          .update(
              running.id(),
              r -> r.state() == RequestState.RUNNING,
              r -> r.finished(RequestState.INTERRUPTED, clock.instant()))
          .ifPresent(
              r -> {
                audit.record(
                    new AuditRecord(
                        r.id(),
                        "system",
                        AuditAction.INTERRUPTED,
                        keys(r.targets()),
                        "interrupted",
                        r.results().size() + " of " + r.targets().size() + " targets done"));
                interrupted.add(r);
              });
    }
    return interrupted;
  }

  /** Deletes finished requests that ended more than {@code retention} ago; answers how many. */
  public int purgeOlderThan(java.time.Duration retention) {
    Instant cutoff = clock.instant().minus(retention);
    int deleted = 0;
    for (RestartRequest old :
        store.list(r -> r.state().isFinal() && r.endedAt().isBefore(cutoff))) {
      if (store.deleteFinished(old.id())) {
        deleted++;
      }
    }
    return deleted;
  }

  /** Requests in {@code channelId}, or every request when {@code everyChannel}, newest first. */
  public List<RestartRequest> history(String channelId, boolean everyChannel, int limit) {
    return store.list(r -> everyChannel || r.channelId().equals(channelId)).stream()
        .limit(limit)
        .toList();
  }

  private Decision decide(
      RestartRequest request,
      Actor actor,
      String actorName,
      RequestState next,
      AuditAction action) {
    Instant now = clock.instant();
    Optional<RestartRequest> decided =
        store.update(
            request.id(),
            r -> r.state() == RequestState.PENDING && !r.isExpiredAt(now),
            r -> r.withDecision(next, actor.userId(), actorName, now));
    if (decided.isEmpty()) {
      RestartRequest latest = store.find(request.id()).orElse(request);
      return refuseClick(
          request.id(),
          actor,
          whyClosed(latest).orElse("Someone else decided this request a moment ago."));
    }
    audit.record(
        new AuditRecord(request.id(), actor.userId(), action, keys(request.targets()), "ok", ""));
    return new Decision.Accepted(decided.get());
  }

  private Optional<String> whyClosed(RestartRequest request) {
    Instant now = clock.instant();
    if (request.isExpiredAt(now)) {
      store
          .update(request.id(), r -> r.isExpiredAt(now), r -> r.withState(RequestState.EXPIRED))
          .ifPresent(
              r ->
                  audit.record(
                      new AuditRecord(
                          r.id(),
                          "system",
                          AuditAction.EXPIRED,
                          keys(r.targets()),
                          "expired",
                          "")));
      return Optional.of("This request expired; ask again with /restart.");
    }
    String by = request.decidedBy().map(id -> " by <@" + id + ">").orElse("");
    return switch (request.state()) {
      case PENDING -> Optional.empty();
      case APPROVED, RUNNING, DONE, INTERRUPTED ->
          Optional.of(
              RestartRequest.POLICY.equals(request.decidedBy().orElse(""))
                  ? "This request needed no approval."
                  : "This request was already approved" + by + ".");
      case DENIED -> Optional.of("This request was already denied" + by + ".");
      case WITHDRAWN -> Optional.of("This request was withdrawn by the requester.");
      case EXPIRED -> Optional.of("This request expired; ask again with /restart.");
    };
  }

  private SubmitResult refuse(String requester, List<String> keys, String reason) {
    audit.record(new AuditRecord("", requester, AuditAction.REFUSED, keys, "refused", reason));
    return new SubmitResult.Refused(reason);
  }

  private Decision refuseClick(String requestId, Actor actor, String reason) {
    audit.record(
        new AuditRecord(
            requestId, actor.userId(), AuditAction.CLICK_REFUSED, List.of(), "refused", reason));
    return new Decision.Refused(reason);
  }

  private static List<String> keys(List<Target> targets) {
    return targets.stream().map(Target::key).toList();
  }

  static String newId() {
    char[] id = new char[12];
    for (int i = 0; i < id.length; i++) {
      id[i] = ID_ALPHABET[RANDOM.nextInt(ID_ALPHABET.length)];
    }
    return new String(id);
  }
}
