package dev.restartbot.e2e;

import static dev.restartbot.e2e.SlackFlowHarness.LEAD;
import static dev.restartbot.e2e.SlackFlowHarness.LEAD2;
import static dev.restartbot.e2e.SlackFlowHarness.REQUESTER;
import static dev.restartbot.e2e.SlackFlowHarness.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.restartbot.restart.Outcome;
import dev.restartbot.restart.RequestState;
import dev.restartbot.restart.RequestStore;
import dev.restartbot.restart.RestartRequest;
import dev.restartbot.testing.FakeSlackApi;
import dev.restartbot.testing.FakeSlackResource;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Abort button of a running request (DESIGN.md §7.5): the target under way is followed to its
 * end, the rest are skipped, and nothing more is patched. Rollouts are followed; the test plays the
 * Deployment controller.
 */
@QuarkusTest
@TestProfile(RolloutProfile.class)
@WithKubernetesTestServer(crud = true)
@QuarkusTestResource(FakeSlackResource.class)
class AbortFlowTest {

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
    kube.reset();
  }

  /** Three Deployments requested, approved, and the run on its second, the first rolled out. */
  private RestartRequest runningOnTheSecond(String prefix) throws Exception {
    List.of("a", "b", "c").forEach(x -> flow.seedDeployment(prefix + x));
    // On a busy machine the answer may come through the response URL: wait for the request.
    flow.command(REQUESTER, SlackFlowHarness.OPS, "%sa %sb %sc".formatted(prefix, prefix, prefix))
        .then()
        .statusCode(200);
    RestartRequest request = flow.posted(prefix + "a");
    flow.click(LEAD, request, "restart_approve").then().statusCode(200);

    await().atMost(WAIT).until(() -> flow.restartedAt(prefix + "a") != null);
    flow.controller(prefix + "a", true, 2, 2, 2);
    await().atMost(WAIT).until(() -> flow.restartedAt(prefix + "b") != null);
    // The running request's message carries the Abort button, with a confirm dialog.
    FakeSlackApi.Call running = flow.awaitMessageUpdate(request, "restarting");
    assertThat(running.params().get("blocks")).contains("restart_abort", "\"confirm\"");
    return store.find(request.id()).orElseThrow();
  }

  /** The bot's own patches of workloads (the test's status writes are not the bot's). */
  private List<RecordedRequest> botPatches() throws InterruptedException {
    return kube.allPatches().stream()
        .filter(r -> r.getPath().contains("/deployments/"))
        .filter(r -> r.getPath().contains("fieldManager=restart-bot"))
        .toList();
  }

  @Test
  void abortDuringTheSecondOfThreeFinishesItSkipsTheThirdAndPatchesNothingMore() throws Exception {
    RestartRequest request = runningOnTheSecond("payments-abort-");
    kube.reset();

    flow.click(LEAD2, request, "restart_abort").then().statusCode(200);

    await()
        .atMost(WAIT)
        .until(() -> store.find(request.id()).orElseThrow().abortedBy().isPresent());
    FakeSlackApi.Call aborting = flow.awaitMessageUpdate(request, "Abort requested by");
    assertThat(aborting.params().get("blocks")).doesNotContain("restart_abort");
    // The second target is never left half-restarted: its rollout is followed to its end.
    assertThat(store.find(request.id()).orElseThrow().state()).isEqualTo(RequestState.RUNNING);
    flow.controller("payments-abort-b", true, 2, 2, 2);

    RestartRequest done = flow.awaitState(request.id(), RequestState.DONE);
    assertThat(done.results())
        .extracting(r -> r.outcome().code())
        .containsExactly("rolled_out", "rolled_out", "skipped");
    Outcome.Skipped skipped = (Outcome.Skipped) done.results().get(2).outcome();
    assertThat(skipped.reason()).isInstanceOf(Outcome.SkipReason.Aborted.class);
    assertThat(((Outcome.SkipReason.Aborted) skipped.reason()).by().userId()).isEqualTo(LEAD2);
    assertThat(done.abortedBy().orElseThrow().userId()).isEqualTo(LEAD2);
    assertThat(flow.restartedAt("payments-abort-c")).isNull();
    assertThat(botPatches()).isEmpty();
    assertThat(kube.patches("deployments", "payments-abort-c")).isEmpty();

    String ts = request.messageTs().orElseThrow();
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(String.join("\n", slack.threadNow(ts)))
                    .contains(
                        "`deployment/payments-abort-c` in `test` skipped: aborted by <@U0LEAD2>")
                    .contains("Aborted by <@U0LEAD2>"));
    FakeSlackApi.Call closed = flow.awaitMessageUpdate(request, "aborted by <@U0LEAD2>");
    assertThat(closed.params().getOrDefault("blocks", "")).doesNotContain("restart_abort");
  }

  @Test
  void someoneWhoMayNotApproveCannotAbortAndTheRunGoesOn() throws Exception {
    RestartRequest request = runningOnTheSecond("payments-noabort-");

    flow.click("U0STRANGER", request, "restart_abort").then().statusCode(200);

    assertThat(flow.awaitEphemeral("U0STRANGER").params().get("text"))
        .contains("Only the requester or an approver of this request can abort it");
    assertThat(store.find(request.id()).orElseThrow().abortedBy()).isEmpty();
    flow.controller("payments-noabort-b", true, 2, 2, 2);
    await().atMost(WAIT).until(() -> flow.restartedAt("payments-noabort-c") != null);
    flow.controller("payments-noabort-c", true, 2, 2, 2);
    RestartRequest done = flow.awaitState(request.id(), RequestState.DONE);
    assertThat(done.results()).allMatch(r -> r.outcome().succeeded());
  }

  @Test
  void theRequesterMayAbortAndAFinishedRequestCannotBeAborted() throws Exception {
    RestartRequest request = runningOnTheSecond("payments-selfabort-");

    flow.click(REQUESTER, request, "restart_abort").then().statusCode(200);
    await()
        .atMost(WAIT)
        .until(() -> store.find(request.id()).orElseThrow().abortedBy().isPresent());
    flow.controller("payments-selfabort-b", true, 2, 2, 2);
    RestartRequest done = flow.awaitState(request.id(), RequestState.DONE);
    assertThat(done.abortedBy().orElseThrow().userId()).isEqualTo(REQUESTER);
    assertThat(flow.restartedAt("payments-selfabort-c")).isNull();

    flow.click(LEAD, request, "restart_abort").then().statusCode(200);
    assertThat(flow.awaitEphemeral(LEAD).params().get("text"))
        .contains("This request is not running (it is done)");
  }
}
