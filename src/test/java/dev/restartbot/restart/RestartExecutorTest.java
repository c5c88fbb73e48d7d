package dev.restartbot.restart;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyBoolean;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.doNothing;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.spy;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.restartbot.audit.AuditLog;
import dev.restartbot.policy.Target;
import dev.restartbot.policy.WorkloadKind;
import dev.restartbot.testing.RequestBuilder;
import dev.restartbot.testing.TestConfig;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
  private final WorkloadEvents kubeEvents =
      spy(new WorkloadEvents((KubernetesClient) null, clock, Runnable::run));
  private final List<RequestEvent> published = new ArrayList<>();
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

  /** The settings under test: the two that vary, the rest as the app's defaults. */
  private static RestartConfig settings(boolean stopOnFailure, boolean waitForRollout) {
    return TestConfig.mapping(
        RestartConfig.class,
        Map.of(
            "restart.stop-on-failure", Boolean.toString(stopOnFailure),
            "restart.rollout.wait", Boolean.toString(waitForRollout)));
  }

  private RestartExecutor executor(boolean stopOnFailure) {
    return executor(stopOnFailure, false);
  }

  private RestartExecutor executor(boolean stopOnFailure, boolean waitForRollout) {
    doNothing().when(kubeEvents).record(any(), any(), any(), any(), anyBoolean(), any());
    RestartMetrics metrics = new RestartMetrics(meters);
    AuditTrail trail = new AuditTrail(audit);
    RequestEvents events =
        new RequestEvents(
            e -> {
              published.add(e);
              trail.record(e);
              metrics.on(e);
              kubeEvents.on(e);
            });
    return new RestartExecutor(
        workloads, rollouts, store, events, settings(stopOnFailure, waitForRollout), clock);
  }

  private RestartRequest running() {
    Instant now = clock.instant();
    RestartRequest r =
        RequestBuilder.request()
            .requester("U1", "alice")
            .channel("C1")
            .targets(A, B, C)
            .createdAt(now)
            .message("1.1")
            .decided(RequestState.RUNNING, "U2", "bob", now)
            .build();
    store.create(r);
    return r;
  }

  @Test
  void anAbortStoredWhileTheSecondTargetRunsStopsTheRunBeforeTheThird() {
    RestartRequest request = running();
    when(workloads.restart(eq(A), anyString(), any()))
        .thenReturn(new Outcome.Restarted("t", 2, "uid"));
    // Someone else (any replica) records the abort while B is being restarted: only the store
    // carries it to this executor.
    when(workloads.restart(eq(B), anyString(), any()))
        .thenAnswer(
            call -> {
              store.update(
                  request.id(),
                  r -> true,
                  r -> r.withAbort(new Decider.Person("U3", "carol"), clock.instant()));
              return new Outcome.Restarted("t", 3, "uid");
            });

    RestartExecutor.Ran ran = executor(true).run(request, RestartExecutor.Guard.NONE);

    assertThat(ran.stopped()).contains(RestartExecutor.Stop.ABORTED);
    assertThat(ran.request().abortedBy()).contains(new Decider.Person("U3", "carol"));
    assertThat(ran.request().results())
        .extracting(r -> r.target().name())
        .containsExactly("a", "b");
    assertThat(ran.request().results()).allMatch(r -> r.outcome().succeeded());
    verify(workloads, never()).restart(eq(C), anyString(), any());
  }

  @Test
  void withoutAnAbortTheSameRunGoesToTheEnd() {
    when(workloads.restart(any(), anyString(), any()))
        .thenReturn(new Outcome.Restarted("t", 2, "uid"));

    RestartExecutor.Ran ran = executor(true).run(running(), RestartExecutor.Guard.NONE);

    assertThat(ran.stopped()).isEmpty();
    assertThat(ran.request().results()).hasSize(3);
  }

  @Test
  void failureStopsTheSequenceAndSkipsTheRest() {
    when(workloads.restart(eq(A), anyString(), any()))
        .thenReturn(new Outcome.Restarted("t", 2, "uid"));
    when(workloads.restart(eq(B), anyString(), any())).thenReturn(new Outcome.Forbidden("nope"));

    RestartRequest done = executor(true).run(running(), RestartExecutor.Guard.NONE).request();

    assertThat(done.results())
        .extracting(r -> r.outcome().code())
        .containsExactly("restarted", "forbidden", "skipped");
    assertThat(done.results().get(2).outcome())
        .isEqualTo(new Outcome.Skipped(new Outcome.SkipReason.EarlierFailed(Optional.of(B))));
    verify(workloads, never()).restart(eq(C), anyString(), any());
  }

  @Test
  void withoutStopOnFailureTheRestStillRun() {
    when(workloads.restart(eq(A), anyString(), any())).thenReturn(new Outcome.NotFound());
    when(workloads.restart(eq(B), anyString(), any()))
        .thenReturn(new Outcome.Restarted("t", 2, "uid"));
    when(workloads.restart(eq(C), anyString(), any()))
        .thenReturn(new Outcome.Restarted("t", 2, "uid"));

    RestartRequest done = executor(false).run(running(), RestartExecutor.Guard.NONE).request();

    assertThat(done.results())
        .extracting(r -> r.outcome().code())
        .containsExactly("not_found", "restarted", "restarted");
  }

  @Test
  void targetsRunInOrderAndEachIsReportedBeforeTheNextStarts() {
    when(workloads.restart(any(), anyString(), any()))
        .thenReturn(new Outcome.Restarted("t", 2, "uid"));

    executor(true).run(running(), RestartExecutor.Guard.NONE).request();

    List<String> events =
        published.stream()
            .map(
                e ->
                    e instanceof RequestEvent.TargetStarted t
                        ? "start " + t.target().name()
                        : e instanceof RequestEvent.TargetFinished f
                            ? "done " + f.result().target().name()
                            : "")
            .filter(x -> !x.isEmpty())
            .toList();
    assertThat(events)
        .containsExactly("start a", "done a", "start b", "done b", "start c", "done c");
  }

  @Test
  void unexpectedExceptionBecomesAnErrorOutcomeNotACrash() {
    when(workloads.restart(eq(A), anyString(), any())).thenThrow(new IllegalStateException("boom"));

    RestartRequest done = executor(true).run(running(), RestartExecutor.Guard.NONE).request();

    assertThat(done.results())
        .extracting(r -> r.outcome().code())
        .containsExactly("error", "skipped", "skipped");
  }

  @Test
  void patchCarriesAnRfc3339UtcTimestampAndTheIdsOfRequestRequesterAndApprover() {
    when(workloads.restart(any(), anyString(), any()))
        .thenReturn(new Outcome.Restarted("t", 2, "uid"));

    executor(true).run(running(), RestartExecutor.Guard.NONE).request();

    verify(workloads)
        .restart(A, "2026-11-26T10:00:00Z", new Workloads.Attribution("req1", "U1", "U2"));
  }

  @Test
  void eventsOnTheWorkloadNameTheRequestRequesterAndApproverByIdFirst() {
    when(workloads.restart(any(), anyString(), any()))
        .thenReturn(new Outcome.Restarted("2026-11-26T10:00:00Z", 2, "uid"));

    executor(true).run(running(), RestartExecutor.Guard.NONE);

    verify(kubeEvents)
        .record(
            eq(A),
            eq("uid"),
            eq("req1"),
            eq(WorkloadEvents.REQUESTED),
            eq(false),
            eq(
                "Request req1, requested by U1, approved by U2: rollout restart"
                    + " (restartedAt 2026-11-26T10:00:00Z)"));
  }

  @Test
  void nextTargetIsPatchedOnlyAfterThePreviousRolloutEnded() {
    List<String> order = new ArrayList<>();
    when(workloads.restart(any(), anyString(), any()))
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

    RestartRequest done = executor(true, true).run(running(), RestartExecutor.Guard.NONE).request();

    assertThat(order)
        .containsExactly(
            "patch a", "rolled out a", "patch b", "rolled out b", "patch c", "rolled out c");
    assertThat(done.results()).extracting(r -> r.outcome().code()).containsOnly("rolled_out");
    verify(kubeEvents)
        .record(eq(A), eq("uid"), eq("req1"), eq(WorkloadEvents.REQUESTED), eq(false), any());
    verify(kubeEvents)
        .record(eq(A), eq("uid"), eq("req1"), eq(WorkloadEvents.COMPLETE), eq(false), any());
  }

  @Test
  void failedRolloutStopsTheSequenceAndRecordsAWarningEvent() {
    when(workloads.restart(any(), anyString(), any()))
        .thenReturn(new Outcome.Restarted("t", 2, "uid"));
    when(rollouts.await(eq(A), anyString(), eq(2L), any(), any()))
        .thenReturn(new Outcome.RolloutFailed("exceeded its progress deadline"));

    RestartRequest done = executor(true, true).run(running(), RestartExecutor.Guard.NONE).request();

    assertThat(done.results())
        .extracting(r -> r.outcome().code())
        .containsExactly("rollout_failed", "skipped", "skipped");
    verify(workloads, never()).restart(eq(B), anyString(), any());
    verify(kubeEvents)
        .record(eq(A), eq("uid"), eq("req1"), eq(WorkloadEvents.FAILED), eq(true), any());
    assertThat(meters.get("restartbot.restarts").tag("outcome", "rollout_failed").counter().count())
        .isEqualTo(1.0);
    assertThat(meters.get("restartbot.rollout.duration").timer().count()).isEqualTo(1);
  }

  @Test
  void patchBodyIsExactlyTheFourPodTemplateAnnotationsAndNoChangeCause() throws Exception {
    Workloads real = new Workloads((KubernetesClient) null, new ObjectMapper());

    String body =
        real.patchBody("2026-11-26T10:00:00Z", new Workloads.Attribution("req1", "U1", "U2"));

    assertThat(new ObjectMapper().readTree(body))
        .isEqualTo(
            new ObjectMapper()
                .readTree(
                    """
                    {"spec":{"template":{"metadata":{"annotations":{
                      "kubectl.kubernetes.io/restartedAt":"2026-11-26T10:00:00Z",
                      "restart-bot/request":"req1",
                      "restart-bot/requested-by":"U1",
                      "restart-bot/approved-by":"U2"}}}}}
                    """));
    assertThat(body).doesNotContain("change-cause");
  }

  @Test
  void patchBodyIsBuiltAsJsonSoIdsCannotInjectIt() throws Exception {
    Workloads real = new Workloads((KubernetesClient) null, new ObjectMapper());
    String hostile = "x\"}},\"metadata\":{\"annotations\":{\"kubernetes.io/change-cause\":\"\\";

    String body =
        real.patchBody(
            "2026-11-26T10:00:00Z", new Workloads.Attribution(hostile, hostile + "1", "policy\\"));

    var tree = new ObjectMapper().readTree(body);
    assertThat(tree.size()).isEqualTo(1);
    var annotations = tree.at("/spec/template/metadata/annotations");
    assertThat(annotations.size()).isEqualTo(4);
    assertThat(annotations.get("restart-bot/request").asText()).isEqualTo(hostile);
    assertThat(annotations.get("restart-bot/requested-by").asText()).isEqualTo(hostile + "1");
    assertThat(annotations.get("restart-bot/approved-by").asText()).isEqualTo("policy\\");
    assertThat(annotations.get("kubectl.kubernetes.io/restartedAt").asText())
        .isEqualTo("2026-11-26T10:00:00Z");
  }

  @Test
  void requestThatNoApprovalWasNeededForIsAttributedToThePolicy() {
    RestartRequest byPolicy =
        RequestBuilder.request()
            .requester("U1", "alice")
            .targets(A)
            .createdAt(clock.instant())
            .byPolicy()
            .build();

    assertThat(Workloads.Attribution.of(byPolicy))
        .isEqualTo(new Workloads.Attribution(byPolicy.id(), "U1", "policy"));
  }
}
