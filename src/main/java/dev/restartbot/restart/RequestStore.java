package dev.restartbot.restart;

import java.util.List;
import java.util.Optional;
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
  }

  CreateResult create(RestartRequest request);

  Optional<RestartRequest> find(String id);

  /**
   * Applies {@code change} if the stored request satisfies {@code precondition} at the moment of
   * the write; answers the stored result, or empty when the precondition failed (a lost race).
   */
  Optional<RestartRequest> update(
      String id, Predicate<RestartRequest> precondition, UnaryOperator<RestartRequest> change);

  /** Requests matching {@code filter}, newest first. */
  List<RestartRequest> list(Predicate<RestartRequest> filter);

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
}
