package dev.restartbot.restart;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.verifyNoInteractions;
import static org.mockito.Mockito.when;

import dev.restartbot.cluster.Clusters;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.VersionInfo;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.eclipse.microprofile.context.ManagedExecutor;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The Kubernetes detail of readiness: a probe reads the cache and never waits for the API. */
class KubernetesHealthTest {

  private static final Duration GUARD = Duration.ofSeconds(10);

  private final KubernetesClient client = mock(KubernetesClient.class);
  private final KubernetesHealth health = new KubernetesHealth(client);
  private final CountDownLatch asked = new CountDownLatch(1);
  private final CountDownLatch answer = new CountDownLatch(1);

  @AfterEach
  void tearDown() {
    answer.countDown();
  }

  private static VersionInfo version(String gitVersion) {
    return new VersionInfo.Builder().withGitVersion(gitVersion).build();
  }

  /** The next call of the API blocks until the test lets it answer {@code gitVersion}. */
  private void apiAnswersOnlyWhenLetGo(String gitVersion) {
    when(client.getKubernetesVersion())
        .thenAnswer(
            call -> {
              asked.countDown();
              answer.await();
              return version(gitVersion);
            });
  }

  private static String status(HealthCheckResponse response) {
    return String.valueOf(response.getData().orElseThrow().get("status"));
  }

  @Test
  void beforeTheFirstRefreshTheProbeSaysNotCheckedYetWithoutAskingTheApi() {
    HealthCheckResponse response = health.call();

    assertThat(response.getStatus()).isEqualTo(HealthCheckResponse.Status.UP);
    assertThat(status(response)).isEqualTo("not checked yet");
    verifyNoInteractions(client);
  }

  @Test
  void aRefreshRecordsTheVersionTheApiServerAnswered() {
    when(client.getKubernetesVersion()).thenReturn(version("v1.32.0"));

    health.refresh();

    assertThat(status(health.call())).isEqualTo("reachable (v1.32.0)");
  }

  @Test
  void anApiServerThatDoesNotAnswerIsShownAsADetailWhileReadinessStaysUp() {
    when(client.getKubernetesVersion())
        .thenThrow(
            new KubernetesClientException(
                "An error has occurred.", new java.net.ConnectException("Connection refused")));

    health.refresh();

    HealthCheckResponse response = health.call();
    assertThat(response.getStatus()).isEqualTo(HealthCheckResponse.Status.UP);
    assertThat(status(response)).isEqualTo("unreachable: Connection refused");
  }

  @Test
  void aProbeReturnsAtOnceWithThePreviousAnswerWhileARefreshWaitsForTheApi() throws Exception {
    when(client.getKubernetesVersion()).thenReturn(version("v1.31.4"));
    health.refresh();
    apiAnswersOnlyWhenLetGo("v1.32.0");
    CompletableFuture<Void> refreshing = CompletableFuture.runAsync(health::refresh);
    assertThat(asked.await(GUARD.toSeconds(), SECONDS)).isTrue();

    // Unbounded, a probe that waits for the API would hang the test instead of failing it.
    HealthCheckResponse during = assertTimeoutPreemptively(GUARD, () -> health.call());

    assertThat(status(during)).isEqualTo("reachable (v1.31.4)");
    answer.countDown();
    refreshing.get(GUARD.toSeconds(), SECONDS);
    assertThat(status(health.call())).isEqualTo("reachable (v1.32.0)");
  }

  @Test
  void aRefreshWhileAnotherWaitsForTheApiIsSkippedAtOnce() throws Exception {
    apiAnswersOnlyWhenLetGo("v1.32.0");
    CompletableFuture<Void> refreshing = CompletableFuture.runAsync(health::refresh);
    assertThat(asked.await(GUARD.toSeconds(), SECONDS)).isTrue();

    assertTimeoutPreemptively(GUARD, health::refresh);

    answer.countDown();
    refreshing.get(GUARD.toSeconds(), SECONDS);
    verify(client, times(1)).getKubernetesVersion();
  }

  @Test
  void theRefreshAtStartIsHandedToTheBackgroundAndAsksNothingOnTheStartingThread() {
    ManagedExecutor background = mock(ManagedExecutor.class);
    Runnable[] handedOver = new Runnable[1];
    doAnswer(
            call -> {
              handedOver[0] = call.getArgument(0);
              return null;
            })
        .when(background)
        .execute(any(Runnable.class));
    when(client.getKubernetesVersion()).thenReturn(version("v1.32.0"));

    health.refreshAtStart(null, background);

    verifyNoInteractions(client);
    handedOver[0].run();
    assertThat(status(health.call())).isEqualTo("reachable (v1.32.0)");
  }

  @Test
  void eachClusterIsCheckedApartAndShownByNameWithItsReachableGauge() {
    KubernetesClient down = mock(KubernetesClient.class);
    when(client.getKubernetesVersion()).thenReturn(version("v1.32.0"));
    when(down.getKubernetesVersion())
        .thenThrow(
            new KubernetesClientException(
                "An error has occurred.", new java.net.ConnectException("Connection refused")));
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    KubernetesHealth fleet =
        new KubernetesHealth(
            new Clusters(
                new LinkedHashMap<>(Map.of("eu-prod", client, "us-prod", down)),
                "eu-prod",
                Set.of()),
            meters,
            Runnable::run);

    fleet.refresh();

    HealthCheckResponse response = fleet.call();
    assertThat(response.getStatus()).isEqualTo(HealthCheckResponse.Status.UP);
    assertThat(response.getData().orElseThrow())
        .containsEntry("eu-prod", "reachable (v1.32.0)")
        .containsEntry("us-prod", "unreachable: Connection refused")
        .doesNotContainKey("status");
    assertThat(meters.get("restartbot.cluster.reachable").tag("cluster", "eu-prod").gauge().value())
        .isEqualTo(1.0);
    assertThat(meters.get("restartbot.cluster.reachable").tag("cluster", "us-prod").gauge().value())
        .isEqualTo(0.0);
  }
}
