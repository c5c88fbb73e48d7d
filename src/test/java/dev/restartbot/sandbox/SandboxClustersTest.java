package dev.restartbot.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.restartbot.cluster.Clusters;
import dev.restartbot.restart.RequestStore;
import dev.restartbot.restart.RestartRequest;
import dev.restartbot.testing.FakeSlackApi;
import dev.restartbot.testing.SlackRequests;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The sandbox serves two simulated clusters with the same workloads, whatever {@code
 * restart.clusters} says (the profile names a kubeconfig that does not exist): {@code --cluster}
 * decides which one a request is for, and the sandbox's rules admit platform in staging only.
 */
@QuarkusTest
@TestProfile(SandboxProfile.class)
class SandboxClustersTest {

  @Inject Clusters clusters;
  @Inject SandboxSlack slack;
  @Inject RequestStore store;

  private String command(String text) {
    String body =
        SlackRequests.slashCommandBody(
                "U0SBALICE",
                SandboxWorkspace.CHANNEL_ID,
                SandboxWorkspace.CHANNEL_NAME,
                text,
                slack.responseUrl("U0SBALICE"))
            .replace("team_id=" + FakeSlackApi.TEAM_ID, "team_id=" + SandboxWorkspace.TEAM_ID);
    long now = Instant.now().getEpochSecond();
    return SlackRequests.post(body, now, SlackRequests.sign(slack.signingSecret(), now, body))
        .then()
        .statusCode(200)
        .extract()
        .jsonPath()
        .getString("text");
  }

  @Test
  void theSandboxServesStagingAndProdWithTheSameWorkloadsAndIgnoresTheConfiguredClusters() {
    assertThat(clusters.names()).containsExactly("staging", "prod");
    assertThat(clusters.defaultCluster()).isEqualTo("staging");

    List<String> staging =
        RestAssured.get("/sandbox/api/cluster")
            .jsonPath()
            .getList("findAll { it.cluster == 'staging' }.name");
    List<String> prod =
        RestAssured.get("/sandbox/api/cluster")
            .jsonPath()
            .getList("findAll { it.cluster == 'prod' }.name");
    assertThat(staging).isNotEmpty().containsExactlyInAnyOrderElementsOf(prod);
  }

  @Test
  void clusterFlagPutsTheRequestInProdAndPlatformIsForStagingOnly() {
    assertThat(command("payments-worker --cluster prod --reason \"try prod\""))
        .contains("submitted");
    RestartRequest request =
        await()
            .atMost(Duration.ofSeconds(10))
            .until(
                () ->
                    store
                        .list(
                            r ->
                                r.targets().stream()
                                    .anyMatch(t -> t.name().equals("payments-worker")))
                        .stream()
                        .findFirst()
                        .orElse(null),
                r -> r != null);
    assertThat(request.targets()).allMatch(t -> t.cluster().equals("prod"));

    assertThat(command("ds/log-agent -n platform --cluster prod"))
        .contains("`daemonset/log-agent` in `platform` on `prod` is not on the restart allowlist");
  }

  @Test
  void aLabelSelectorRestartsTheSandboxsWebTierInProd() {
    assertThat(command("-l tier=web --cluster prod --reason \"new certificates\""))
        .contains("submitted")
        .contains("`deployment/checkout` in `payments`, `deployment/payments-api` in `payments`")
        .contains("on `prod`");
  }
}
