package dev.restartbot.restart;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.restartbot.policy.Target;
import dev.restartbot.policy.WorkloadKind;
import dev.restartbot.testing.RequestBuilder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
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
}
