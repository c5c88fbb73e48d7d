package dev.restartbot.restart;

import dev.restartbot.policy.Actor;
import dev.restartbot.policy.Target;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

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

  /** When the request reached its final state, as far as it records it. */
  public Instant endedAt() {
    if (finishedAt.isPresent()) {
      return finishedAt.get();
    }
    if (state == RequestState.EXPIRED) {
      return expiresAt;
    }
    return decidedAt.orElse(createdAt);
  }

  public boolean isExpiredAt(Instant now) {
    return state == RequestState.PENDING && !now.isBefore(expiresAt);
  }

  public RestartRequest withState(RequestState next) {
    return edit(c -> c.state = next);
  }

  public RestartRequest withDecision(
      RequestState next, String deciderId, String deciderName, Instant at) {
    return edit(
        c -> {
          c.state = next;
          c.decidedBy = Optional.of(deciderId);
          c.decidedByName = Optional.of(deciderName);
          c.decidedAt = Optional.of(at);
        });
  }

  public RestartRequest withMessageTs(String ts) {
    return edit(c -> c.messageTs = Optional.of(ts));
  }

  public RestartRequest withExpiresAt(Instant at) {
    return edit(c -> c.expiresAt = at);
  }

  public RestartRequest withCreatedAt(Instant at) {
    return edit(c -> c.createdAt = at);
  }

  public RestartRequest withTargets(List<Target> replacement) {
    return edit(c -> c.targets = replacement);
  }

  public RestartRequest withResult(TargetResult result) {
    return edit(
        c -> {
          List<TargetResult> more = new ArrayList<>(c.results);
          more.add(result);
          c.results = more;
        });
  }

  public RestartRequest finished(RequestState next, Instant at) {
    return edit(
        c -> {
          c.state = next;
          c.finishedAt = Optional.of(at);
        });
  }

  private RestartRequest edit(Consumer<Copy> change) {
    Copy copy = new Copy(this);
    change.accept(copy);
    return copy.build();
  }

  /** A mutable copy, so that each {@code with…} names only the fields it changes. */
  private static final class Copy {
    private final String id;
    private RequestState state;
    private final Actor requester;
    private final String requesterName;
    private final String channelId;
    private List<Target> targets;
    private final Optional<String> reason;
    private final boolean approvalRequired;
    private Instant createdAt;
    private Instant expiresAt;
    private Optional<String> decidedBy;
    private Optional<String> decidedByName;
    private Optional<Instant> decidedAt;
    private Optional<String> messageTs;
    private List<TargetResult> results;
    private Optional<Instant> finishedAt;

    Copy(RestartRequest r) {
      id = r.id;
      state = r.state;
      requester = r.requester;
      requesterName = r.requesterName;
      channelId = r.channelId;
      targets = r.targets;
      reason = r.reason;
      approvalRequired = r.approvalRequired;
      createdAt = r.createdAt;
      expiresAt = r.expiresAt;
      decidedBy = r.decidedBy;
      decidedByName = r.decidedByName;
      decidedAt = r.decidedAt;
      messageTs = r.messageTs;
      results = r.results;
      finishedAt = r.finishedAt;
    }

    RestartRequest build() {
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
          results,
          finishedAt);
    }
  }
}
