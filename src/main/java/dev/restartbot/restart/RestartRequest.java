package dev.restartbot.restart;

import dev.restartbot.policy.Actor;
import dev.restartbot.policy.ConversationKind;
import dev.restartbot.policy.Target;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One {@code /restart} request and everything that happened to it: the unit the store keeps.
 *
 * @param asked what was asked, by whom, where and why: fixed once the request exists
 * @param messageTs the approval message in the request's channel, once posted
 * @param decision who approved, denied or withdrew it, and when; for a request that needs no
 *     approval, the policy, from the start
 * @param results one per target handled so far, in order
 * @param approvals the distinct people who approved so far, in order; the last of them decided when
 *     their number reached what the request needs
 * @param abort who asked a running request to stop, and when: the target being restarted is
 *     followed to its end and the rest are skipped (DESIGN.md §7.5)
 */
public record RestartRequest(
    String id,
    RequestState state,
    Ask asked,
    Optional<String> messageTs,
    Optional<Decision> decision,
    List<TargetResult> results,
    Optional<Instant> finishedAt,
    List<Decision> approvals,
    Optional<Decision> abort) {

  /**
   * What the requester asked for.
   *
   * @param requesterName a display name for the audit trail; may equal the id
   * @param channelId the channel the command came from, where the approval message goes
   * @param conversation what kind of conversation that is, as the Slack edge told it when asked;
   *     approvals are judged against the same
   * @param approvalsNeeded the distinct approvers it needs, as the policy said when asked
   * @param generations each target's {@code metadata.generation} when asked: the approval is bound
   *     to what was shown, and a target that changed since makes the request outdated. Empty for
   *     requests stored before it was kept.
   * @param action what the request does once approved: a restart, or a roll back
   */
  public record Ask(
      Actor requester,
      String requesterName,
      String channelId,
      ConversationKind conversation,
      List<Target> targets,
      Optional<String> reason,
      boolean approvalRequired,
      Instant createdAt,
      Instant expiresAt,
      int approvalsNeeded,
      Map<Target, Long> generations,
      RequestAction action) {
    public Ask {
      Objects.requireNonNull(requester, "requester");
      Objects.requireNonNull(channelId, "channelId");
      Objects.requireNonNull(conversation, "conversation");
      targets = List.copyOf(targets);
      reason = Objects.requireNonNullElse(reason, Optional.empty());
      Objects.requireNonNull(createdAt, "createdAt");
      Objects.requireNonNull(expiresAt, "expiresAt");
      if (approvalsNeeded < 1) {
        throw new IllegalArgumentException("a request needs at least one approval");
      }
      generations = Map.copyOf(generations);
      action = Objects.requireNonNullElse(action, RequestAction.RESTART);
    }
  }

  /** A decision on the request: who made it and when. */
  public record Decision(Decider by, Instant at) {
    public Decision {
      Objects.requireNonNull(by, "by");
      Objects.requireNonNull(at, "at");
    }
  }

  public RestartRequest {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(asked, "asked");
    messageTs = Objects.requireNonNullElse(messageTs, Optional.empty());
    decision = Objects.requireNonNullElse(decision, Optional.empty());
    results = List.copyOf(results);
    finishedAt = Objects.requireNonNullElse(finishedAt, Optional.empty());
    approvals = List.copyOf(approvals);
    abort = Objects.requireNonNullElse(abort, Optional.empty());
  }

  /** A request nobody has asked to abort. */
  public RestartRequest(
      String id,
      RequestState state,
      Ask asked,
      Optional<String> messageTs,
      Optional<Decision> decision,
      List<TargetResult> results,
      Optional<Instant> finishedAt,
      List<Decision> approvals) {
    this(id, state, asked, messageTs, decision, results, finishedAt, approvals, Optional.empty());
  }

  /** A request nobody has approved yet in part. */
  public RestartRequest(
      String id,
      RequestState state,
      Ask asked,
      Optional<String> messageTs,
      Optional<Decision> decision,
      List<TargetResult> results,
      Optional<Instant> finishedAt) {
    this(id, state, asked, messageTs, decision, results, finishedAt, List.of());
  }

  /** A new request as the lifecycle creates it: pending, or approved by the policy. */
  public static RestartRequest create(String id, Ask asked) {
    return asked.approvalRequired()
        ? new RestartRequest(
            id,
            RequestState.PENDING,
            asked,
            Optional.empty(),
            Optional.empty(),
            List.of(),
            Optional.empty())
        : new RestartRequest(
            id,
            RequestState.APPROVED,
            asked,
            Optional.empty(),
            Optional.of(new Decision(new Decider.ByPolicy(), asked.createdAt())),
            List.of(),
            Optional.empty());
  }

  public Actor requester() {
    return asked.requester();
  }

  public String requesterId() {
    return asked.requester().userId();
  }

  public String channelId() {
    return asked.channelId();
  }

  public ConversationKind conversation() {
    return asked.conversation();
  }

  public List<Target> targets() {
    return asked.targets();
  }

  /** What the request does once approved. */
  public RequestAction action() {
    return asked.action();
  }

  public boolean isRollback() {
    return asked.action() == RequestAction.ROLLBACK;
  }

  public Optional<String> reason() {
    return asked.reason();
  }

  public boolean approvalRequired() {
    return asked.approvalRequired();
  }

  public Instant createdAt() {
    return asked.createdAt();
  }

  public Instant expiresAt() {
    return asked.expiresAt();
  }

  /** Who decided, if anyone has. */
  public Optional<Decider> decidedBy() {
    return decision.map(Decision::by);
  }

  /** Whether the policy, not a person, let it run. */
  public boolean decidedByPolicy() {
    return decidedBy().map(Decider.ByPolicy.class::isInstance).orElse(false);
  }

  /** When the request reached its final state, as far as it records it. */
  public Instant endedAt() {
    if (finishedAt.isPresent()) {
      return finishedAt.get();
    }
    if (state == RequestState.EXPIRED) {
      return expiresAt();
    }
    return decision.map(Decision::at).orElse(createdAt());
  }

  public int approvalsNeeded() {
    return asked.approvalsNeeded();
  }

  /** Whether {@code userId} is among those who approved so far. */
  public boolean approvedBy(String userId) {
    return approvals.stream().anyMatch(a -> a.by().id().equals(userId));
  }

  /** One more approval that does not yet decide: the request stays pending. */
  public RestartRequest withApproval(Decider.Person by, Instant at) {
    List<Decision> more = new ArrayList<>(approvals);
    more.add(new Decision(by, at));
    return new RestartRequest(
        id, state, asked, messageTs, decision, results, finishedAt, more, abort);
  }

  public boolean isExpiredAt(Instant now) {
    return state == RequestState.PENDING && !now.isBefore(expiresAt());
  }

  /** Whether the approval message is placed, so that the channel can see what runs. */
  public boolean isVisible() {
    return messageTs.isPresent();
  }

  public RestartRequest withState(RequestState next) {
    return new RestartRequest(
        id, next, asked, messageTs, decision, results, finishedAt, approvals, abort);
  }

  public RestartRequest decided(RequestState next, Decider by, Instant at) {
    return new RestartRequest(
        id,
        next,
        asked,
        messageTs,
        Optional.of(new Decision(by, at)),
        results,
        finishedAt,
        approvals,
        abort);
  }

  public RestartRequest withMessageTs(String ts) {
    return new RestartRequest(
        id, state, asked, Optional.of(ts), decision, results, finishedAt, approvals, abort);
  }

  public RestartRequest withResult(TargetResult result) {
    List<TargetResult> more = new ArrayList<>(results);
    more.add(result);
    return new RestartRequest(
        id, state, asked, messageTs, decision, more, finishedAt, approvals, abort);
  }

  public RestartRequest finished(RequestState next, Instant at) {
    return new RestartRequest(
        id, next, asked, messageTs, decision, results, Optional.of(at), approvals, abort);
  }

  /** Who asked this running request to stop, if anyone has. */
  public Optional<Decider.Person> abortedBy() {
    return abort.map(a -> (Decider.Person) a.by());
  }

  /** The abort of a running request: it stops before its next target. */
  public RestartRequest withAbort(Decider.Person by, Instant at) {
    return new RestartRequest(
        id,
        state,
        asked,
        messageTs,
        decision,
        results,
        finishedAt,
        approvals,
        Optional.of(new Decision(by, at)));
  }
}
