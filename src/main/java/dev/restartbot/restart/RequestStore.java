package dev.restartbot.restart;

import dev.restartbot.policy.Target;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * Where restart requests live. Every change is a compare-and-set: {@link #update} re-checks its
 * precondition against the stored request and applies the change only if it still holds, so two
 * clicks (or two replicas) racing on one request produce exactly one winner.
 */
public interface RequestStore {

  /** Creation fails when another active request already holds one of the targets. */
  sealed interface CreateResult {
    record Created(RestartRequest request) implements CreateResult {}

    record TargetBusy(RestartRequest existing) implements CreateResult {}

    /**
     * The target is held by request {@code holderId}, whose stored form this version cannot read (a
     * newer schema, or damage). Busy all the same: it may well be active, and taking its lock could
     * let two restarts of one target overlap.
     */
    record TargetHeldByUnreadable(Target target, String holderId) implements CreateResult {}
  }

  CreateResult create(RestartRequest request);

  Optional<RestartRequest> find(String id);

  /**
   * Applies {@code change} if the stored request satisfies {@code precondition} at the moment of
   * the write; answers the stored result, or empty when the precondition failed (a lost race).
   */
  Optional<RestartRequest> update(
      String id, Predicate<RestartRequest> precondition, UnaryOperator<RestartRequest> change);

  /** Requests matching {@code filter}, newest first. Reads every stored request. */
  List<RestartRequest> list(Predicate<RestartRequest> filter);

  /**
   * Requests in one of {@code states} that match {@code filter}, newest first. Both stores select
   * by state before they read a request (an index in memory, the {@code restart-bot/state} label in
   * the cluster), so a sweep of the few active requests does not read the many finished ones. This
   * default, for wrappers, filters what {@link #list(Predicate)} answers.
   */
  default List<RestartRequest> list(Set<RequestState> states, Predicate<RestartRequest> filter) {
    return list(r -> states.contains(r.state()) && filter.test(r));
  }

  /**
   * Deletes a finished request (retention); answers whether it did. An active request is never
   * deleted: it still holds its targets.
   */
  boolean deleteFinished(String id);

  /**
   * Removes target locks that crashed creations and runs left behind (locks whose request has ended
   * or is gone); answers how many. A store without such locks has none to remove.
   */
  default int removeLeftoverLocks() {
    return 0;
  }

  /**
   * What {@link #update} refuses whatever the precondition: a change may move the state machine and
   * add what happened, but what was asked (which targets, by whom, from which channel) is fixed
   * once the request exists, since the approval and the policy's checks were about exactly that.
   *
   * @throws IllegalArgumentException when {@code next} alters the id, the targets, the requester or
   *     the channel of {@code current}
   */
  static void checkAskUnchanged(String id, RestartRequest current, RestartRequest next) {
    if (!next.id().equals(id)) {
      throw new IllegalArgumentException("a change may not alter the request id " + id);
    }
    if (!next.targets().equals(current.targets())) {
      throw new IllegalArgumentException("a change may not alter the targets of request " + id);
    }
    if (!next.requester().equals(current.requester())) {
      throw new IllegalArgumentException("a change may not alter the requester of request " + id);
    }
    if (!next.channelId().equals(current.channelId())) {
      throw new IllegalArgumentException("a change may not alter the channel of request " + id);
    }
  }
}
