package dev.restartbot.e2e;

import static dev.restartbot.e2e.SlackFlowHarness.OPS;
import static dev.restartbot.e2e.SlackFlowHarness.WAIT;
import static org.assertj.core.api.Assertions.assertThat;

import dev.restartbot.restart.RequestStore;
import dev.restartbot.slack.SlackApp;
import dev.restartbot.testing.FakeSlackApi;
import dev.restartbot.testing.FakeSlackResource;
import dev.restartbot.testing.SlackRequests;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What clicks and commands do with Slack after their ack waits on threads of its own: a slow Slack
 * never holds the worker pool that serves {@code /slack/events} (eight threads here).
 */
@QuarkusTest
@TestProfile(EdgeLimitsProfile.class)
@WithKubernetesTestServer(crud = true)
@QuarkusTestResource(FakeSlackResource.class)
class EdgeThreadsTest {

  @KubernetesTestServer KubernetesServer server;
  @Inject RequestStore store;

  private SlackFlowHarness flow;
  private FakeSlackApi slack;

  @BeforeEach
  void setUp() {
    flow = new SlackFlowHarness(server, store);
    slack = flow.slack;
    slack.reset();
  }

  @Test
  void clicksWaitingOnASlowSlackDoNotHoldUpTheAcksOfWhatComesNext() {
    // A fresh app's first requests load classes for seconds on a busy machine: not measured.
    click("U0WARM");
    slack.awaitCall("chat.postEphemeral", c -> "U0WARM".equals(c.params().get("user")), WAIT);
    int clicks = 16; // twice the worker pool
    slack.delayNext("users.info", clicks, Duration.ofSeconds(6));

    Duration slowest = Duration.ZERO;
    for (int i = 0; i < clicks; i++) {
      long started = System.nanoTime();
      click("U0SLOW" + i);
      slowest = max(slowest, Duration.ofNanos(System.nanoTime() - started));
    }
    long started = System.nanoTime();
    var ack = flow.command("U0PATIENT", OPS, "help");
    slowest = max(slowest, Duration.ofNanos(System.nanoTime() - started));

    // Sharing the worker pool, the ninth click would wait for the first look-ups: 6 s, twice
    // Slack's 3 s for an ack.
    assertThat(ack.asString()).contains("/restart [kind/]name");
    assertThat(slowest).isLessThan(Duration.ofSeconds(3));
    // Let the slow look-ups end, so that no other test of this app waits behind them.
    slack.awaitCall(
        "chat.postEphemeral",
        c -> slack.calls("chat.postEphemeral").size() >= clicks + 1,
        Duration.ofSeconds(40));
  }

  private void click(String user) {
    SlackRequests.post(
            SlackRequests.blockActionBody(
                user, OPS, "1.1", SlackApp.APPROVE, "nosuchrequest", slack.responseUrl("slow")))
        .then()
        .statusCode(200);
  }

  private static Duration max(Duration a, Duration b) {
    return a.compareTo(b) >= 0 ? a : b;
  }
}
