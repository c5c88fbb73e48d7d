package dev.restartbot.restart;

import dev.restartbot.policy.Actor;
import dev.restartbot.policy.ApprovalDecision;
import dev.restartbot.policy.GroupMembership;
import dev.restartbot.policy.Policy;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Set;

/**
 * One person's view of the requests, for their App Home: what waits for their approval, what they
 * asked for lately, and what runs now. It reads and decides nothing; a click on what it shows goes
 * through {@link RequestLifecycle} like any other.
 */
@ApplicationScoped
public class PersonalRequests {

  /**
   * What one person sees.
   *
   * @param waiting pending requests this person may approve now, oldest first
   * @param mine this person's own requests, newest first
   * @param running requests running now, oldest first
   */
  public record View(
      List<RestartRequest> waiting, List<RestartRequest> mine, List<RestartRequest> running) {
    public View {
      waiting = List.copyOf(waiting);
      mine = List.copyOf(mine);
      running = List.copyOf(running);
    }
  }

  private static final Comparator<RestartRequest> OLDEST_FIRST =
      Comparator.comparing(RestartRequest::createdAt).thenComparing(RestartRequest::id);

  private final RequestStore store;
  private final Policy policy;
  private final Clock clock;

  PersonalRequests(RequestStore store, Policy policy, Clock clock) {
    this.store = store;
    this.policy = policy;
    this.clock = clock;
  }

  /** At most {@code limit} requests in each part. */
  public View of(Actor person, GroupMembership groups, int limit) {
    Instant now = clock.instant();
    List<RestartRequest> waiting =
        store
            .list(
                Set.of(RequestState.PENDING),
                r -> r.isVisible() && !r.isExpiredAt(now) && !r.approvedBy(person.userId()))
            .stream()
            .filter(r -> mayApprove(person, r, groups))
            .sorted(OLDEST_FIRST)
            .limit(limit)
            .toList();
    List<RestartRequest> mine =
        store.list(r -> r.requesterId().equals(person.userId())).stream()
            .sorted(OLDEST_FIRST.reversed())
            .limit(limit)
            .toList();
    List<RestartRequest> running =
        store.list(Set.of(RequestState.RUNNING), r -> true).stream()
            .sorted(OLDEST_FIRST)
            .limit(limit)
            .toList();
    return new View(waiting, mine, running);
  }

  /**
   * Whether {@code person} may approve {@code request}, as the policy decides a click of theirs.
   */
  public boolean mayApprove(Actor person, RestartRequest request, GroupMembership groups) {
    return policy.evaluateApproval(
            person,
            request.requester(),
            request.channelId(),
            request.conversation(),
            request.targets(),
            groups)
        instanceof ApprovalDecision.Admitted;
  }
}
