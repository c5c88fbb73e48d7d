package dev.restartbot.restart;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.restartbot.policy.Target;
import dev.restartbot.policy.WorkloadKind;
import dev.restartbot.testing.RequestBuilder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class InMemoryRequestStoreTest {

  private final InMemoryRequestStore store = new InMemoryRequestStore();

  static RestartRequest pending(String id, String... names) {
    List<Target> targets =
        java.util.Arrays.stream(names)
            .map(n -> new Target(WorkloadKind.DEPLOYMENT, "ns", n))
            .toList();
    return RequestBuilder.request()
        .id(id)
        .requester("U1", "alice")
        .channel("C1")
        .targets(targets)
        .build();
  }

  @Test
  void secondRequestForAnActiveTargetIsRefused() {
    store.create(pending("a", "api", "web"));

    var second = store.create(pending("b", "web"));

    assertThat(second).isInstanceOf(RequestStore.CreateResult.TargetBusy.class);
    assertThat(((RequestStore.CreateResult.TargetBusy) second).existing().id()).isEqualTo("a");
    assertThat(store.find("b")).isEmpty();
  }

  @Test
  void targetIsFreeAgainOnceItsRequestIsFinal() {
    store.create(pending("a", "api"));
    store.update("a", r -> true, r -> r.withState(RequestState.DENIED));

    assertThat(store.create(pending("b", "api")))
        .isInstanceOf(RequestStore.CreateResult.Created.class);
  }

  @Test
  void aWriteThatIsNotAMoveOfTheStateMachineIsRefusedAndChangesNothing() {
    store.create(pending("a", "api"));
    store.update("a", r -> true, r -> r.withState(RequestState.DENIED));

    assertThatThrownBy(() -> store.update("a", r -> true, r -> r.withState(RequestState.RUNNING)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("denied → running");
    assertThat(store.find("a").map(RestartRequest::state)).contains(RequestState.DENIED);
  }

  @Test
  void aChangeToTheTargetsRequesterOrChannelIsRefusedAndChangesNothing() {
    RestartRequest asked = pending("a", "api");
    store.create(asked);

    assertThatThrownBy(
            () ->
                store.update(
                    "a", r -> true, r -> RequestBuilder.from(r).deployments("ns", "web").build()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("targets");
    assertThatThrownBy(
            () ->
                store.update(
                    "a", r -> true, r -> RequestBuilder.from(r).requester("U9", "mallory").build()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("requester");
    assertThatThrownBy(
            () -> store.update("a", r -> true, r -> RequestBuilder.from(r).channel("C9").build()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("channel");
    assertThatThrownBy(
            () -> store.update("a", r -> true, r -> RequestBuilder.from(r).id("b").build()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("id");

    assertThat(store.find("a")).contains(asked);
    assertThat(store.find("b")).isEmpty();
  }

  @Test
  void sameNameInAnotherNamespaceIsAnotherTarget() {
    store.create(pending("a", "api"));
    RestartRequest other =
        RequestBuilder.from(pending("b", "api"))
            .targets(new Target(WorkloadKind.DEPLOYMENT, "other", "api"))
            .build();

    assertThat(store.create(other)).isInstanceOf(RequestStore.CreateResult.Created.class);
  }

  @Test
  void sameNameInAnotherClusterIsAnotherTargetAndTheSameClusterIsBusy() {
    store.create(
        RequestBuilder.from(pending("a", "api"))
            .targets(new Target("eu-prod", WorkloadKind.DEPLOYMENT, "ns", "api"))
            .build());

    RestartRequest inUs =
        RequestBuilder.from(pending("b", "api"))
            .targets(new Target("us-prod", WorkloadKind.DEPLOYMENT, "ns", "api"))
            .build();
    RestartRequest inEuAgain =
        RequestBuilder.from(pending("c", "api"))
            .targets(new Target("eu-prod", WorkloadKind.DEPLOYMENT, "ns", "api"))
            .build();

    assertThat(store.create(inUs)).isInstanceOf(RequestStore.CreateResult.Created.class);
    assertThat(store.create(inEuAgain)).isInstanceOf(RequestStore.CreateResult.TargetBusy.class);
    assertThat(store.create(pending("d", "api")))
        .as("the same name in the unnamed default cluster")
        .isInstanceOf(RequestStore.CreateResult.Created.class);
  }

  @Test
  void updateWhosePreconditionFailsChangesNothing() {
    store.create(pending("a", "api"));

    var result =
        store.update(
            "a", r -> r.state() == RequestState.APPROVED, r -> r.withState(RequestState.RUNNING));

    assertThat(result).isEmpty();
    assertThat(store.find("a").orElseThrow().state()).isEqualTo(RequestState.PENDING);
  }

  @Test
  void updateOfAnUnknownRequestAnswersEmpty() {
    assertThat(store.update("nope", r -> true, r -> r)).isEmpty();
  }

  @Test
  void concurrentCompareAndSetHasExactlyOneWinner() throws Exception {
    for (int round = 0; round < 200; round++) {
      String id = "r" + round;
      store.create(pending(id, "api" + round));
      AtomicInteger wins = new AtomicInteger();
      CountDownLatch go = new CountDownLatch(1);
      ExecutorService pool = Executors.newFixedThreadPool(8);
      List<Future<?>> all = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        String approver = "U" + i;
        all.add(
            pool.submit(
                () -> {
                  go.await();
                  store
                      .update(
                          id,
                          r -> r.state() == RequestState.PENDING,
                          r ->
                              r.decided(
                                  RequestState.APPROVED,
                                  new Decider.Person(approver, approver),
                                  Instant.now()))
                      .ifPresent(r -> wins.incrementAndGet());
                  return null;
                }));
      }
      go.countDown();
      for (Future<?> f : all) {
        f.get();
      }
      pool.shutdown();
      assertThat(wins.get()).as("round %d", round).isEqualTo(1);
    }
  }

  @Test
  void listIsNewestFirst() {
    RestartRequest older = pending("old", "a");
    RestartRequest newer = pending("new", "b");
    newer = RequestBuilder.from(newer).createdAt(newer.createdAt().plusSeconds(5)).build();
    store.create(older);
    store.create(newer);

    assertThat(store.list(r -> true)).extracting(RestartRequest::id).containsExactly("new", "old");
  }

  /** Every way the state machine lets a request end, from each state a request is created in. */
  static Stream<List<RequestState>> everyPathToAFinalState() {
    List<List<RequestState>> paths = new ArrayList<>();
    for (RequestState start : List.of(RequestState.PENDING, RequestState.APPROVED)) {
      walk(new ArrayList<>(List.of(start)), paths);
    }
    return paths.stream();
  }

  private static void walk(List<RequestState> path, List<List<RequestState>> paths) {
    RequestState last = path.get(path.size() - 1);
    if (last.isFinal()) {
      paths.add(List.copyOf(path));
      return;
    }
    for (RequestState next : RequestState.values()) {
      if (last.canMoveTo(next)) {
        path.add(next);
        walk(path, paths);
        path.remove(path.size() - 1);
      }
    }
  }

  @ParameterizedTest
  @MethodSource("everyPathToAFinalState")
  void everyPathToAFinalStateReleasesTheTargetsInTheIndex(List<RequestState> path) {
    RestartRequest asked =
        RequestBuilder.from(pending("a", "api", "web"))
            .finished(path.get(0), Instant.now())
            .build();
    store.create(asked);

    for (RequestState next : path.subList(1, path.size())) {
      assertThat(store.heldTargets())
          .as("before %s", next)
          .containsOnlyKeys("ns/deployment/api", "ns/deployment/web")
          .containsValue("a");
      RequestState before = store.find("a").orElseThrow().state();
      assertThat(store.update("a", r -> true, r -> r.withState(next))).isPresent();
      assertThat(store.idsIn(next)).contains("a");
      assertThat(store.idsIn(before)).doesNotContain("a");
    }

    assertThat(store.heldTargets()).isEmpty();
    assertThat(store.list(RequestState.ACTIVE, r -> true)).isEmpty();
    assertThat(store.create(pending("b", "web")))
        .isInstanceOf(RequestStore.CreateResult.Created.class);
    assertThat(store.heldTargets()).containsExactly(Map.entry("ns/deployment/web", "b"));
  }

  @Test
  void deletingAFinishedRequestRemovesItFromTheIndexes() {
    store.create(pending("a", "api"));
    store.update("a", r -> true, r -> r.withState(RequestState.DENIED));

    assertThat(store.deleteFinished("a")).isTrue();

    assertThat(store.idsIn(RequestState.DENIED)).isEmpty();
    assertThat(store.heldTargets()).isEmpty();
    assertThat(store.list(RequestState.FINAL, r -> true)).isEmpty();
  }

  @Test
  void anActiveRequestIsNotDeletedAndKeepsItsTargets() {
    store.create(pending("a", "api"));

    assertThat(store.deleteFinished("a")).isFalse();

    assertThat(store.heldTargets()).containsExactly(Map.entry("ns/deployment/api", "a"));
    assertThat(store.idsIn(RequestState.PENDING)).containsExactly("a");
  }

  @Test
  void aRequestCreatedFinalHoldsNoTarget() {
    store.create(
        RequestBuilder.from(pending("a", "api"))
            .finished(RequestState.DONE, Instant.now())
            .build());

    assertThat(store.heldTargets()).isEmpty();
    assertThat(store.create(pending("b", "api")))
        .isInstanceOf(RequestStore.CreateResult.Created.class);
  }

  @Test
  void aRefusedCreationLeavesNoTraceInTheIndexes() {
    store.create(pending("a", "web"));

    store.create(pending("b", "api", "web"));

    assertThat(store.heldTargets()).containsExactly(Map.entry("ns/deployment/web", "a"));
    assertThat(store.idsIn(RequestState.PENDING)).containsExactly("a");
  }

  @Test
  void creatingARequestWhoseIdIsAlreadyStoredIsABugAndChangesNothing() {
    store.create(pending("a", "api"));
    store.update("a", r -> true, r -> r.withState(RequestState.DENIED));

    assertThatThrownBy(() -> store.create(pending("a", "web")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("duplicate");
    assertThat(store.heldTargets()).isEmpty();
    assertThat(store.idsIn(RequestState.PENDING)).isEmpty();
  }

  @Test
  void listByStateAnswersOnlyThoseStatesNewestFirstAndFollowsEveryMove() {
    RestartRequest older = pending("old", "a");
    RestartRequest newer =
        RequestBuilder.from(pending("new", "b"))
            .createdAt(older.createdAt().plusSeconds(5))
            .build();
    store.create(older);
    store.create(newer);
    store.create(pending("gone", "c"));
    store.update("gone", r -> true, r -> r.withState(RequestState.EXPIRED));

    assertThat(store.list(RequestState.ACTIVE, r -> true))
        .extracting(RestartRequest::id)
        .containsExactly("new", "old");
    assertThat(store.list(Set.of(RequestState.PENDING), r -> r.id().equals("old")))
        .extracting(RestartRequest::id)
        .containsExactly("old");
    assertThat(store.list(RequestState.FINAL, r -> true))
        .extracting(RestartRequest::id)
        .containsExactly("gone");
    assertThat(store.list(Set.of(), r -> true)).isEmpty();

    store.update("old", r -> true, r -> r.withState(RequestState.APPROVED));

    assertThat(store.list(Set.of(RequestState.PENDING), r -> true))
        .extracting(RestartRequest::id)
        .containsExactly("new");
    assertThat(store.list(Set.of(RequestState.APPROVED), r -> true))
        .extracting(RestartRequest::id)
        .containsExactly("old");
  }

  @Test
  void racingCreationsForTheSameTargetsHaveExactlyOneWinner() throws Exception {
    // Many targets each, so that a check made apart from the insert has time to go wrong.
    String[] targets = new String[64];
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      for (int round = 0; round < 200; round++) {
        for (int t = 0; t < targets.length; t++) {
          targets[t] = "api" + round + "-" + t;
        }
        CyclicBarrier go = new CyclicBarrier(8);
        List<Future<RequestStore.CreateResult>> all = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
          RestartRequest request = pending("r" + round + "x" + i, targets);
          all.add(
              pool.submit(
                  () -> {
                    go.await();
                    return store.create(request);
                  }));
        }
        List<String> winners = new ArrayList<>();
        for (Future<RequestStore.CreateResult> f : all) {
          if (f.get() instanceof RequestStore.CreateResult.Created c) {
            winners.add(c.request().id());
          }
        }
        assertThat(winners).as("round %d", round).hasSize(1);
        assertThat(store.heldTargets())
            .containsEntry("ns/deployment/" + targets[0], winners.get(0))
            .containsEntry("ns/deployment/" + targets[63], winners.get(0));
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void manyThreadsCreatingAndEndingOverlappingRequestsNeverShareATargetAndLeaveTheIndexEmpty()
      throws Exception {
    int threads = 8;
    int perThread = 400;
    List<String> names = List.of("a", "b", "c", "d", "e", "f", "g", "h", "i", "j");
    List<RequestState> endings =
        List.of(
            RequestState.DENIED,
            RequestState.WITHDRAWN,
            RequestState.EXPIRED,
            RequestState.OUTDATED,
            RequestState.ABANDONED);
    // Claimed here after the store says Created and released here before the store is told the
    // request ended: a second claim while the first is held is two active requests on a target.
    Map<String, String> claimed = new ConcurrentHashMap<>();
    List<String> overlaps = new CopyOnWriteArrayList<>();
    AtomicInteger created = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CyclicBarrier go = new CyclicBarrier(threads);
    List<Future<?>> all = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int thread = t;
      all.add(
          pool.submit(
              () -> {
                Random random = new Random(thread);
                List<RestartRequest> mine = new ArrayList<>();
                go.await();
                for (int n = 0; n < perThread; n++) {
                  String first = names.get(random.nextInt(names.size()));
                  String second = names.get(random.nextInt(names.size()));
                  RestartRequest request = pending("t" + thread + "n" + n, first, second);
                  if (store.create(request) instanceof RequestStore.CreateResult.Created) {
                    created.incrementAndGet();
                    for (Target target : request.targets()) {
                      String other = claimed.putIfAbsent(target.key(), request.id());
                      if (other != null && !other.equals(request.id())) {
                        overlaps.add(target.key() + ": " + other + " and " + request.id());
                      }
                    }
                    mine.add(request);
                  }
                  if (!mine.isEmpty() && random.nextInt(3) == 0) {
                    RestartRequest ending = mine.remove(random.nextInt(mine.size()));
                    ending.targets().forEach(target -> claimed.remove(target.key(), ending.id()));
                    RequestState end = endings.get(random.nextInt(endings.size()));
                    assertThat(store.update(ending.id(), r -> true, r -> r.withState(end)))
                        .isPresent();
                  }
                }
                for (RestartRequest ending : mine) {
                  ending.targets().forEach(target -> claimed.remove(target.key(), ending.id()));
                  store.update(ending.id(), r -> true, r -> r.withState(RequestState.WITHDRAWN));
                }
                return null;
              }));
    }
    try {
      for (Future<?> f : all) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }

    assertThat(overlaps).isEmpty();
    assertThat(created.get()).as("creations that won").isGreaterThan(threads * perThread / 10);
    assertThat(store.heldTargets()).isEmpty();
    assertThat(store.list(RequestState.ACTIVE, r -> true)).isEmpty();
    assertThat(store.list(RequestState.FINAL, r -> true)).hasSize(created.get());
    for (String name : names) {
      assertThat(store.create(pending("after-" + name, name)))
          .isInstanceOf(RequestStore.CreateResult.Created.class);
    }
  }
}
