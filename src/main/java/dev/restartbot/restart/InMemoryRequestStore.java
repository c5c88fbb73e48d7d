package dev.restartbot.restart;

import dev.restartbot.policy.Target;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;

/**
 * The request store of a single replica: tests, local runs, and clusters of one. Like the cluster
 * store, it refuses a change that is not a move of the state machine, or that rewrites what was
 * asked.
 */
public final class InMemoryRequestStore implements RequestStore {

  private final Map<String, RestartRequest> requests = new ConcurrentHashMap<>();

  @Override
  public synchronized CreateResult create(RestartRequest request) {
    // Synchronised so that the check for a busy target and the insert are one step.
    Set<String> keys = request.targets().stream().map(Target::key).collect(Collectors.toSet());
    for (RestartRequest existing : requests.values()) {
      if (existing.state().isActive()
          && existing.targets().stream().map(Target::key).anyMatch(keys::contains)) {
        return new CreateResult.TargetBusy(existing);
      }
    }
    if (requests.putIfAbsent(request.id(), request) != null) {
      throw new IllegalStateException("duplicate request id " + request.id());
    }
    return new CreateResult.Created(request);
  }

  @Override
  public Optional<RestartRequest> find(String id) {
    return Optional.ofNullable(requests.get(id));
  }

  @Override
  public Optional<RestartRequest> update(
      String id, Predicate<RestartRequest> precondition, UnaryOperator<RestartRequest> change) {
    RestartRequest[] won = new RestartRequest[1];
    requests.computeIfPresent(
        id,
        (key, current) -> {
          if (!precondition.test(current)) {
            return current;
          }
          RestartRequest next = change.apply(current);
          RequestStore.checkAskUnchanged(id, current, next);
          RequestState.checkMove(id, current.state(), next.state());
          won[0] = next;
          return next;
        });
    return Optional.ofNullable(won[0]);
  }

  @Override
  public boolean deleteFinished(String id) {
    boolean[] deleted = new boolean[1];
    requests.computeIfPresent(
        id,
        (key, current) -> {
          deleted[0] = current.state().isFinal();
          return deleted[0] ? null : current;
        });
    return deleted[0];
  }

  @Override
  public List<RestartRequest> list(Predicate<RestartRequest> filter) {
    return requests.values().stream()
        .filter(filter)
        .sorted(Comparator.comparing(RestartRequest::createdAt).reversed())
        .toList();
  }
}
