package dev.restartbot.restart;

import static org.assertj.core.api.Assertions.assertThat;

import dev.restartbot.policy.Target;
import dev.restartbot.policy.WorkloadKind;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class InMemoryRequestStoreTest {

  private final InMemoryRequestStore store = new InMemoryRequestStore();

  static RestartRequest pending(String id, String... names) {
    List<Target> targets =
        java.util.Arrays.stream(names)
            .map(n -> new Target(WorkloadKind.DEPLOYMENT, "ns", n))
            .toList();
    Instant now = Instant.parse("2026-11-26T10:00:00Z");
    return new RestartRequest(
        id,
        RequestState.PENDING,
        dev.restartbot.policy.Actor.member("U1"),
        "alice",
        "C1",
        targets,
        Optional.empty(),
        true,
        now,
        now.plusSeconds(900),
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        List.of(),
        Optional.empty());
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
  void sameNameInAnotherNamespaceIsAnotherTarget() {
    store.create(pending("a", "api"));
    RestartRequest other =
        pending("b", "api")
            .withTargets(List.of(new Target(WorkloadKind.DEPLOYMENT, "other", "api")));

    assertThat(store.create(other)).isInstanceOf(RequestStore.CreateResult.Created.class);
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
                              r.withDecision(
                                  RequestState.APPROVED, approver, approver, Instant.now()))
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
    newer = newer.withCreatedAt(newer.createdAt().plusSeconds(5));
    store.create(older);
    store.create(newer);

    assertThat(store.list(r -> true)).extracting(RestartRequest::id).containsExactly("new", "old");
  }
}
