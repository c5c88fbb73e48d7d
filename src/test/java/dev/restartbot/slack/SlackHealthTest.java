package dev.restartbot.slack;

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

import com.slack.api.RequestConfigurator;
import com.slack.api.bolt.App;
import com.slack.api.methods.MethodsClient;
import com.slack.api.methods.request.auth.AuthTestRequest;
import com.slack.api.methods.response.auth.AuthTestResponse;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.eclipse.microprofile.context.ManagedExecutor;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The Slack detail of readiness: a probe reads the cache and never waits for Slack. */
class SlackHealthTest {

  private static final Duration GUARD = Duration.ofSeconds(10);

  private final App app = mock(App.class);
  private final MethodsClient methods = mock(MethodsClient.class);
  private final SlackHealth health =
      new SlackHealth(
          app, new SocketMode(), new SlackClient(methods, d -> {}, new SimpleMeterRegistry()));
  private final CountDownLatch asked = new CountDownLatch(1);
  private final CountDownLatch answer = new CountDownLatch(1);

  @BeforeEach
  void setUp() {
    when(app.status()).thenReturn(App.Status.Running);
  }

  @AfterEach
  void tearDown() {
    answer.countDown();
  }

  private static AuthTestResponse authTest(boolean ok, String error) {
    AuthTestResponse response = new AuthTestResponse();
    response.setOk(ok);
    response.setError(error);
    return response;
  }

  @SuppressWarnings("unchecked")
  private static RequestConfigurator<AuthTestRequest.AuthTestRequestBuilder> anyConfigurator() {
    return any(RequestConfigurator.class);
  }

  /** Slack answers auth.test only when the test lets it. */
  private void slackAnswersOnlyWhenLetGo() throws Exception {
    when(methods.authTest(anyConfigurator()))
        .thenAnswer(
            call -> {
              asked.countDown();
              answer.await();
              return authTest(true, null);
            });
  }

  private static String webApi(HealthCheckResponse response) {
    return String.valueOf(response.getData().orElseThrow().get("web-api"));
  }

  @Test
  void beforeTheFirstRefreshTheProbeSaysNotCheckedYetWithoutCallingSlack() {
    HealthCheckResponse response = health.call();

    assertThat(response.getStatus()).isEqualTo(HealthCheckResponse.Status.UP);
    assertThat(webApi(response)).isEqualTo("not checked yet");
    assertThat(response.getData().orElseThrow()).containsEntry("mode", "http");
    verifyNoInteractions(methods);
  }

  @Test
  void aRefreshRecordsWhetherAuthTestWasAnswered() throws Exception {
    when(methods.authTest(anyConfigurator())).thenReturn(authTest(true, null));

    health.refresh();

    assertThat(webApi(health.call())).isEqualTo("reachable");
  }

  @Test
  void slacksRefusalIsShownAsADetailAndOnlyTheAppDecidesUp() throws Exception {
    when(methods.authTest(anyConfigurator())).thenReturn(authTest(false, "invalid_auth"));

    health.refresh();

    HealthCheckResponse response = health.call();
    assertThat(response.getStatus()).isEqualTo(HealthCheckResponse.Status.UP);
    assertThat(webApi(response)).isEqualTo("unreachable: invalid_auth");
  }

  @Test
  void aProbeReturnsAtOnceWithThePreviousAnswerWhileARefreshWaitsForSlack() throws Exception {
    when(methods.authTest(anyConfigurator())).thenReturn(authTest(false, "invalid_auth"));
    health.refresh();
    slackAnswersOnlyWhenLetGo();
    CompletableFuture<Void> refreshing = CompletableFuture.runAsync(health::refresh);
    assertThat(asked.await(GUARD.toSeconds(), SECONDS)).isTrue();

    // Unbounded, a probe that waits for Slack would hang the test instead of failing it.
    HealthCheckResponse during = assertTimeoutPreemptively(GUARD, () -> health.call());

    assertThat(webApi(during)).isEqualTo("unreachable: invalid_auth");
    answer.countDown();
    refreshing.get(GUARD.toSeconds(), SECONDS);
    assertThat(webApi(health.call())).isEqualTo("reachable");
  }

  @Test
  void aRefreshWhileAnotherWaitsForSlackIsSkippedAtOnce() throws Exception {
    slackAnswersOnlyWhenLetGo();
    CompletableFuture<Void> refreshing = CompletableFuture.runAsync(health::refresh);
    assertThat(asked.await(GUARD.toSeconds(), SECONDS)).isTrue();

    assertTimeoutPreemptively(GUARD, health::refresh);

    answer.countDown();
    refreshing.get(GUARD.toSeconds(), SECONDS);
    verify(methods, times(1)).authTest(anyConfigurator());
  }

  @Test
  void theRefreshAtStartIsHandedToTheBackgroundAndCallsNothingOnTheStartingThread()
      throws Exception {
    ManagedExecutor background = mock(ManagedExecutor.class);
    Runnable[] handedOver = new Runnable[1];
    doAnswer(
            call -> {
              handedOver[0] = call.getArgument(0);
              return null;
            })
        .when(background)
        .execute(any(Runnable.class));
    when(methods.authTest(anyConfigurator())).thenReturn(authTest(true, null));

    health.refreshAtStart(null, background);

    verifyNoInteractions(methods);
    handedOver[0].run();
    assertThat(webApi(health.call())).isEqualTo("reachable");
  }
}
