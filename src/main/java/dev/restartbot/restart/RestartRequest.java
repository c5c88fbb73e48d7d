package dev.restartbot.restart;

import dev.restartbot.policy.Actor;
import dev.restartbot.policy.Target;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One {@code /restart} request and everything that happened to it: the unit the store keeps.
 *
 * @param requesterName a display name for the audit trail and the change cause; may equal the id
 * @param messageTs the approval message in {@code channelId}, once posted
 * @param decidedBy who approved or denied it ({@value #POLICY} when no approval was needed)
 */
public record RestartRequest(
    String id,
    RequestState state,
    Actor requester,
    String requesterName,
    String channelId,
    List<Target> targets,
    Optional<String> reason,
    boolean approvalRequired,
    Instant createdAt,
    Instant expiresAt,
    Optional<String> decidedBy,
    Optional<String> decidedByName,
    Optional<Instant> decidedAt,
    Optional<String> messageTs,
    List<TargetResult> results,
    Optional<Instant> finishedAt) {

  /** The decider of a request whose rules need no approval. */
  public static final String POLICY = "policy";

  public RestartRequest {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(requester, "requester");
    targets = List.copyOf(targets);
    results = List.copyOf(results);
  }

  public String requesterId() {
    return requester.userId();
  }

  public boolean isExpiredAt(Instant now) {
    return state == RequestState.PENDING && !now.isBefore(expiresAt);
  }

  public RestartRequest withState(RequestState next) {
    return new RestartRequest(
        id,
        next,
        requester,
        requesterName,
        channelId,
        targets,
        reason,
        approvalRequired,
        createdAt,
        expiresAt,
        decidedBy,
        decidedByName,
        decidedAt,
        messageTs,
        results,
        finishedAt);
  }

  public RestartRequest withDecision(
      RequestState next, String deciderId, String deciderName, Instant at) {
    return new RestartRequest(
        id,
        next,
        requester,
        requesterName,
        channelId,
        targets,
        reason,
        approvalRequired,
        createdAt,
        expiresAt,
        Optional.of(deciderId),
        Optional.of(deciderName),
        Optional.of(at),
        messageTs,
        results,
        finishedAt);
  }

  public RestartRequest withMessageTs(String ts) {
    return new RestartRequest(
        id,
        state,
        requester,
        requesterName,
        channelId,
        targets,
        reason,
        approvalRequired,
        createdAt,
        expiresAt,
        decidedBy,
        decidedByName,
        decidedAt,
        Optional.of(ts),
        results,
        finishedAt);
  }

  public RestartRequest withResult(TargetResult result) {
    List<TargetResult> more = new ArrayList<>(results);
    more.add(result);
    return new RestartRequest(
        id,
        state,
        requester,
        requesterName,
        channelId,
        targets,
        reason,
        approvalRequired,
        createdAt,
        expiresAt,
        decidedBy,
        decidedByName,
        decidedAt,
        messageTs,
        more,
        finishedAt);
  }

  public RestartRequest finished(RequestState next, Instant at) {
    return new RestartRequest(
        id,
        next,
        requester,
        requesterName,
        channelId,
        targets,
        reason,
        approvalRequired,
        createdAt,
        expiresAt,
        decidedBy,
        decidedByName,
        decidedAt,
        messageTs,
        results,
        Optional.of(at));
  }
}
