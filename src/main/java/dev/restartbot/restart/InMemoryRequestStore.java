package dev.restartbot.restart;

import dev.restartbot.policy.Target;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * The request store of a single replica: tests, local runs, and clusters of one. Like the cluster
 * store, it refuses a change that is not a move of the state machine, or that rewrites what was
 * asked.
 *
 * <p>Two indexes keep admission and the sweeps from reading every stored request: which request
 * holds each target (target key → request id), and which requests are in each state. Creations are
 * serialised on one lock, so the busy check and the insert are one step; they cost per target, not
 * per stored request. Updates stay a compare-and-set on the one request. A request that becomes
 * final releases its targets right after its write, and a holder entry naming a request that is
 * final or gone counts as free (as a lock does in the cluster store), so a creation that runs
 * between the write and the release is not refused for it.
 */
public final class InMemoryRequestStore implements RequestStore {

  private final Map<String, RestartRequest> requests = new ConcurrentHashMap<>();

  /**
   * Target key → id of the request holding it. Entries are added only under {@link #creation}, and
   * removed only while they still name the request that released them.
   */
  private final Map<String, String> holders = new ConcurrentHashMap<>();

  /** State → ids of the requests in it; the map itself is filled once and never changes. */
  private final Map<RequestState, Set<String>> byState = new EnumMap<>(RequestState.class);

  private final Object creation = new Object();

  public InMemoryRequestStore() {
    for (RequestState state : RequestState.values()) {
      byState.put(state, ConcurrentHashMap.newKeySet());
    }
  }

  @Override
  public CreateResult create(RestartRequest request) {
    Set<String> keys = new LinkedHashSet<>();
    request.targets().forEach(t -> keys.add(t.key()));
    synchronized (creation) {
      for (String key : keys) {
        String holder = holders.get(key);
        RestartRequest holding = holder == null ? null : requests.get(holder);
        if (holding != null && holding.state().isActive()) {
          return new CreateResult.TargetBusy(holding);
        }
      }
      if (requests.containsKey(request.id())) {
        throw new IllegalStateException("duplicate request id " + request.id());
      }
      // The indexes first: once the request is visible, an update may move it at once, and its
      // release and move between states must find the entries in place.
      byState.get(request.state()).add(request.id());
      if (request.state().isActive()) {
        keys.forEach(key -> holders.put(key, request.id()));
      }
      requests.put(request.id(), request);
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
    RestartRequest[] won = new RestartRequest[2];
    requests.computeIfPresent(
        id,
        (key, current) -> {
          if (!precondition.test(current)) {
            return current;
          }
          RestartRequest next = change.apply(current);
          RequestStore.checkAskUnchanged(id, current, next);
          RequestState.checkMove(id, current.state(), next.state());
          if (next.state() != current.state()) {
            // Added before removed: a list running meanwhile may see the id twice, never not at
            // all; it reads the request itself and dedupes.
            byState.get(next.state()).add(id);
            byState.get(current.state()).remove(id);
          }
          won[0] = current;
          won[1] = next;
          return next;
        });
    if (won[1] == null) {
      return Optional.empty();
    }
    if (won[0].state().isActive() && won[1].state().isFinal()) {
      release(id, won[1].targets());
    }
    return Optional.of(won[1]);
  }

  @Override
  public boolean deleteFinished(String id) {
    RestartRequest[] deleted = new RestartRequest[1];
    requests.computeIfPresent(
        id,
        (key, current) -> {
          if (current.state().isActive()) {
            return current;
          }
          byState.get(current.state()).remove(id);
          deleted[0] = current;
          return null;
        });
    if (deleted[0] == null) {
      return false;
    }
    release(id, deleted[0].targets());
    return true;
  }

  @Override
  public List<RestartRequest> list(Predicate<RestartRequest> filter) {
    return newestFirst(requests.values().stream().filter(filter).toList());
  }

  @Override
  public List<RestartRequest> list(Set<RequestState> states, Predicate<RestartRequest> filter) {
    Set<String> ids = new LinkedHashSet<>();
    states.forEach(state -> ids.addAll(byState.get(state)));
    List<RestartRequest> found = new ArrayList<>();
    for (String id : ids) {
      RestartRequest request = requests.get(id);
      if (request != null && states.contains(request.state()) && filter.test(request)) {
        found.add(request);
      }
    }
    return newestFirst(found);
  }

  /** Which request holds each target: a copy of the index, for tests. */
  Map<String, String> heldTargets() {
    return Map.copyOf(holders);
  }

  /** Ids of the requests in {@code state} as the index has them, for tests. */
  Set<String> idsIn(RequestState state) {
    return Set.copyOf(byState.get(state));
  }

  /** Drops the index entries of {@code targets} that still name request {@code id}. */
  private void release(String id, List<Target> targets) {
    targets.forEach(t -> holders.remove(t.key(), id));
  }

  private static List<RestartRequest> newestFirst(List<RestartRequest> found) {
    List<RestartRequest> sorted = new ArrayList<>(found);
    sorted.sort(Comparator.comparing(RestartRequest::createdAt).reversed());
    return sorted;
  }
}
