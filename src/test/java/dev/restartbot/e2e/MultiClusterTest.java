package dev.restartbot.e2e;

import static dev.restartbot.e2e.SlackFlowHarness.LEAD;
import static dev.restartbot.e2e.SlackFlowHarness.OPS;
import static dev.restartbot.e2e.SlackFlowHarness.REQUESTER;
import static dev.restartbot.e2e.SlackFlowHarness.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.restartbot.restart.Outcome;
import dev.restartbot.restart.RequestState;
import dev.restartbot.restart.RequestStore;
import dev.restartbot.restart.RestartRequest;
import dev.restartbot.testing.ViewPayloads;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * One bot, two clusters, each a mock API server: a command without {@code --cluster} goes to the
 * default cluster only, {@code --cluster prod} to prod only, rules match clusters, and a cluster
 * that stops answering fails its own requests, naming it, while the other goes on and readiness
 * stays UP.
 */
@QuarkusTest
@TestProfile(TwoClustersProfile.class)
class MultiClusterTest {

  /** Long enough for a followed rollout's timeout and a last read of a cluster that is gone. */
  private static final Duration ROLLOUT_WAIT = Duration.ofSeconds(30);

  TwoClustersResource.Fleet fleet;
  @Inject RequestStore store;

  private SlackFlowHarness staging;
  private SlackFlowHarness prod;
  private final ObjectMapper json = new ObjectMapper();

  @BeforeEach
  void setUp() {
    fleet.clusters().values().forEach(c -> c.proxy().accept());
    staging = new SlackFlowHarness(fleet.get("staging").client(), store);
    prod = new SlackFlowHarness(fleet.get("prod").client(), store);
    staging.slack.reset();
  }

  @AfterEach
  void tearDown() {
    fleet.clusters().values().forEach(c -> c.proxy().accept());
  }

  private void seedBoth(String name) {
    staging.seedDeployment(name);
    prod.seedDeployment(name);
  }

  private RestartRequest approved(String text, String name) {
    RestartRequest request = staging.requested(REQUESTER, text, name);
    staging.click(LEAD, request, "restart_approve").then().statusCode(200);
    return request;
  }

  @Test
  void theModalAsksForTheClusterAndItsOptionsComeFromThePickedOne() throws Exception {
    prod.seedDeployment("payments-prod-pick");
    staging.command(REQUESTER, SlackFlowHarness.OPS, "").then().statusCode(200);

    JsonNode view =
        json.readTree(staging.slack.awaitCall("views.open", c -> true, WAIT).params().get("view"));
    JsonNode cluster = view.path("blocks").get(0);
    assertThat(cluster.path("block_id").asText()).isEqualTo("cluster");
    assertThat(cluster.path("element").path("initial_option").path("value").asText())
        .isEqualTo("staging");
    assertThat(cluster.path("element").path("options").findValuesAsText("value"))
        .containsExactlyInAnyOrder("staging", "prod");

    JsonNode options =
        await()
            .atMost(WAIT)
            .until(
                () ->
                    json.readTree(
                            ViewPayloads.post(
                                    ViewPayloads.suggestion(
                                        REQUESTER,
                                        ViewPayloads.view(
                                            SlackFlowHarness.OPS,
                                            java.util.Map.of(
                                                "cluster", "prod", "namespace", "test")),
                                        "prod-pick"))
                                .asString())
                        .path("options"),
                o -> o.size() > 0);
    assertThat(options.findValuesAsText("value"))
        .containsExactly("prod/test/deployment/payments-prod-pick");
  }

  @Test
  void aCommandWithoutClusterRestartsTheWorkloadInTheDefaultClusterOnly() {
    seedBoth("payments-home");

    RestartRequest request = approved("payments-home", "payments-home");

    await().atMost(WAIT).until(() -> staging.restartedAt("payments-home") != null);
    assertThat(request.targets()).allMatch(t -> t.cluster().equals("staging"));
    staging.awaitState(request.id(), RequestState.DONE);
    assertThat(prod.restartedAt("payments-home")).isNull();
    assertThat(staging.slack.threadNow(request.messageTs().orElseThrow()))
        .anyMatch(line -> line.contains("`deployment/payments-home` in `test` on `staging`"));
  }

  @Test
  void clusterFlagRestartsTheWorkloadInThatClusterOnlyAndTagsTheMetrics() {
    seedBoth("payments-away");

    RestartRequest request = approved("--cluster=prod payments-away", "payments-away");

    await().atMost(WAIT).until(() -> prod.restartedAt("payments-away") != null);
    staging.awaitState(request.id(), RequestState.DONE);
    assertThat(staging.restartedAt("payments-away")).isNull();
    assertThat(RestAssured.get("/q/metrics").asString())
        .containsPattern("restartbot_restarts_total\\{[^}]*cluster=\"prod\"");
  }

  @Test
  void aRuleForStagingOnlyRefusesTheSameWorkloadInProd() {
    seedBoth("staging-only-cache");

    String ack =
        staging
            .command(REQUESTER, OPS, "staging-only-cache --cluster prod")
            .then()
            .extract()
            .asString();

    assertThat(ack)
        .contains(
            "`deployment/staging-only-cache` in `test` on `prod` is not on the restart allowlist");
    assertThat(staging.requestsFor("staging-only-cache")).isEmpty();
    staging.assertSubmitted(
        staging.command(REQUESTER, OPS, "staging-only-cache --cluster staging"));
  }

  @Test
  void anUnknownClusterGetsTheUsageWithTheKnownNames() {
    seedBoth("payments-nowhere");

    String ack =
        staging
            .command(REQUESTER, OPS, "payments-nowhere --cluster qa")
            .then()
            .extract()
            .jsonPath()
            .getString("text");

    assertThat(ack)
        .contains("I don't know the cluster `qa`; the clusters are `prod`, `staging`.")
        .contains("*Usage*")
        .contains("[--cluster NAME]")
        .contains("(the default: `staging`)");
    assertThat(staging.requestsFor("payments-nowhere")).isEmpty();
  }

  @Test
  void aClusterThatStopsAnsweringRefusesOnlyItsOwnRequestsAndReadinessStaysUp() throws Exception {
    seedBoth("payments-split");
    fleet.get("prod").proxy().refuse();

    String refused =
        staging
            .command(REQUESTER, OPS, "payments-split --cluster prod")
            .then()
            .extract()
            .asString();
    assertThat(refused).contains("I cannot reach cluster prod: ");
    assertThat(staging.requestsFor("payments-split")).isEmpty();

    RestartRequest other = approved("payments-split", "payments-split");
    await().atMost(WAIT).until(() -> staging.restartedAt("payments-split") != null);
    staging.awaitState(other.id(), RequestState.DONE);

    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              JsonNode ready = readiness();
              assertThat(ready.path("status").asText()).isEqualTo("UP");
              JsonNode data = check(ready, "kubernetes-api").path("data");
              assertThat(data.path("prod").asText()).startsWith("unreachable: ");
              assertThat(data.path("staging").asText()).startsWith("reachable (");
              assertThat(RestAssured.get("/q/metrics").asString())
                  .containsPattern("restartbot_cluster_reachable\\{cluster=\"prod\",?\\} 0\\.0")
                  .containsPattern("restartbot_cluster_reachable\\{cluster=\"staging\",?\\} 1\\.0");
            });
  }

  @Test
  void aRolloutFollowedOnAClusterThatStopsAnsweringEndsAsAnErrorAfterTheTimeout() {
    seedBoth("payments-fade");
    RestartRequest request = approved("payments-fade --cluster prod", "payments-fade");
    await().atMost(WAIT).until(() -> prod.restartedAt("payments-fade") != null);
    // Stopped once the rollout is being followed: its watch is open on prod.
    await().atMost(WAIT).until(() -> watched(fleet.get("prod").server(), "payments-fade"));

    fleet.get("prod").proxy().refuse();

    RestartRequest done =
        await()
            .atMost(ROLLOUT_WAIT)
            .until(
                () -> store.find(request.id()).orElseThrow(), r -> r.state() == RequestState.DONE);
    Outcome outcome = done.results().get(0).outcome();
    assertThat(outcome).isInstanceOf(Outcome.Error.class);
    assertThat(((Outcome.Error) outcome).message())
        .startsWith("cannot reach cluster prod: ")
        .contains("after PT" + TwoClustersProfile.ROLLOUT_TIMEOUT.toUpperCase());
    assertThat(staging.restartedAt("payments-fade")).isNull();
  }

  /** Whether a watch of the named workload reached the server (requests are taken as read). */
  private static boolean watched(KubernetesMockServer server, String name)
      throws InterruptedException {
    RecordedRequest next;
    while ((next = server.takeRequest(1, TimeUnit.MILLISECONDS)) != null) {
      if (next.getPath().contains("watch=true") && next.getPath().contains(name)) {
        return true;
      }
    }
    return false;
  }

  private JsonNode readiness() throws Exception {
    return json.readTree(RestAssured.get("/q/health/ready").asString());
  }

  private static JsonNode check(JsonNode health, String name) {
    for (JsonNode check : health.path("checks")) {
      if (name.equals(check.path("name").asText())) {
        return check;
      }
    }
    throw new AssertionError("no check " + name + " in " + health);
  }
}
