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
import dev.restartbot.policy.Target;
import dev.restartbot.policy.WorkloadKind;
import dev.restartbot.testing.RequestBuilder;
import dev.restartbot.testing.TestConfig;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * An abort recorded by one replica reaches the replica that runs the request: each has its own
 * client and its own cluster store (ConfigMaps on the API server), and the runner reads the stored
 * request before each target.
 */
@EnableKubernetesMockClient(crud = true)
class AbortAcrossReplicasTest {

  KubernetesClient client;

  private static final Target A = new Target(WorkloadKind.DEPLOYMENT, "ns", "a");
  private static final Target B = new Target(WorkloadKind.DEPLOYMENT, "ns", "b");
  private static final Target C = new Target(WorkloadKind.DEPLOYMENT, "ns", "c");

  private final ObjectMapper json = new ObjectMapper();
  private final Clock clock = Clock.systemUTC();
  private KubernetesClient runnerClient;
  private KubernetesClient otherClient;

  @AfterEach
  void close() {
    runnerClient.close();
    otherClient.close();
  }

  @Test
  void theRunnerSeesAnAbortAnotherReplicaStoredAndSkipsTheRest() {
    runnerClient = new KubernetesClientBuilder().withConfig(client.getConfiguration()).build();
    otherClient = new KubernetesClientBuilder().withConfig(client.getConfiguration()).build();
    RequestStore runnerStore = new ConfigMapRequestStore(runnerClient, "bot", json);
    RequestStore otherStore = new ConfigMapRequestStore(otherClient, "bot", json);
    Instant now = clock.instant();
    RestartRequest request =
        RequestBuilder.request()
            .requester("U1", "alice")
            .channel("C1")
            .targets(A, B, C)
            .createdAt(now)
            .message("1.1")
            .decided(RequestState.RUNNING, "U2", "bob", now)
            .build();
    runnerStore.create(request);

    Workloads workloads = mock(Workloads.class);
    when(workloads.restart(eq(A), anyString(), any()))
        .thenReturn(new Outcome.Restarted("t", 2, "uid-a"));
    when(workloads.restart(eq(B), anyString(), any()))
        .thenAnswer(
            call -> {
              // The other replica handles the Abort click while B rolls out.
              assertThat(
                      otherStore.update(
                          request.id(),
                          r -> r.state() == RequestState.RUNNING && r.abort().isEmpty(),
                          r -> r.withAbort(new Decider.Person("U3", "carol"), clock.instant())))
                  .isPresent();
              return new Outcome.Restarted("t", 2, "uid-b");
            });
    RestartExecutor runner =
        new RestartExecutor(
            workloads,
            mock(RolloutWatch.class),
            runnerStore,
            new RequestEvents(e -> {}),
            TestConfig.mapping(RestartConfig.class, Map.of("restart.rollout.wait", "false")),
            clock);

    RestartExecutor.Ran ran = runner.run(request, RestartExecutor.Guard.NONE);

    assertThat(ran.stopped()).contains(RestartExecutor.Stop.ABORTED);
    verify(workloads, never()).restart(eq(C), anyString(), any());
    RestartRequest skipped =
        runner.skipRest(
            runnerStore.find(request.id()).orElseThrow(),
            new Outcome.SkipReason.Aborted(new Decider.Person("U3", "carol")));
    RestartRequest stored = otherStore.find(request.id()).orElseThrow();
    assertThat(stored.abortedBy()).contains(new Decider.Person("U3", "carol"));
    assertThat(stored.results())
        .extracting(r -> r.outcome().code())
        .containsExactly("restarted", "restarted", "skipped");
    assertThat(skipped.results().get(2).outcome())
        .isEqualTo(
            new Outcome.Skipped(new Outcome.SkipReason.Aborted(new Decider.Person("U3", "carol"))));
  }
}
