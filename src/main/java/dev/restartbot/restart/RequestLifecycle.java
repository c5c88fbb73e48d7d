package dev.restartbot.restart;

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
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.jboss.logging.Logger;

/**
 * The use cases of a restart request: submit, message placed, approve, deny, abort, sweep, run.
 * They decide, run and record; they answer neutral values and publish {@link RequestEvent}s, which
 * the subscribers render and audit. Every transition is a compare-and-set on the store, so a double
 * click, two approvers at once or two replicas decide once and run once.
 */
@ApplicationScoped
public class RequestLifecycle {

  private static final Logger LOG = Logger.getLogger(RequestLifecycle.class);
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final char[] ID_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789".toCharArray();

  /** Who the dry run says approved a request that waits for its approvers: nobody yet. */
  static final String DRY_RUN_APPROVER = "pending";

  /** How often an approval is counted again after another approver's click won the write. */
  private static final int APPROVAL_ATTEMPTS = 5;

  /** How often the end of a run is tried before it is given up to the sweep. */
  private static final int DONE_ATTEMPTS = 6;

  /**
   * How long an approved request may wait for its approval message before the sweep gives it up:
   * longer than Slack's retries of the post take.
   */
  static final Duration MESSAGE_GRACE = Duration.ofMinutes(5);

  private final RequestStore store;
  private final Policy policy;
  private final PolicyConfig policyConfig;
  private final Workloads workloads;
  private final RestartExecutor executor;
  private final RequestEvents events;
  private final Sequences sequences;
  private final RunOwnership ownership;
  private final Clock clock;

  public RequestLifecycle(
      RequestStore store,
      Policy policy,
      PolicyConfig policyConfig,
      Workloads workloads,
      RestartExecutor executor,
      RequestEvents events,
      Sequences sequences,
      RunOwnership ownership,
      Clock clock) {
    this.store = store;
    this.policy = policy;
    this.policyConfig = policyConfig;
    this.workloads = workloads;
    this.executor = executor;
    this.events = events;
    this.sequences = sequences;
    this.ownership = ownership;
    this.clock = clock;
  }

  /**
   * Checks the policy and reads the targets, then creates the request. Nothing is restarted here: a
   * request that needs no approval starts once its message is placed ({@link #messagePlaced}).
   */
  public SubmitResult submit(Submission submission, GroupMembership groups) {
    Actor requester = submission.requester();
    RequestDecision decision =
        policy.evaluateRequest(
            requester,
            submission.channelId(),
            submission.conversation(),
            submission.targets(),
            groups);
    if (decision instanceof RequestDecision.Refused refused) {
      return refuse(submission, new Refusal.NotAllowed(refused.reason()));
    }
    RequestDecision.Allowed allowed = (RequestDecision.Allowed) decision;
    boolean approvalRequired = allowed.approvalRequired();
    String id = newId();
    Instant now = clock.instant();
    // The dry run carries the body the restart will: only the time and the approver differ.
    Workloads.Attribution attribution =
        new Workloads.Attribution(
            id, requester.userId(), approvalRequired ? DRY_RUN_APPROVER : Decider.ByPolicy.ID);
    String restartedAt = now.truncatedTo(ChronoUnit.SECONDS).toString();

    List<WorkloadSnapshot> snapshots = new ArrayList<>();
    Map<Target, Long> generations = new HashMap<>();
    for (Target target : submission.targets()) {
      Inspection inspection = workloads.inspect(target);
      if (inspection instanceof Inspection.Missing) {
        return refuse(submission, new Refusal.NotFound(target));
      }
      if (inspection instanceof Inspection.NotServed) {
        return refuse(submission, new Refusal.KindNotServed(target));
      }
      if (inspection instanceof Inspection.Unreadable unreadable) {
        return refuse(submission, new Refusal.Unreadable(target, unreadable.message()));
      }
      if (inspection instanceof Inspection.Unreachable unreachable) {
        return refuse(submission, new Refusal.ClusterUnreachable(target, unreachable.message()));
      }
      WorkloadSnapshot snapshot = ((Inspection.Found) inspection).snapshot();
      if (snapshot.paused()) {
        return refuse(submission, new Refusal.Paused(target));
      }
      if (submission.action() == RequestAction.ROLLBACK) {
        Workloads.RollbackCheck check = workloads.checkRollback(target, attribution);
        if (check instanceof Workloads.RollbackCheck.NoPreviousRevision) {
          return refuse(submission, new Refusal.NoPreviousRevision(target));
        }
        if (check instanceof Workloads.RollbackCheck.Refused refusedUndo) {
          return refuse(
              submission,
              new Refusal.DryRunRefused(target, refusedUndo.code(), refusedUndo.apiMessage()));
        }
      } else if (workloads.dryRun(target, restartedAt, attribution)
          instanceof Workloads.DryRun.Refused dryRunRefused) {
        return refuse(
            submission,
            new Refusal.DryRunRefused(target, dryRunRefused.code(), dryRunRefused.apiMessage()));
      }
      snapshots.add(snapshot);
      generations.put(target, snapshot.generation());
    }

    RestartRequest request =
        RestartRequest.create(
            id,
            new RestartRequest.Ask(
                requester,
                submission.requesterName(),
                submission.channelId(),
                submission.conversation(),
                submission.targets(),
                submission.reason(),
                approvalRequired,
                now,
                now.plus(allowed.approvalTtl()),
                approvalRequired ? allowed.approvals() : 1,
                generations,
                submission.action()));
    RequestStore.CreateResult created = store.create(request);
    if (created instanceof RequestStore.CreateResult.TargetBusy busy) {
      return refuse(submission, new Refusal.Busy(busy.existing()));
    }
    if (created instanceof RequestStore.CreateResult.TargetHeldByUnreadable held) {
      return refuse(submission, new Refusal.HeldByUnreadable(held.target(), held.holderId()));
    }
    events.publish(new RequestEvent.Submitted(request));
    return new SubmitResult.Submitted(request, snapshots);
  }

  /**
   * A Roll back click on the result of target {@code index} of request {@code requestId}: files a
   * new request that rolls that Deployment back, asked by the clicker from the request's channel,
   * and checked, approved and run like any request (same policy, same approvers). Only a failed
   * restart of a Deployment can be rolled back this way.
   */
  public SubmitResult rollback(
      String requestId, int index, Actor clicker, String clickerName, GroupMembership groups) {
    Optional<RestartRequest> found = store.find(requestId);
    if (found.isEmpty()) {
      return refuseRollback(requestId, clicker, new Refusal.UnknownRequest());
    }
    RestartRequest failed = found.get();
    if (index < 0 || index >= failed.results().size()) {
      return refuseRollback(requestId, clicker, new Refusal.NotRollbackable());
    }
    TargetResult result = failed.results().get(index);
    boolean rollbackable =
        !failed.isRollback()
            && result.target().kind() == dev.restartbot.policy.WorkloadKind.DEPLOYMENT
            && (result.outcome() instanceof Outcome.RolloutFailed
                || result.outcome() instanceof Outcome.TimedOut);
    if (!rollbackable) {
      return refuseRollback(requestId, clicker, new Refusal.NotRollbackable());
    }
    return submit(
        new Submission(
            clicker,
            clickerName,
            failed.channelId(),
            failed.conversation(),
            List.of(result.target()),
            Optional.empty(),
            RequestAction.ROLLBACK),
        groups);
  }

  private SubmitResult refuseRollback(String requestId, Actor clicker, Refusal refusal) {
    events.publish(new RequestEvent.ClickRefused(requestId, clicker, refusal));
    return new SubmitResult.Refused(refusal);
  }

  /**
   * A command that names its targets by a label selector: lists the matching workloads now, sorted
   * by kind then name, and submits that explicit list exactly as if each had been named, so that
   * the policy, the reading, the dry run and the approval judge each of them. No match, or more
   * than {@code restart.max-targets}, refuses the whole command.
   *
   * @param submission who asks, from where and why; its targets are ignored
   */
  public SubmitResult submit(Submission submission, Selection selection, GroupMembership groups) {
    Workloads.Listing listing = workloads.select(selection);
    if (listing instanceof Workloads.Listing.Unreachable unreachable) {
      return refuse(submission, new Refusal.SelectionUnreachable(selection, unreachable.message()));
    }
    if (listing instanceof Workloads.Listing.Unreadable unreadable) {
      return refuse(
          submission,
          new Refusal.SelectionUnreadable(selection, unreadable.kind(), unreadable.message()));
    }
    List<Target> matched = ((Workloads.Listing.Listed) listing).targets();
    if (matched.isEmpty()) {
      return refuse(submission, new Refusal.NoMatch(selection));
    }
    if (matched.size() > policyConfig.maxTargets()) {
      return refuse(
          submission,
          new Refusal.TooManyMatches(selection, matched.size(), policyConfig.maxTargets()));
    }
    return submit(submission.withTargets(matched), groups);
  }

  /**
   * The approval message is in the channel: remembers where, whatever state the request has
   * reached, and starts the request if it is approved already.
   */
  public Optional<RestartRequest> messagePlaced(String requestId, String messageTs) {
    Optional<RestartRequest> placed =
        store.update(requestId, r -> true, r -> r.withMessageTs(messageTs));
    placed.ifPresent(this::startIfVisible);
    return placed;
  }

  /**
   * The approval message could not be posted: the request is given up (ABANDONED) unless it has
   * been decided meanwhile, since nothing restarts that the channel cannot see.
   */
  public Optional<RestartRequest> messageNotPlaced(String requestId, String why) {
    Optional<RestartRequest> abandoned =
        store.update(
            requestId,
            r ->
                r.messageTs().isEmpty()
                    && (r.state() == RequestState.PENDING || r.state() == RequestState.APPROVED),
            r -> r.withState(RequestState.ABANDONED));
    abandoned.ifPresent(r -> events.publish(new RequestEvent.Abandoned(r, why)));
    return abandoned;
  }

  public Optional<RestartRequest> find(String requestId) {
    return store.find(requestId);
  }

  /**
   * An Approve click on the message {@code messageTs} in {@code channelId}: an admitted approver
   * approves; everyone else, and a click on any other message, is refused.
   */
  public ClickResult approve(
      String requestId,
      String channelId,
      String messageTs,
      Actor approver,
      String approverName,
      GroupMembership groups) {
    Clicked clicked = clicked(requestId, channelId, messageTs, approver, this::whyClosed);
    if (clicked.refused() != null) {
      return clicked.refused();
    }
    RestartRequest request = clicked.request();
    ApprovalDecision decision =
        policy.evaluateApproval(
            approver,
            request.requester(),
            request.channelId(),
            request.conversation(),
            request.targets(),
            groups);
    if (decision instanceof ApprovalDecision.Refused refused) {
      return refuseClick(requestId, approver, new Refusal.NotAllowed(refused.reason()));
    }
    return count(request, new Decider.Person(approver.userId(), approverName), approver);
  }

  /**
   * Counts one admitted approver's approval. Fewer than the request needs: it stays pending with
   * the approval recorded. The one that completes the count starts it, but only after every target
   * has been read again: a target whose generation moved since the request makes it OUTDATED, since
   * the approvals were for what the message showed. Each write is a compare-and-set on the
   * approvals the caller saw, so concurrent approvers (on any replica) are each counted once, and
   * exactly one of them completes the count.
   */
  private ClickResult count(RestartRequest seen, Decider.Person person, Actor approver) {
    RestartRequest request = seen;
    for (int attempt = 1; attempt <= APPROVAL_ATTEMPTS; attempt++) {
      if (request.approvedBy(person.userId())) {
        return refuseClick(request.id(), approver, new Refusal.AlreadyApproved());
      }
      int before = request.approvals().size();
      Instant now = clock.instant();
      Optional<RestartRequest> written;
      if (before + 1 < request.approvalsNeeded()) {
        written =
            store.update(
                request.id(),
                r -> open(r, now) && r.approvals().size() == before,
                r -> r.withApproval(person, now));
        if (written.isPresent()) {
          events.publish(new RequestEvent.ApprovalCounted(written.get(), person));
          return new ClickResult.Accepted(written.get());
        }
      } else {
        Optional<RequestEvent.Outdated> changed;
        try {
          changed = changedSince(request);
        } catch (TargetUnreadable e) {
          return refuseClick(request.id(), approver, e.refusal);
        }
        if (changed.isPresent()) {
          return outdated(request, changed.get(), person, now, approver);
        }
        written =
            store.update(
                request.id(),
                r -> open(r, now) && r.approvals().size() == before,
                r -> r.withApproval(person, now).decided(RequestState.APPROVED, person, now));
        if (written.isPresent()) {
          // The run starts first: what Slack shows must never be what it waits for.
          startIfVisible(written.get());
          events.publish(new RequestEvent.Decided(written.get()));
          return new ClickResult.Accepted(written.get());
        }
      }
      // Another approval (or a decision) was written since the read: count again from it.
      Optional<RestartRequest> latest = store.find(request.id());
      if (latest.isEmpty()) {
        return refuseClick(request.id(), approver, new Refusal.UnknownRequest());
      }
      request = latest.get();
      Optional<Refusal> closed = whyClosed(request);
      if (closed.isPresent()) {
        return refuseClick(request.id(), approver, closed.get());
      }
    }
    return refuseClick(request.id(), approver, new Refusal.AlreadyDecided(request));
  }

  private static boolean open(RestartRequest r, Instant now) {
    return r.state() == RequestState.PENDING && !r.isExpiredAt(now);
  }

  /**
   * The first target whose generation is not the one the request kept; empty when none changed.
   * Requests stored before generations were kept have none to compare.
   *
   * @throws TargetUnreadable when a target cannot be read now
   */
  private Optional<RequestEvent.Outdated> changedSince(RestartRequest request) {
    for (Target target : request.targets()) {
      Long kept = request.asked().generations().get(target);
      if (kept == null) {
        continue;
      }
      Inspection now = workloads.reread(target);
      if (now instanceof Inspection.Missing) {
        return Optional.of(new RequestEvent.Outdated(request, target, kept, Optional.empty()));
      }
      if (now instanceof Inspection.NotServed) {
        throw new TargetUnreadable(new Refusal.KindNotServed(target));
      }
      if (now instanceof Inspection.Unreadable unreadable) {
        throw new TargetUnreadable(new Refusal.Unreadable(target, unreadable.message()));
      }
      if (now instanceof Inspection.Unreachable unreachable) {
        throw new TargetUnreadable(new Refusal.ClusterUnreachable(target, unreachable.message()));
      }
      long generation = ((Inspection.Found) now).snapshot().generation();
      if (generation != kept) {
        return Optional.of(
            new RequestEvent.Outdated(request, target, kept, Optional.of(generation)));
      }
    }
    return Optional.empty();
  }

  /** A target could not be read when its approval came: the click changes nothing. */
  private static final class TargetUnreadable extends RuntimeException {
    private final transient Refusal refusal;

    TargetUnreadable(Refusal refusal) {
      super(null, null, false, false);
      this.refusal = refusal;
    }
  }

  private ClickResult outdated(
      RestartRequest request,
      RequestEvent.Outdated changed,
      Decider.Person person,
      Instant now,
      Actor approver) {
    int before = request.approvals().size();
    Optional<RestartRequest> ended =
        store.update(
            request.id(),
            r -> open(r, now) && r.approvals().size() == before,
            r -> r.decided(RequestState.OUTDATED, person, now));
    if (ended.isEmpty()) {
      RestartRequest latest = store.find(request.id()).orElse(request);
      return refuseClick(
          request.id(), approver, whyClosed(latest).orElse(new Refusal.AlreadyDecided(latest)));
    }
    events.publish(
        new RequestEvent.Outdated(ended.get(), changed.target(), changed.before(), changed.now()));
    return new ClickResult.Accepted(ended.get());
  }

  /**
   * A Deny click on the message {@code messageTs} in {@code channelId}: the requester withdraws, an
   * approver denies; anyone else, and a click on any other message, is refused. An approved request
   * whose run has not started may be taken back the same way.
   */
  public ClickResult deny(
      String requestId,
      String channelId,
      String messageTs,
      Actor clicker,
      String clickerName,
      GroupMembership groups) {
    Clicked clicked =
        clicked(
            requestId,
            channelId,
            messageTs,
            clicker,
            r -> r.state() == RequestState.APPROVED ? Optional.empty() : whyClosed(r));
    if (clicked.refused() != null) {
      return clicked.refused();
    }
    RestartRequest request = clicked.request();
    if (clicker.userId().equals(request.requesterId())) {
      return decide(request, clicker, clickerName, RequestState.WITHDRAWN);
    }
    ApprovalDecision decision =
        policy.evaluateApproval(
            clicker,
            request.requester(),
            request.channelId(),
            request.conversation(),
            request.targets(),
            groups);
    if (decision instanceof ApprovalDecision.Refused refused) {
      return refuseClick(requestId, clicker, new Refusal.MayNotDeny(refused.reason()));
    }
    return decide(request, clicker, clickerName, RequestState.DENIED);
  }

  /**
   * An Abort click on the message {@code messageTs} in {@code channelId} of a running request: the
   * requester, or anyone the policy lets approve it, records the abort in the store; the replica
   * running it reads the stored request before each next target (whichever replica that is),
   * follows the target under way to its end and skips the rest. On an approved request whose run
   * has not started, the same people take the approval back: the requester withdraws it, an
   * approver denies it, and nothing is restarted. Anyone else, a click on any other message, and a
   * request that is neither are refused.
   */
  public ClickResult abort(
      String requestId,
      String channelId,
      String messageTs,
      Actor clicker,
      String clickerName,
      GroupMembership groups) {
    Clicked clicked =
        clicked(requestId, channelId, messageTs, clicker, RequestLifecycle::whyNotAbortable);
    if (clicked.refused() != null) {
      return clicked.refused();
    }
    RestartRequest request = clicked.request();
    boolean byRequester = clicker.userId().equals(request.requesterId());
    if (!byRequester) {
      ApprovalDecision decision =
          policy.evaluateApproval(
              clicker,
              request.requester(),
              request.channelId(),
              request.conversation(),
              request.targets(),
              groups);
      if (decision instanceof ApprovalDecision.Refused refused) {
        return refuseClick(requestId, clicker, new Refusal.MayNotAbort(refused.reason()));
      }
    }
    Decider.Person person = new Decider.Person(clicker.userId(), clickerName);
    if (request.state() == RequestState.APPROVED) {
      // Approved, but its run has not started (its start is on its way, or was lost and waits for
      // the sweep): nothing was restarted, so Abort takes the approval back. If the run wins the
      // race, the abort below applies to it instead.
      Optional<RestartRequest> takenBack =
          store.update(
              requestId,
              r -> r.state() == RequestState.APPROVED,
              r ->
                  r.decided(
                      byRequester ? RequestState.WITHDRAWN : RequestState.DENIED,
                      person,
                      clock.instant()));
      if (takenBack.isPresent()) {
        events.publish(new RequestEvent.Decided(takenBack.get()));
        return new ClickResult.Accepted(takenBack.get());
      }
    }
    Optional<RestartRequest> aborted =
        store.update(
            requestId,
            r -> r.state() == RequestState.RUNNING && r.abort().isEmpty(),
            r -> r.withAbort(person, clock.instant()));
    if (aborted.isEmpty()) {
      RestartRequest latest = store.find(requestId).orElse(request);
      return refuseClick(
          requestId, clicker, whyNotAbortable(latest).orElse(new Refusal.AlreadyAborted(latest)));
    }
    events.publish(new RequestEvent.AbortRequested(aborted.get(), person));
    return new ClickResult.Accepted(aborted.get());
  }

  /**
   * Why Abort cannot apply to {@code request}: only a running request, aborted once, or an approved
   * one whose run has not started can be.
   */
  private static Optional<Refusal> whyNotAbortable(RestartRequest request) {
    if (request.state() == RequestState.APPROVED) {
      return Optional.empty();
    }
    if (request.state() != RequestState.RUNNING) {
      return Optional.of(new Refusal.NotRunning(request));
    }
    if (request.abort().isPresent()) {
      return Optional.of(new Refusal.AlreadyAborted(request));
    }
    return Optional.empty();
  }

  /**
   * The periodic sweep. Safe on every replica at once: each change is a compare-and-set (on the
   * store, or on a run's claim), and only the replica that made it publishes it.
   *
   * <ul>
   *   <li>expires requests nobody decided in time;
   *   <li>starts approved requests whose start was lost (a replica died, a write failed), or ends
   *       them when their approval message never reached the channel;
   *   <li>resumes runs handed back by a replica that shut down, and marks runs whose replica died
   *       as interrupted;
   *   <li>removes claims and target locks left behind by crashes, and deletes what ended before the
   *       retention.
   * </ul>
   */
  public void sweep(Duration retention) {
    expireDue();
    startOrEndApproved();
    interruptAbandoned();
    int leftovers = removeLeftovers();
    if (leftovers > 0) {
      LOG.infof("removed %d claims and locks left behind by requests that ended", leftovers);
    }
    int purged = purgeOlderThan(retention);
    if (purged > 0) {
      LOG.infof("deleted %d requests that ended more than %s ago", purged, retention);
    }
  }

  /** Moves every pending request whose time is up to EXPIRED; answers the ones this call moved. */
  public List<RestartRequest> expireDue() {
    Instant now = clock.instant();
    List<RestartRequest> expired = new ArrayList<>();
    for (RestartRequest due :
        store.list(java.util.Set.of(RequestState.PENDING), r -> r.isExpiredAt(now))) {
      expire(due.id(), now).ifPresent(expired::add);
    }
    return expired;
  }

  private Optional<RestartRequest> expire(String requestId, Instant now) {
    Optional<RestartRequest> expired =
        store.update(requestId, r -> r.isExpiredAt(now), r -> r.withState(RequestState.EXPIRED));
    expired.ifPresent(r -> events.publish(new RequestEvent.Expired(r)));
    return expired;
  }

  /**
   * Looks at every APPROVED request that no replica has claimed for a whole claim duration: one
   * whose approval message is in the channel is started (a person, or the policy, let it run; the
   * claim and the compare-and-set in {@link #run} let exactly one replica start it), and one whose
   * message never reached the channel is ABANDONED, since nothing restarts that the channel cannot
   * see. Answers the requests this call abandoned.
   */
  public List<RestartRequest> startOrEndApproved() {
    Instant now = clock.instant();
    List<RestartRequest> abandoned = new ArrayList<>();
    for (RestartRequest approved : store.list(java.util.Set.of(RequestState.APPROVED), r -> true)) {
      if (ownership.observe(approved.id()) == RunOwnership.Holding.LIVE) {
        continue;
      }
      if (approved.isVisible()) {
        LOG.infof("request %s: approved but never started; starting it", approved.id());
        startIfVisible(approved);
      } else if (approved.createdAt().plus(MESSAGE_GRACE).isBefore(now)) {
        store
            .update(
                approved.id(),
                r -> r.state() == RequestState.APPROVED && !r.isVisible(),
                r -> r.withState(RequestState.ABANDONED))
            .ifPresent(
                r -> {
                  events.publish(
                      new RequestEvent.Abandoned(r, "its approval message was never posted"));
                  abandoned.add(r);
                });
      }
    }
    return abandoned;
  }

  /**
   * Looks at every RUNNING request this replica does not run: a run handed back by a replica that
   * shut down is resumed here, and a run whose claim has lapsed (its replica died) is marked
   * INTERRUPTED, or DONE when every target has its result stored. The rest of an interrupted run is
   * not restarted: people decide that. Answers the requests this call interrupted.
   */
  public List<RestartRequest> interruptAbandoned() {
    List<RestartRequest> interrupted = new ArrayList<>();
    for (RestartRequest running : store.list(java.util.Set.of(RequestState.RUNNING), r -> true)) {
      switch (ownership.observe(running.id())) {
        case LIVE -> {}
        case RELEASED -> sequences.start(running.id(), () -> resume(running.id()));
        case LAPSED -> {
          boolean complete = running.results().size() >= running.targets().size();
          store
              .update(
                  running.id(),
                  r -> r.state() == RequestState.RUNNING,
                  r ->
                      r.finished(
                          complete ? RequestState.DONE : RequestState.INTERRUPTED, clock.instant()))
              .ifPresent(
                  r -> {
                    if (complete) {
                      // Its runner stored every result but not the end; it may have said so.
                      events.publish(new RequestEvent.Finished(r));
                    } else {
                      events.publish(
                          new RequestEvent.Interrupted(r, RequestEvent.Interruption.RUNNER_GONE));
                      interrupted.add(r);
                    }
                  });
        }
      }
    }
    return interrupted;
  }

  /** Removes claims and target locks that crashed runs and creations left behind. */
  int removeLeftovers() {
    java.util.Set<String> active =
        store.list(RequestState.ACTIVE, r -> true).stream()
            .map(RestartRequest::id)
            .collect(java.util.stream.Collectors.toSet());
    return ownership.removeLeftovers(active) + store.removeLeftoverLocks();
  }

  /** Deletes finished requests that ended more than {@code retention} ago; answers how many. */
  public int purgeOlderThan(Duration retention) {
    Instant cutoff = clock.instant().minus(retention);
    int deleted = 0;
    for (RestartRequest old : store.list(RequestState.FINAL, r -> r.endedAt().isBefore(cutoff))) {
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

  /**
   * The one place a run begins: an approved request starts only once its approval message is in the
   * channel, so that nothing restarts that the channel cannot see. Called after each write that can
   * make both true (the approval, the message placed); {@link #run} decides under a compare-and-set
   * which of them starts it.
   */
  private void startIfVisible(RestartRequest request) {
    if (request.state() == RequestState.APPROVED && request.isVisible()) {
      sequences.start(request.id(), () -> run(request.id()));
    }
  }

  /**
   * Runs an approved, visible request if this caller wins it: first the claim on its run, then the
   * move to RUNNING, so that a request is never RUNNING without a claim that says who runs it.
   * Answers the request where its run ended, or empty when someone else runs it.
   */
  Optional<RestartRequest> run(String requestId) {
    Optional<RunOwnership.Claim> claimed = ownership.claim(requestId);
    if (claimed.isEmpty()) {
      return Optional.empty(); // another replica is starting it
    }
    RunOwnership.Claim claim = claimed.get();
    Optional<RestartRequest> running;
    try {
      running =
          store.update(
              requestId,
              r -> r.state() == RequestState.APPROVED && r.isVisible(),
              r -> r.withState(RequestState.RUNNING));
    } catch (RuntimeException e) {
      claim.close();
      throw e;
    }
    if (running.isEmpty()) {
      claim.close();
      return Optional.empty();
    }
    events.publish(new RequestEvent.Started(running.get()));
    return Optional.of(follow(running.get(), claim));
  }

  /**
   * Takes over a run that another replica handed back when it shut down, and runs its remaining
   * targets; empty when another replica took it first.
   */
  Optional<RestartRequest> resume(String requestId) {
    Optional<RunOwnership.Claim> claimed = ownership.claim(requestId);
    if (claimed.isEmpty()) {
      return Optional.empty();
    }
    RunOwnership.Claim claim = claimed.get();
    Optional<RestartRequest> running;
    try {
      running = store.find(requestId).filter(r -> r.state() == RequestState.RUNNING);
    } catch (RuntimeException e) {
      claim.handBack();
      throw e;
    }
    if (running.isEmpty()) {
      claim.close();
      return Optional.empty();
    }
    LOG.infof(
        "request %s: resumed here at target %d of %d",
        requestId, running.get().results().size() + 1, running.get().targets().size());
    events.publish(new RequestEvent.Resumed(running.get()));
    return Optional.of(follow(running.get(), claim));
  }

  /** Runs the rest of a RUNNING request under {@code claim}, and ends it. */
  private RestartRequest follow(RestartRequest running, RunOwnership.Claim claim) {
    RestartExecutor.Ran ran;
    try {
      ran =
          executor.run(
              running,
              () -> {
                if (!claim.held()) {
                  return Optional.of(RestartExecutor.Stop.CLAIM_LOST);
                }
                return sequences.stopping()
                    ? Optional.of(RestartExecutor.Stop.SHUTTING_DOWN)
                    : Optional.empty();
              });
    } catch (RuntimeException | Error e) {
      claim.close(); // the claim lapses into "interrupted" on the next sweep
      throw e;
    }
    RestartRequest current = ran.request();
    if (ran.stopped().isEmpty()) {
      return complete(current, claim);
    }
    switch (ran.stopped().get()) {
      case ABORTED -> {
        // The executor read the abort from the store (any replica may have recorded it).
        Decider.Person by =
            current.abortedBy().orElseThrow(() -> new IllegalStateException("abort not carried"));
        return complete(executor.skipRest(current, new Outcome.SkipReason.Aborted(by)), claim);
      }
      case INTERRUPTED_ELSEWHERE -> {
        // Another replica took our claim for dead while we ran; it has told the channel.
        claim.close();
        return store.find(running.id()).orElse(current);
      }
      case CLAIM_LOST -> {
        claim.close();
        return stopInterrupted(current);
      }
      case SHUTTING_DOWN -> {
        if (ownership.canHandBack()) {
          claim.handBack();
          events.publish(new RequestEvent.HandedBack(current));
          return current;
        }
        return complete(executor.skipRest(current, new Outcome.SkipReason.ShutDown()), claim);
      }
    }
    throw new IllegalStateException("unreachable");
  }

  /** This replica lost its claim and stopped between targets: INTERRUPTED, said once. */
  private RestartRequest stopInterrupted(RestartRequest current) {
    try {
      Optional<RestartRequest> interrupted =
          store.update(
              current.id(),
              r -> r.state() == RequestState.RUNNING,
              r -> withResultsOf(current, r).finished(RequestState.INTERRUPTED, clock.instant()));
      interrupted.ifPresent(
          r ->
              events.publish(
                  new RequestEvent.Interrupted(r, RequestEvent.Interruption.CLAIM_LOST)));
      return interrupted.orElse(current);
    } catch (RuntimeException e) {
      LOG.errorf(
          e,
          "request %s stopped (claim lost) and could not be stored; the sweep ends it",
          current.id());
      return current;
    }
  }

  /**
   * Stores the end of a run (DONE) and says so. The write is retried while this replica holds its
   * claim, so that a short outage of the API server does not leave the request RUNNING for another
   * replica to report as interrupted after its summary was shown.
   */
  private RestartRequest complete(RestartRequest ran, RunOwnership.Claim claim) {
    String requestId = ran.id();
    try {
      for (int attempt = 1; ; attempt++) {
        try {
          Optional<RestartRequest> done =
              store.update(
                  requestId,
                  r -> r.state() == RequestState.RUNNING,
                  r -> withResultsOf(ran, r).finished(RequestState.DONE, clock.instant()));
          if (done.isEmpty()) {
            // Not RUNNING any more: another replica ended it, and told the channel.
            return store.find(requestId).orElse(ran);
          }
          events.publish(new RequestEvent.Finished(done.get()));
          return done.get();
        } catch (RuntimeException e) {
          if (attempt >= DONE_ATTEMPTS || !claim.held()) {
            // The run is over and audited; the store keeps it as running until it can be
            // reached, and the sweep then ends it from what it holds.
            LOG.errorf(e, "request %s finished but could not be stored as done", requestId);
            RestartRequest done = ran.finished(RequestState.DONE, clock.instant());
            events.publish(new RequestEvent.Finished(done));
            return done;
          }
          LOG.warnf("request %s: storing its end failed (%s); trying again", requestId, e);
          pause(Duration.ofMillis(200L << Math.min(attempt, 5)));
        }
      }
    } finally {
      claim.close();
    }
  }

  private static void pause(Duration duration) {
    try {
      Thread.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
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

  private ClickResult decide(
      RestartRequest request, Actor actor, String actorName, RequestState next) {
    Instant now = clock.instant();
    // From PENDING; or, to take an approval back, from APPROVED: the compare-and-set against the
    // move to RUNNING decides whether the run or the withdrawal wins.
    RequestState from = request.state();
    Optional<RestartRequest> decided =
        store.update(
            request.id(),
            r -> r.state() == from && !r.isExpiredAt(now),
            r -> r.decided(next, new Decider.Person(actor.userId(), actorName), now));
    if (decided.isEmpty()) {
      RestartRequest latest = store.find(request.id()).orElse(request);
      return refuseClick(
          request.id(), actor, whyClosed(latest).orElse(new Refusal.AlreadyDecided(latest)));
    }
    // The run starts first: what Slack shows must never be what it waits for.
    startIfVisible(decided.get());
    events.publish(new RequestEvent.Decided(decided.get()));
    return new ClickResult.Accepted(decided.get());
  }

  /**
   * Whether a click came from the request's own approval message: a button's value is only the
   * request id, so the same id on another message (or in another channel) decides nothing.
   */
  private static boolean isItsMessage(RestartRequest request, String channelId, String messageTs) {
    return request.channelId().equals(channelId)
        && request.messageTs().map(ts -> ts.equals(messageTs)).orElse(false);
  }

  /** Why a click on {@code request} can change nothing any more; expires it if its time is up. */
  private Optional<Refusal> whyClosed(RestartRequest request) {
    Instant now = clock.instant();
    if (request.isExpiredAt(now)) {
      expire(request.id(), now);
      return Optional.of(new Refusal.Expired());
    }
    return switch (request.state()) {
      case PENDING -> Optional.empty();
      case EXPIRED -> Optional.of(new Refusal.Expired());
      case APPROVED, RUNNING, DONE, INTERRUPTED, DENIED, WITHDRAWN, OUTDATED, ABANDONED ->
          Optional.of(new Refusal.AlreadyDecided(request));
    };
  }

  private SubmitResult refuse(Submission submission, Refusal refusal) {
    events.publish(
        new RequestEvent.CommandRefused(submission.requester(), submission.targets(), refusal));
    return new SubmitResult.Refused(refusal);
  }

  /** The request a click on its message names, or the refusal of that click. */
  private record Clicked(RestartRequest request, ClickResult refused) {}

  /**
   * The checks every button makes first: the request exists, the click came from its own message,
   * and {@code whyNot} finds no reason to refuse this kind of click now.
   */
  private Clicked clicked(
      String requestId,
      String channelId,
      String messageTs,
      Actor clicker,
      Function<RestartRequest, Optional<Refusal>> whyNot) {
    Optional<RestartRequest> found = store.find(requestId);
    if (found.isEmpty()) {
      return new Clicked(null, refuseClick(requestId, clicker, new Refusal.UnknownRequest()));
    }
    RestartRequest request = found.get();
    if (!isItsMessage(request, channelId, messageTs)) {
      return new Clicked(null, refuseClick(requestId, clicker, new Refusal.NotItsMessage()));
    }
    Optional<Refusal> closed = whyNot.apply(request);
    if (closed.isPresent()) {
      return new Clicked(null, refuseClick(requestId, clicker, closed.get()));
    }
    return new Clicked(request, null);
  }

  private ClickResult refuseClick(String requestId, Actor actor, Refusal refusal) {
    events.publish(new RequestEvent.ClickRefused(requestId, actor, refusal));
    return new ClickResult.Refused(refusal);
  }

  static String newId() {
    char[] id = new char[12];
    for (int i = 0; i < id.length; i++) {
      id[i] = ID_ALPHABET[RANDOM.nextInt(ID_ALPHABET.length)];
    }
    return new String(id);
  }
}
