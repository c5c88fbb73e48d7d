package dev.restartbot.restart;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import dev.restartbot.policy.Target;
import dev.restartbot.policy.WorkloadKind;
import dev.restartbot.testing.RequestBuilder;
import dev.restartbot.testing.TestConfig;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Where a run stops between targets, and where a resumed run starts. */
class RestartExecutorGuardTest {

  private static final Target A = new Target(WorkloadKind.DEPLOYMENT, "ns", "a");
  private static final Target B = new Target(WorkloadKind.DEPLOYMENT, "ns", "b");
  private static final Target C = new Target(WorkloadKind.DEPLOYMENT, "ns", "c");

  private final Workloads workloads = mock(Workloads.class);
  private final InMemoryRequestStore store = new InMemoryRequestStore();
  private final Clock clock = Clock.fixed(Instant.parse("2026-11-26T10:00:00Z"), ZoneOffset.UTC);
  private final RestartExecutor executor =
      new RestartExecutor(
          workloads,
          mock(RolloutWatch.class),
          store,
          new RequestEvents(e -> {}),
          TestConfig.mapping(RestartConfig.class, Map.of("restart.rollout.wait", "false")),
          clock);

  private RestartRequest running(TargetResult... done) {
    RestartRequest r =
        RequestBuilder.request()
            .id("run1")
            .requester("U1", "alice")
            .channel("C1")
            .targets(A, B, C)
            .createdAt(clock.instant())
            .message("1.1")
            .decided(RequestState.RUNNING, "U2", "bob", clock.instant())
            .build();
    for (TargetResult result : done) {
      r = r.withResult(result);
    }
    store.create(r);
    return r;
  }

  private static TargetResult result(Target t, Outcome outcome) {
    return new TargetResult(t, outcome, Duration.ofSeconds(1));
  }

  @Test
  void aRunTakenForDeadByAnotherReplicaPatchesNothingMore() {
    RestartRequest running = running();
    when(workloads.restart(eq(A), anyString(), any()))
        .thenAnswer(
            call -> {
              // Meanwhile another replica's sweep marks the run interrupted.
              store.update(
                  "run1", r -> true, r -> r.finished(RequestState.INTERRUPTED, clock.instant()));
              return new Outcome.Restarted("t", 2, "uid");
            });

    RestartExecutor.Ran ran = executor.run(running, RestartExecutor.Guard.NONE);

    assertThat(ran.stopped()).contains(RestartExecutor.Stop.INTERRUPTED_ELSEWHERE);
    verify(workloads, never()).restart(eq(B), anyString(), any());
    verify(workloads, never()).restart(eq(C), anyString(), any());
  }

  @Test
  void aGuardThatSaysStopEndsTheRunBeforeTheNextTarget() {
    RestartRequest running = running();
    when(workloads.restart(any(), anyString(), any()))
        .thenReturn(new Outcome.Restarted("t", 2, "uid"));
    AtomicInteger asked = new AtomicInteger();

    RestartExecutor.Ran ran =
        executor.run(
            running,
            () ->
                asked.incrementAndGet() > 1
                    ? Optional.of(RestartExecutor.Stop.CLAIM_LOST)
                    : Optional.empty());

    assertThat(ran.stopped()).contains(RestartExecutor.Stop.CLAIM_LOST);
    assertThat(ran.request().results()).extracting(TargetResult::target).containsExactly(A);
    verify(workloads, never()).restart(eq(B), anyString(), any());
  }

  @Test
  void aResumedRunStartsAtItsFirstTargetWithoutAResult() {
    RestartRequest running = running(result(A, new Outcome.Restarted("t", 2, "uid")));
    when(workloads.restart(any(), anyString(), any()))
        .thenReturn(new Outcome.Restarted("t", 2, "uid"));

    RestartExecutor.Ran ran = executor.run(running, RestartExecutor.Guard.NONE);

    assertThat(ran.stopped()).isEmpty();
    verify(workloads, never()).restart(eq(A), anyString(), any());
    assertThat(ran.request().results()).extracting(TargetResult::target).containsExactly(A, B, C);
    assertThat(store.find("run1").orElseThrow().results()).hasSize(3);
  }

  @Test
  void aResumedRunWhoseEarlierTargetFailedSkipsTheRest() {
    RestartRequest running = running(result(A, new Outcome.Forbidden("no")));

    RestartExecutor.Ran ran = executor.run(running, RestartExecutor.Guard.NONE);

    verify(workloads, never()).restart(any(), anyString(), any());
    assertThat(ran.request().results())
        .extracting(r -> r.outcome().code())
        .containsExactly("forbidden", "skipped", "skipped");
  }
}
