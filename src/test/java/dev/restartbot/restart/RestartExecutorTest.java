package dev.restartbot.restart;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.restartbot.audit.AuditLog;
import dev.restartbot.policy.Actor;
import dev.restartbot.policy.Target;
import dev.restartbot.policy.WorkloadKind;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RestartExecutorTest {

  private final Workloads workloads = mock(Workloads.class);
  private final InMemoryRequestStore store = new InMemoryRequestStore();
  private final AuditLog audit = new AuditLog(new ObjectMapper());
  private final Clock clock =
      Clock.fixed(Instant.parse("2026-11-26T10:00:00.123Z"), ZoneOffset.UTC);

  private static final Target A = new Target(WorkloadKind.DEPLOYMENT, "ns", "a");
  private static final Target B = new Target(WorkloadKind.STATEFULSET, "ns", "b");
  private static final Target C = new Target(WorkloadKind.DAEMONSET, "ns", "c");

  private final RolloutWatch rollouts = mock(RolloutWatch.class);
  private final WorkloadEvents events = mock(WorkloadEvents.class);
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

  /** The settings under test, without a config source. */
  private record Settings(boolean stopOnFailure, boolean waitForRollout) implements RestartConfig {
    public Optional<StoreKind> store() {
      return Optional.of(StoreKind.MEMORY);
    }

    public Optional<String> storeNamespace() {
      return Optional.empty();
    }

    public Duration storeRetention() {
      return Duration.ofDays(30);
    }

    public Rollout rollout() {
      return new Rollout() {
        public boolean waitForRollout() {
          return Settings.this.waitForRollout;
        }

        public Duration timeout() {
          return Duration.ofMinutes(10);
        }
      };
    }
  }

  private RestartExecutor executor(boolean stopOnFailure) {
    return executor(stopOnFailure, false);
  }

  private RestartExecutor executor(boolean stopOnFailure, boolean waitForRollout) {
    return new RestartExecutor(
        workloads,
        rollouts,
        events,
        new RestartMetrics(meters),
        store,
        audit,
        new Settings(stopOnFailure, waitForRollout),
        clock);
  }

  private RestartRequest running() {
    Instant now = clock.instant();
    RestartRequest r =
        new RestartRequest(
            "req1",
            RequestState.RUNNING,
            Actor.member("U1"),
            "alice",
            "C1",
            List.of(A, B, C),
            Optional.empty(),
            true,
            now,
            now.plusSeconds(900),
            Optional.of("U2"),
            Optional.of("bob"),
            Optional.of(now),
            Optional.of("1.1"),
            List.of(),
            Optional.empty());
    store.create(r);
    return r;
  }

  @Test
  void failureStopsTheSequenceAndSkipsTheRest() {
    when(workloads.restart(eq(A), anyString(), anyString()))
        .thenReturn(new Outcome.Restarted("t", 2, "uid"));
    when(workloads.restart(eq(B), anyString(), anyString()))
        .thenReturn(new Outcome.Forbidden("nope"));

    RestartRequest done = executor(true).run(running(), ExecutionListener.NONE);

    assertThat(done.results())
        .extracting(r -> r.outcome().code())
        .containsExactly("restarted", "forbidden", "skipped");
    assertThat(done.results().get(2).outcome().detail()).contains("statefulset/b");
    verify(workloads, never()).restart(eq(C), anyString(), anyString());
  }

  @Test
  void withoutStopOnFailureTheRestStillRun() {
    when(workloads.restart(eq(A), anyString(), anyString())).thenReturn(new Outcome.NotFound());
    when(workloads.restart(eq(B), anyString(), anyString()))
        .thenReturn(new Outcome.Restarted("t", 2, "uid"));
    when(workloads.restart(eq(C), anyString(), anyString()))
        .thenReturn(new Outcome.Restarted("t", 2, "uid"));

    RestartRequest done = executor(false).run(running(), ExecutionListener.NONE);

    assertThat(done.results())
        .extracting(r -> r.outcome().code())
        .containsExactly("not_found", "restarted", "restarted");
  }

  @Test
  void targetsRunInOrderAndEachIsReportedBeforeTheNextStarts() {
    when(workloads.restart(any(), anyString(), anyString()))
        .thenReturn(new Outcome.Restarted("t", 2, "uid"));
    List<String> events = new ArrayList<>();

    executor(true)
        .run(
            running(),
            new ExecutionListener() {
              @Override
              public void targetStarted(RestartRequest request, Target target, int index) {
                events.add("start " + target.name());
              }

              @Override
              public void targetFinished(RestartRequest request, TargetResult result, int index) {
                events.add("done " + result.target().name());
              }
            });

    assertThat(events)
        .containsExactly("start a", "done a", "start b", "done b", "start c", "done c");
  }

  @Test
  void unexpectedExceptionBecomesAnErrorOutcomeNotACrash() {
    when(workloads.restart(eq(A), anyString(), anyString()))
        .thenThrow(new IllegalStateException("boom"));

    RestartRequest done = executor(true).run(running(), ExecutionListener.NONE);

    assertThat(done.results())
        .extracting(r -> r.outcome().code())
        .containsExactly("error", "skipped", "skipped");
  }

  @Test
  void patchCarriesAnRfc3339UtcTimestampAndTheChangeCause() {
    when(workloads.restart(any(), anyString(), anyString()))
        .thenReturn(new Outcome.Restarted("t", 2, "uid"));

    executor(true).run(running(), ExecutionListener.NONE);

    verify(workloads)
        .restart(
            A,
            "2026-11-26T10:00:00Z",
            "restarted via Slack by alice (U1), approved by bob (U2) (request req1)");
  }

  @Test
  void nextTargetIsPatchedOnlyAfterThePreviousRolloutEnded() {
    List<String> order = new ArrayList<>();
    when(workloads.restart(any(), anyString(), anyString()))
        .thenAnswer(
            call -> {
              order.add("patch " + ((Target) call.getArgument(0)).name());
              return new Outcome.Restarted("t", 2, "uid");
            });
    when(rollouts.await(any(), anyString(), eq(2L), any(), any()))
        .thenAnswer(
            call -> {
              order.add("rolled out " + ((Target) call.getArgument(0)).name());
              return new Outcome.RolledOut("t", "rolled out (2 pods)");
            });

    RestartRequest done = executor(true, true).run(running(), ExecutionListener.NONE);

    assertThat(order)
        .containsExactly(
            "patch a", "rolled out a", "patch b", "rolled out b", "patch c", "rolled out c");
    assertThat(done.results()).extracting(r -> r.outcome().code()).containsOnly("rolled_out");
    verify(events)
        .record(eq(A), eq("uid"), eq("req1"), eq(WorkloadEvents.REQUESTED), eq(false), any());
    verify(events)
        .record(eq(A), eq("uid"), eq("req1"), eq(WorkloadEvents.COMPLETE), eq(false), any());
  }

  @Test
  void failedRolloutStopsTheSequenceAndRecordsAWarningEvent() {
    when(workloads.restart(any(), anyString(), anyString()))
        .thenReturn(new Outcome.Restarted("t", 2, "uid"));
    when(rollouts.await(eq(A), anyString(), eq(2L), any(), any()))
        .thenReturn(new Outcome.RolloutFailed("exceeded its progress deadline"));

    RestartRequest done = executor(true, true).run(running(), ExecutionListener.NONE);

    assertThat(done.results())
        .extracting(r -> r.outcome().code())
        .containsExactly("rollout_failed", "skipped", "skipped");
    verify(workloads, never()).restart(eq(B), anyString(), anyString());
    verify(events).record(eq(A), eq("uid"), eq("req1"), eq(WorkloadEvents.FAILED), eq(true), any());
    assertThat(meters.get("restartbot.restarts").tag("outcome", "rollout_failed").counter().count())
        .isEqualTo(1.0);
    assertThat(meters.get("restartbot.rollout.duration").timer().count()).isEqualTo(1);
  }

  @Test
  void patchBodyIsBuiltAsJsonSoNamesCannotInjectIt() throws Exception {
    Workloads real = new Workloads(null, new ObjectMapper());

    String body = real.patchBody("2026-11-26T10:00:00Z", "by \"x\"}},{\"spec\":1");

    var tree = new ObjectMapper().readTree(body);
    assertThat(tree.at("/metadata/annotations/kubernetes.io~1change-cause").asText())
        .isEqualTo("by \"x\"}},{\"spec\":1");
    assertThat(
            tree.at("/spec/template/metadata/annotations/kubectl.kubernetes.io~1restartedAt")
                .asText())
        .isEqualTo("2026-11-26T10:00:00Z");
    assertThat(tree.size()).isEqualTo(2);
  }
}
