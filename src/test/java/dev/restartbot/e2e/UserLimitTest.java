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
import io.restassured.RestAssured;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The per-user limit through the real app: past the burst, a command or a click is refused with
 * "slow down" before any Slack or Kubernetes API call made on its behalf.
 */
@QuarkusTest
@TestProfile(EdgeLimitsProfile.class)
@WithKubernetesTestServer(crud = true)
@QuarkusTestResource(FakeSlackResource.class)
class UserLimitTest {

  @KubernetesTestServer KubernetesServer server;
  @Inject RequestStore store;

  private SlackFlowHarness flow;
  private FakeSlackApi slack;
  private KubeRequests kube;

  @BeforeEach
  void setUp() throws InterruptedException {
    flow = new SlackFlowHarness(server, store);
    slack = flow.slack;
    slack.reset();
    kube = new KubeRequests(server);
  }

  @Test
  void aCommandPastTheBurstIsToldToSlowDownAndReachesNeitherSlackNorTheCluster() throws Exception {
    String user = "U0LOOPCMD";
    flow.seedDeployment("batch-throttled");
    for (int i = 0; i < 3; i++) {
      assertThat(flow.command(user, OPS, "help").asString()).contains("/restart [kind/]name");
    }
    kube.reset();

    var ack = flow.command(user, OPS, "batch-throttled");

    assertThat(ack.statusCode()).isEqualTo(200);
    assertThat(ack.asString()).contains("Slow down").contains("Try again in 3600 seconds.");
    Thread.sleep(300); // a command taken would have asked Slack and the cluster by now
    assertThat(slack.calls()).filteredOn(c -> !c.method().equals("auth.test")).isEmpty();
    assertThat(kube.all()).noneMatch(r -> r.getPath().contains("batch-throttled"));
    assertThat(flow.requestsFor("batch-throttled")).isEmpty();
    assertThat(
            RestAssured.get("/q/metrics")
                .asString()
                .lines()
                .filter(l -> l.startsWith("restartbot_slack_throttled_total"))
                .filter(l -> l.contains("kind=\"command\""))
                .findFirst())
        .isPresent();
  }

  @Test
  void aClickPastTheBurstIsToldOnceToSlowDownAndLooksNobodyUp() throws Exception {
    String user = "U0LOOPCLICK";
    for (int i = 0; i < 3; i++) {
      click(user);
    }
    slack.awaitCall("chat.postEphemeral", c -> slack.calls("chat.postEphemeral").size() >= 3, WAIT);
    int lookUps = slack.count("users.info");

    click(user);
    click(user);
    click(user);

    FakeSlackApi.Call told =
        slack.awaitCall(
            "chat.postEphemeral", c -> c.params().get("text").contains("Slow down"), WAIT);
    assertThat(told.params()).containsEntry("user", user);
    Thread.sleep(300); // more answers, if any were coming, would have come by now
    assertThat(slack.count("users.info")).isEqualTo(lookUps);
    assertThat(slack.calls("chat.postEphemeral"))
        .filteredOn(c -> c.params().get("text").contains("Slow down"))
        .hasSize(1);
  }

  private void click(String user) {
    SlackRequests.post(
            SlackRequests.blockActionBody(
                user, OPS, "1.1", SlackApp.APPROVE, "nosuchrequest", slack.responseUrl("c")))
        .then()
        .statusCode(200);
  }
}
