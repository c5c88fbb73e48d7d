package dev.restartbot.restart;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import dev.restartbot.policy.Actor;
import dev.restartbot.policy.GroupMembership;
import dev.restartbot.policy.Policy;
import dev.restartbot.policy.PolicyConfig;
import dev.restartbot.policy.Rule;
import dev.restartbot.policy.Target;
import dev.restartbot.policy.WorkloadKind;
import dev.restartbot.testing.ManualScheduler;
import dev.restartbot.testing.RequestBuilder;
import dev.restartbot.testing.TestConfig;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * An approved request never holds its targets forever, and a run ends once: whatever fails between
 * the approval and the end (a replica dying, a write that throws, a reply lost), the sweep starts
 * it, ends it, or says it was interrupted, and says so once.
 */
class RequestRecoveryTest {

  private static final Duration CLAIM = Duration.ofSeconds(30);
  private static final Target A = new Target(WorkloadKind.DEPLOYMENT, "test", "rec-a");
  private static final Target B = new Target(WorkloadKind.DEPLOYMENT, "test", "rec-b");
  private static final Target C = new Target(WorkloadKind.DEPLOYMENT, "test", "rec-c");

  private final ManualScheduler time = new ManualScheduler();
  private final Clock clock = Clock.fixed(Instant.parse("2026-11-26T10:00:00Z"), ZoneOffset.UTC);
  private final Workloads workloads = mock(Workloads.class);
  private final FlakyStore store = new FlakyStore(new InMemoryRequestStore());
  private final List<RequestEvent> published = new ArrayList<>();
  private final RequestEvents events = new RequestEvents(published::add);

  /** Sequences the test starts itself, or drops (a replica that died before it ran them). */
  private final List<Runnable> queued = new ArrayList<>();

  private Sequences sequences = new Sequences(queued::add);
  private RunOwnership ownership = RunOwnership.local(CLAIM, time::nanoTime);

  private RequestLifecycle lifecycle() {
    RestartExecutor executor =
        new RestartExecutor(
            workloads,
            mock(RolloutWatch.class),
            store,
            events,
            TestConfig.mapping(RestartConfig.class, Map.of("restart.rollout.wait", "false")),
            clock);
    Policy policy =
        new Policy(
            List.of(
                new Rule(
                    "test",
                    Map.of(WorkloadKind.DEPLOYMENT, List.of("rec-*")),
                    List.of(),
                    List.of("U0LEAD"),
                    List.of(),
                    Optional.empty())),
            true,
            false);
    return new RequestLifecycle(
        store,
        policy,
        TestConfig.mapping(PolicyConfig.class, Map.of("restart.default-namespace", "test")),
        workloads,
        executor,
        events,
        sequences,
        ownership,
        clock);
  }

  /** A store whose next matching write fails: before it lands, or after (a lost reply). */
  static final class FlakyStore implements RequestStore {
    private final RequestStore real;
    private Predicate<RestartRequest> failWhen = r -> false;
    private boolean landsFirst;
    private int failures;
    volatile java.util.function.Consumer<RestartRequest> beforeWrite = r -> {};

    /** The states each listing selected; empty for a listing of every request. */
    final List<Optional<Set<RequestState>>> listings = new CopyOnWriteArrayList<>();

    FlakyStore(RequestStore real) {
      this.real = real;
    }

    synchronized void failNext(int times, Predicate<RestartRequest> when, boolean landsFirst) {
      this.failures = times;
      this.failWhen = when;
      this.landsFirst = landsFirst;
    }

    @Override
    public CreateResult create(RestartRequest request) {
      return real.create(request);
    }

    @Override
    public Optional<RestartRequest> find(String id) {
      return real.find(id);
    }

    @Override
    public Optional<RestartRequest> update(
        String id, Predicate<RestartRequest> precondition, UnaryOperator<RestartRequest> change) {
      Optional<RestartRequest> current = real.find(id);
      current.filter(precondition).map(change).ifPresent(beforeWrite);
      boolean fail;
      synchronized (this) {
        fail =
            failures > 0 && current.filter(precondition).map(change).filter(failWhen).isPresent();
        if (fail) {
          failures--;
        }
      }
      if (fail) {
        if (landsFirst) {
          real.update(id, precondition, change);
        }
        throw new IllegalStateException("the API server did not answer");
      }
      return real.update(id, precondition, change);
    }

    @Override
    public List<RestartRequest> list(Predicate<RestartRequest> filter) {
      listings.add(Optional.empty());
      return real.list(filter);
    }

    @Override
    public List<RestartRequest> list(Set<RequestState> states, Predicate<RestartRequest> filter) {
      listings.add(Optional.of(Set.copyOf(states)));
      return real.list(states, filter);
    }

    @Override
    public boolean deleteFinished(String id) {
      return real.deleteFinished(id);
    }
  }

  private RestartRequest pending(String id, Target... targets) {
    RestartRequest r =
        RequestBuilder.request()
            .id(id)
            .requester("U0REQ", "alice")
            .channel("C1")
            .targets(targets)
            .createdAt(clock.instant())
            .expiresAt(clock.instant().plus(Duration.ofHours(1)))
            .message("1.1")
            .build();
    store.create(r);
    return r;
  }

  private void restartsSucceed() {
    when(workloads.restart(any(), anyString(), any()))
        .thenReturn(new Outcome.Restarted("t", 2, "uid"));
  }

  private RequestState state(String id) {
    return store.find(id).orElseThrow().state();
  }

  private void runQueued() {
    List<Runnable> now = new ArrayList<>(queued);
    queued.clear();
    now.forEach(Runnable::run);
  }

  private long count(Class<? extends RequestEvent> type) {
    return published.stream().filter(type::isInstance).count();
  }

  /** Sweeps once, then again a whole claim duration later (both on this replica's clock). */
  private void sweepAcrossAClaimDuration(RequestLifecycle lifecycle) {
    lifecycle.sweep(Duration.ofDays(30));
    time.advance(CLAIM);
    lifecycle.sweep(Duration.ofDays(30));
  }

  @Test
  void theSweepListsOnlyActiveRequestsAndRetentionOnlyFinishedOnes() {
    RequestLifecycle lifecycle = lifecycle();
    store.create(
        RequestBuilder.request()
            .id("due")
            .requester("U0REQ", "alice")
            .channel("C1")
            .targets(A)
            .createdAt(clock.instant().minus(Duration.ofHours(2)))
            .expiresAt(clock.instant().minus(Duration.ofHours(1)))
            .message("1.1")
            .build());
    store.create(
        RequestBuilder.request()
            .id("old")
            .requester("U0REQ", "alice")
            .channel("C1")
            .targets(B)
            .createdAt(clock.instant().minus(Duration.ofDays(40)))
            .finished(RequestState.DONE, clock.instant().minus(Duration.ofDays(31)))
            .build());

    lifecycle.sweep(Duration.ofDays(30));

    assertThat(store.find("due")).map(RestartRequest::state).contains(RequestState.EXPIRED);
    assertThat(store.find("old")).isEmpty();
    assertThat(store.listings)
        .as("no sweep reads every stored request")
        .doesNotContain(Optional.empty())
        .allSatisfy(
            selected ->
                assertThat(
                        RequestState.ACTIVE.containsAll(selected.orElseThrow())
                            || RequestState.FINAL.equals(selected.orElseThrow()))
                    .as("selected %s", selected)
                    .isTrue())
        .containsOnlyOnce(Optional.of(RequestState.FINAL));
  }

  @Test
  void anApprovedRequestWhoseReplicaDiedBeforeTheRunIsStartedByTheSweep() {
    restartsSucceed();
    RequestLifecycle lifecycle = lifecycle();
    pending("died1", A);
    lifecycle.approve("died1", "C1", "1.1", Actor.member("U0LEAD"), "lead", GroupMembership.NONE);
    queued.clear(); // the replica died: its sequence never ran
    assertThat(state("died1")).isEqualTo(RequestState.APPROVED);

    lifecycle.sweep(Duration.ofDays(30));
    assertThat(queued).as("not before its claim duration").isEmpty();
    time.advance(CLAIM);
    lifecycle.sweep(Duration.ofDays(30));
    runQueued();

    assertThat(state("died1")).isEqualTo(RequestState.DONE);
    verify(workloads, times(1)).restart(eq(A), anyString(), any());
  }

  @Test
  void aRequestIsNeverRunningWithoutAClaimOnItsRun() {
    restartsSucceed();
    RequestLifecycle lifecycle = lifecycle();
    pending("claimed1", A);
    List<Boolean> claimedWhenWritten = new ArrayList<>();
    store.beforeWrite =
        next -> {
          if (next.state() == RequestState.RUNNING && claimedWhenWritten.isEmpty()) {
            Optional<RunOwnership.Claim> free = ownership.claim(next.id());
            claimedWhenWritten.add(free.isEmpty());
            free.ifPresent(RunOwnership.Claim::close);
          }
        };

    lifecycle.approve(
        "claimed1", "C1", "1.1", Actor.member("U0LEAD"), "lead", GroupMembership.NONE);
    runQueued();

    assertThat(claimedWhenWritten)
        .as("someone held the claim when RUNNING was written")
        .containsExactly(true);
    assertThat(state("claimed1")).isEqualTo(RequestState.DONE);
  }

  @Test
  void aMoveToRunningThatThrowsLeavesTheRequestToTheSweep() {
    restartsSucceed();
    RequestLifecycle lifecycle = lifecycle();
    pending("throws1", A);
    store.failNext(1, r -> r.state() == RequestState.RUNNING, false);
    lifecycle.approve("throws1", "C1", "1.1", Actor.member("U0LEAD"), "lead", GroupMembership.NONE);

    runQueued(); // its failure is logged by Sequences
    assertThat(state("throws1")).isEqualTo(RequestState.APPROVED);
    ownership.claim("throws1").orElseThrow(() -> new AssertionError("claim not released")).close();

    sweepAcrossAClaimDuration(lifecycle);
    runQueued();

    assertThat(state("throws1")).isEqualTo(RequestState.DONE);
    verify(workloads, times(1)).restart(eq(A), anyString(), any());
  }

  @Test
  void aNoApprovalRequestWhoseBackgroundStartFailedIsStartedByTheSweep() {
    restartsSucceed();
    sequences =
        new Sequences(
            new java.util.concurrent.Executor() {
              int calls;

              @Override
              public void execute(Runnable r) {
                if (calls++ == 0) {
                  throw new RejectedExecutionException("no thread for it");
                }
                queued.add(r);
              }
            });
    RequestLifecycle lifecycle = lifecycle();
    RestartRequest byPolicy =
        RequestBuilder.request()
            .id("policy1")
            .requester("U0REQ", "alice")
            .channel("C1")
            .targets(A)
            .createdAt(clock.instant())
            .byPolicy()
            .build();
    store.create(byPolicy);
    lifecycle.messagePlaced("policy1", "1.1");
    assertThat(queued).isEmpty();

    sweepAcrossAClaimDuration(lifecycle);
    runQueued();

    assertThat(state("policy1")).isEqualTo(RequestState.DONE);
  }

  @Test
  void anApprovalWhoseReplyWasLostIsStartedByTheSweep() {
    restartsSucceed();
    RequestLifecycle lifecycle = lifecycle();
    pending("lost1", A);
    store.failNext(1, r -> r.state() == RequestState.APPROVED, true);

    assertThatThrownBy(
            () ->
                lifecycle.approve(
                    "lost1", "C1", "1.1", Actor.member("U0LEAD"), "lead", GroupMembership.NONE))
        .isInstanceOf(IllegalStateException.class);
    assertThat(state("lost1")).isEqualTo(RequestState.APPROVED);
    assertThat(queued).isEmpty();

    sweepAcrossAClaimDuration(lifecycle);
    runQueued();

    assertThat(state("lost1")).isEqualTo(RequestState.DONE);
  }

  @Test
  void anApprovedRequestWhoseMessageNeverReachedTheChannelIsAbandonedAndFreesItsTargets() {
    RequestLifecycle lifecycle = lifecycle();
    store.create(
        RequestBuilder.request()
            .id("unseen1")
            .requester("U0REQ", "alice")
            .channel("C1")
            .targets(A)
            .createdAt(clock.instant().minus(Duration.ofMinutes(6)))
            .byPolicy()
            .build());

    sweepAcrossAClaimDuration(lifecycle);

    assertThat(state("unseen1")).isEqualTo(RequestState.ABANDONED);
    assertThat(queued).isEmpty();
    assertThat(count(RequestEvent.Abandoned.class)).isEqualTo(1);
    assertThat(store.create(RequestBuilder.request().id("next1").targets(A).build()))
        .isInstanceOf(RequestStore.CreateResult.Created.class);
  }

  @Test
  void theRequesterMayWithdrawAnApprovedRequestWhoseRunHasNotStarted() {
    RequestLifecycle lifecycle = lifecycle();
    pending("take1", A);
    lifecycle.approve("take1", "C1", "1.1", Actor.member("U0LEAD"), "lead", GroupMembership.NONE);

    ClickResult withdrawn =
        lifecycle.deny("take1", "C1", "1.1", Actor.member("U0REQ"), "alice", GroupMembership.NONE);
    runQueued();

    assertThat(withdrawn).isInstanceOf(ClickResult.Accepted.class);
    assertThat(state("take1")).isEqualTo(RequestState.WITHDRAWN);
    verify(workloads, times(0)).restart(any(), anyString(), any());
  }

  @Test
  void abortOnAnApprovedRequestWhoseRunHasNotStartedTakesTheApprovalBack() {
    RequestLifecycle lifecycle = lifecycle();
    pending("back1", A);
    pending("back2", B);
    lifecycle.approve("back1", "C1", "1.1", Actor.member("U0LEAD"), "lead", GroupMembership.NONE);
    lifecycle.approve("back2", "C1", "1.1", Actor.member("U0LEAD"), "lead", GroupMembership.NONE);

    ClickResult byRequester =
        lifecycle.abort("back1", "C1", "1.1", Actor.member("U0REQ"), "alice", GroupMembership.NONE);
    ClickResult byApprover =
        lifecycle.abort("back2", "C1", "1.1", Actor.member("U0LEAD"), "lead", GroupMembership.NONE);
    runQueued();

    assertThat(byRequester).isInstanceOf(ClickResult.Accepted.class);
    assertThat(byApprover).isInstanceOf(ClickResult.Accepted.class);
    assertThat(state("back1")).isEqualTo(RequestState.WITHDRAWN);
    assertThat(state("back2")).isEqualTo(RequestState.DENIED);
    verify(workloads, times(0)).restart(any(), anyString(), any());
    // Their targets are free again.
    assertThat(store.create(RequestBuilder.request().id("next2").targets(A, B).build()))
        .isInstanceOf(RequestStore.CreateResult.Created.class);
  }

  @Test
  void someoneWhoMayNotApproveCannotTakeAnApprovalBackWithAbort() {
    RequestLifecycle lifecycle = lifecycle();
    pending("back3", A);
    lifecycle.approve("back3", "C1", "1.1", Actor.member("U0LEAD"), "lead", GroupMembership.NONE);

    ClickResult refused =
        lifecycle.abort(
            "back3", "C1", "1.1", Actor.member("U0STRANGER"), "eve", GroupMembership.NONE);

    assertThat(refused).isInstanceOf(ClickResult.Refused.class);
    assertThat(((ClickResult.Refused) refused).refusal()).isInstanceOf(Refusal.MayNotAbort.class);
    assertThat(state("back3")).isEqualTo(RequestState.APPROVED);
  }

  @Test
  void aFailedFinalWriteIsRetriedSoTheRunIsNotLaterReportedAsInterrupted() {
    restartsSucceed();
    RequestLifecycle lifecycle = lifecycle();
    pending("final1", A);
    store.failNext(1, r -> r.state() == RequestState.DONE, false);
    lifecycle.approve("final1", "C1", "1.1", Actor.member("U0LEAD"), "lead", GroupMembership.NONE);
    runQueued();

    sweepAcrossAClaimDuration(lifecycle);

    assertThat(state("final1")).isEqualTo(RequestState.DONE);
    assertThat(count(RequestEvent.Finished.class)).isEqualTo(1);
    assertThat(count(RequestEvent.Interrupted.class)).isZero();
  }

  @Test
  void aRunWhoseRunnerStoredEveryResultButDiedBeforeTheEndIsDoneNotInterrupted() {
    RequestLifecycle lifecycle = lifecycle();
    store.create(
        RequestBuilder.request()
            .id("ended1")
            .targets(A)
            .createdAt(clock.instant())
            .message("1.1")
            .decided(RequestState.RUNNING, "U0LEAD", "lead", clock.instant())
            .result(new TargetResult(A, new Outcome.Restarted("t", 2, "u"), Duration.ZERO))
            .build());

    sweepAcrossAClaimDuration(lifecycle);

    assertThat(state("ended1")).isEqualTo(RequestState.DONE);
    assertThat(count(RequestEvent.Interrupted.class)).isZero();
  }

  @Test
  void aRunnerThatLosesItsClaimStopsBeforeTheNextTargetAndSaysSo() {
    restartsSucceed();
    RunOwnership.Claim[] claim = new RunOwnership.Claim[1];
    boolean[] held = {true};
    RunOwnership local = ownership;
    ownership =
        new RunOwnership() {
          @Override
          public Optional<Claim> claim(String requestId) {
            Claim real = local.claim(requestId).orElseThrow();
            claim[0] =
                new Claim() {
                  @Override
                  public boolean held() {
                    return held[0];
                  }

                  @Override
                  public void handBack() {
                    real.handBack();
                  }

                  @Override
                  public void close() {
                    real.close();
                  }
                };
            return Optional.of(claim[0]);
          }

          @Override
          public Holding observe(String requestId) {
            return local.observe(requestId);
          }

          @Override
          public boolean canHandBack() {
            return false;
          }

          @Override
          public int removeLeftovers(java.util.Set<String> active) {
            return 0;
          }
        };
    when(workloads.restart(eq(A), anyString(), any()))
        .thenAnswer(
            call -> {
              held[0] = false; // renewals fail while A rolls out
              return new Outcome.Restarted("t", 2, "uid");
            });
    RequestLifecycle lifecycle = lifecycle();
    pending("lost2", A, B, C);
    lifecycle.approve("lost2", "C1", "1.1", Actor.member("U0LEAD"), "lead", GroupMembership.NONE);
    runQueued();

    assertThat(state("lost2")).isEqualTo(RequestState.INTERRUPTED);
    verify(workloads, times(0)).restart(eq(B), anyString(), any());
    RequestEvent.Interrupted said =
        published.stream()
            .filter(RequestEvent.Interrupted.class::isInstance)
            .map(RequestEvent.Interrupted.class::cast)
            .findFirst()
            .orElseThrow();
    assertThat(said.why()).isEqualTo(RequestEvent.Interruption.CLAIM_LOST);
  }

  @Test
  void onShutdownTheCurrentTargetFinishesAndWithOneReplicaTheRestAreReportedNotStarted()
      throws Exception {
    CountDownLatch patching = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    when(workloads.restart(eq(A), anyString(), any()))
        .thenAnswer(
            call -> {
              patching.countDown();
              release.await(10, TimeUnit.SECONDS);
              return new Outcome.Restarted("t", 2, "uid");
            });
    sequences = Sequences.threads();
    RequestLifecycle lifecycle = lifecycle();
    pending("stop1", A, B, C);
    lifecycle.approve("stop1", "C1", "1.1", Actor.member("U0LEAD"), "lead", GroupMembership.NONE);
    assertThat(patching.await(10, TimeUnit.SECONDS)).isTrue();

    CompletableFuture<Boolean> drained =
        CompletableFuture.supplyAsync(() -> sequences.drain(Duration.ofSeconds(10)));
    Thread.sleep(100); // let the drain begin: the run is still on its first target
    pending("later1", new Target(WorkloadKind.DEPLOYMENT, "test", "rec-d"));
    lifecycle.approve("later1", "C1", "1.1", Actor.member("U0LEAD"), "lead", GroupMembership.NONE);
    release.countDown();

    assertThat(drained.get(10, TimeUnit.SECONDS)).isTrue();
    RestartRequest stopped = store.find("stop1").orElseThrow();
    assertThat(stopped.state()).isEqualTo(RequestState.DONE);
    assertThat(stopped.results())
        .extracting(r -> r.outcome().code())
        .containsExactly("restarted", "skipped", "skipped");
    assertThat(stopped.results().get(1).outcome())
        .isEqualTo(new Outcome.Skipped(new Outcome.SkipReason.ShutDown()));
    assertThat(state("later1"))
        .as("no new run starts while shutting down")
        .isEqualTo(RequestState.APPROVED);
    verify(workloads, times(0)).restart(eq(B), anyString(), any());
  }
}
