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
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * The use cases of a restart request: submit, message placed, approve, deny, sweep, run. They
 * decide, run and record; they answer neutral values and publish {@link RequestEvent}s, which the
 * subscribers render and audit. Every transition is a compare-and-set on the store, so a double
 * click, two approvers at once or two replicas decide once and run once.
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
        policy.evaluateRequest(requester, submission.channelId(), submission.targets(), groups);
    if (decision instanceof RequestDecision.Refused refused) {
      return refuse(submission, new Refusal.NotAllowed(refused.reason()));
    }
    boolean approvalRequired = ((RequestDecision.Allowed) decision).approvalRequired();

    List<WorkloadSnapshot> snapshots = new ArrayList<>();
    for (Target target : submission.targets()) {
      Inspection inspection = workloads.inspect(target);
      if (inspection instanceof Inspection.Missing) {
        return refuse(submission, new Refusal.NotFound(target));
      }
      if (inspection instanceof Inspection.Unreadable unreadable) {
        return refuse(submission, new Refusal.Unreadable(target, unreadable.message()));
      }
      WorkloadSnapshot snapshot = ((Inspection.Found) inspection).snapshot();
      if (snapshot.paused()) {
        return refuse(submission, new Refusal.Paused(target));
      }
      snapshots.add(snapshot);
    }

    Instant now = clock.instant();
    RestartRequest request =
        RestartRequest.create(
            newId(),
            new RestartRequest.Ask(
                requester,
                submission.requesterName(),
                submission.channelId(),
                submission.targets(),
                submission.reason(),
                approvalRequired,
                now,
                now.plus(policyConfig.approval().ttl())));
    RequestStore.CreateResult created = store.create(request);
    if (created instanceof RequestStore.CreateResult.TargetBusy busy) {
      return refuse(submission, new Refusal.Busy(busy.existing()));
    }
    events.publish(new RequestEvent.Submitted(request));
    return new SubmitResult.Submitted(request, snapshots);
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
    Optional<RestartRequest> found = store.find(requestId);
    if (found.isEmpty()) {
      return refuseClick(requestId, approver, new Refusal.UnknownRequest());
    }
    RestartRequest request = found.get();
    if (!isItsMessage(request, channelId, messageTs)) {
      return refuseClick(requestId, approver, new Refusal.NotItsMessage());
    }
    Optional<Refusal> closed = whyClosed(request);
    if (closed.isPresent()) {
      return refuseClick(requestId, approver, closed.get());
    }
    ApprovalDecision decision =
        policy.evaluateApproval(
            approver, request.requester(), request.channelId(), request.targets(), groups);
    if (decision instanceof ApprovalDecision.Refused refused) {
      return refuseClick(requestId, approver, new Refusal.NotAllowed(refused.reason()));
    }
    return decide(request, approver, approverName, RequestState.APPROVED);
  }

  /**
   * A Deny click on the message {@code messageTs} in {@code channelId}: the requester withdraws, an
   * approver denies; anyone else, and a click on any other message, is refused.
   */
  public ClickResult deny(
      String requestId,
      String channelId,
      String messageTs,
      Actor clicker,
      String clickerName,
      GroupMembership groups) {
    Optional<RestartRequest> found = store.find(requestId);
    if (found.isEmpty()) {
      return refuseClick(requestId, clicker, new Refusal.UnknownRequest());
    }
    RestartRequest request = found.get();
    if (!isItsMessage(request, channelId, messageTs)) {
      return refuseClick(requestId, clicker, new Refusal.NotItsMessage());
    }
    Optional<Refusal> closed = whyClosed(request);
    if (closed.isPresent()) {
      return refuseClick(requestId, clicker, closed.get());
    }
    if (clicker.userId().equals(request.requesterId())) {
      return decide(request, clicker, clickerName, RequestState.WITHDRAWN);
    }
    ApprovalDecision decision =
        policy.evaluateApproval(
            clicker, request.requester(), request.channelId(), request.targets(), groups);
    if (decision instanceof ApprovalDecision.Refused refused) {
      return refuseClick(requestId, clicker, new Refusal.MayNotDeny(refused.reason()));
    }
    return decide(request, clicker, clickerName, RequestState.DENIED);
  }

  /**
   * The periodic sweep: expires requests nobody decided in time, marks runs whose replica died as
   * interrupted, and deletes what ended before the retention. Safe on every replica at once: each
   * change is a compare-and-set, and only the replica that made it publishes it.
   */
  public void sweep(Duration retention) {
    expireDue();
    interruptAbandoned();
    int purged = purgeOlderThan(retention);
    if (purged > 0) {
      LOG.infof("deleted %d requests that ended more than %s ago", purged, retention);
    }
  }

  /** Moves every pending request whose time is up to EXPIRED; answers the ones this call moved. */
  public List<RestartRequest> expireDue() {
    Instant now = clock.instant();
    List<RestartRequest> expired = new ArrayList<>();
    for (RestartRequest due : store.list(r -> r.isExpiredAt(now))) {
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
                events.publish(new RequestEvent.Interrupted(r));
                interrupted.add(r);
              });
    }
    return interrupted;
  }

  /** Deletes finished requests that ended more than {@code retention} ago; answers how many. */
  public int purgeOlderThan(Duration retention) {
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
   * Runs an approved, visible request if this caller wins the move to RUNNING; answers the finished
   * request, or empty when someone else runs it.
   */
  Optional<RestartRequest> run(String requestId) {
    Optional<RestartRequest> running =
        store.update(
            requestId,
            r -> r.state() == RequestState.APPROVED && r.isVisible(),
            r -> r.withState(RequestState.RUNNING));
    if (running.isEmpty()) {
      return Optional.empty();
    }
    RestartRequest request = running.get();
    events.publish(new RequestEvent.Started(request));
    RestartRequest ran;
    try (RunOwnership.Claim claim = ownership.claim(request)) {
      ran = executor.run(request);
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
    events.publish(new RequestEvent.Finished(done));
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

  private ClickResult decide(
      RestartRequest request, Actor actor, String actorName, RequestState next) {
    Instant now = clock.instant();
    Optional<RestartRequest> decided =
        store.update(
            request.id(),
            r -> r.state() == RequestState.PENDING && !r.isExpiredAt(now),
            r -> r.decided(next, new Decider.Person(actor.userId(), actorName), now));
    if (decided.isEmpty()) {
      RestartRequest latest = store.find(request.id()).orElse(request);
      return refuseClick(
          request.id(), actor, whyClosed(latest).orElse(new Refusal.AlreadyDecided(latest)));
    }
    events.publish(new RequestEvent.Decided(decided.get()));
    startIfVisible(decided.get());
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
