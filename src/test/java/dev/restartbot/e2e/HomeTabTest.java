package dev.restartbot.e2e;

import static dev.restartbot.e2e.SlackFlowHarness.LEAD;
import static dev.restartbot.e2e.SlackFlowHarness.OPS;
import static dev.restartbot.e2e.SlackFlowHarness.REQUESTER;
import static dev.restartbot.e2e.SlackFlowHarness.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.restartbot.restart.RequestState;
import dev.restartbot.restart.RequestStore;
import dev.restartbot.restart.RestartRequest;
import dev.restartbot.testing.FakeSlackApi;
import dev.restartbot.testing.FakeSlackResource;
import dev.restartbot.testing.ViewPayloads;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * App Home over HTTP: {@code app_home_opened} publishes the person's tab, a click there is the same
 * click as on the approval message, and a request that moves refreshes the tabs it concerns.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
@QuarkusTestResource(FakeSlackResource.class)
class HomeTabTest {

  @KubernetesTestServer KubernetesServer server;
  @Inject RequestStore store;

  private SlackFlowHarness flow;
  private FakeSlackApi slack;
  private final ObjectMapper json = new ObjectMapper();

  @BeforeEach
  void setUp() {
    flow = new SlackFlowHarness(server, store);
    slack = flow.slack;
    slack.reset();
  }

  @Test
  void openingTheHomeTabPublishesWhatWaitsForThisApprover() throws Exception {
    flow.seedDeployment("payments-home");
    RestartRequest request = flow.requested(REQUESTER, "payments-home", "payments-home");

    assertThat(ViewPayloads.postEvent(ViewPayloads.homeOpened(LEAD)).statusCode()).isEqualTo(200);

    JsonNode view = published(LEAD, request.id());
    assertThat(view.path("type").asText()).isEqualTo("home");
    JsonNode buttons = buttonsOf(view, request);
    assertThat(buttons.get(0).path("action_id").asText()).isEqualTo("restart_approve");
    assertThat(buttons.get(0).path("value").asText()).isEqualTo(request.id());
    assertThat(buttons.get(1).path("action_id").asText()).isEqualTo("restart_deny");
    assertThat(buttons.get(1).path("value").asText()).isEqualTo(request.id());
  }

  @Test
  void theRequesterSeesTheirRequestButNoButtonsToApproveIt() throws Exception {
    flow.seedDeployment("payments-mine");
    RestartRequest request = flow.requested(REQUESTER, "payments-mine", "payments-mine");

    ViewPayloads.postEvent(ViewPayloads.homeOpened(REQUESTER));

    JsonNode view = published(REQUESTER, request.id());
    assertThat(view.toString()).contains("pending").doesNotContain("home_" + request.id());
  }

  @Test
  void anApprovalFromTheHomeTabApprovesExactlyOnceAndUpdatesTheChannelMessage() throws Exception {
    flow.seedDeployment("payments-home-click");
    RestartRequest request =
        flow.requested(REQUESTER, "payments-home-click", "payments-home-click");
    ViewPayloads.postEvent(ViewPayloads.homeOpened(LEAD));
    published(LEAD, request.id());

    // Two clicks at once, as a double tap on a phone sends them.
    CompletableFuture<Integer> first =
        CompletableFuture.supplyAsync(
            () ->
                ViewPayloads.post(ViewPayloads.homeClick(LEAD, "restart_approve", request.id()))
                    .statusCode());
    int second =
        ViewPayloads.post(ViewPayloads.homeClick(LEAD, "restart_approve", request.id()))
            .statusCode();

    assertThat(first.get()).isEqualTo(200);
    assertThat(second).isEqualTo(200);
    RestartRequest done = flow.awaitState(request.id(), RequestState.DONE);
    assertThat(done.approvals()).hasSize(1);
    assertThat(flow.restartedAt("payments-home-click")).isNotNull();
    assertThat(
            flow.deployment("payments-home-click")
                .getSpec()
                .getTemplate()
                .getMetadata()
                .getAnnotations())
        .containsEntry("restart-bot/approved-by", LEAD);
    flow.awaitMessageUpdate(request, "Approved by");
    // The second click is told, in the request's channel, that it changed nothing.
    FakeSlackApi.Call refusal = flow.awaitEphemeral(LEAD);
    assertThat(refusal.params().get("channel")).isEqualTo(OPS);
    assertThat(refusal.params().get("text")).contains("already approved");
    // The approver's tab is published again, without the request waiting any more.
    await()
        .atMost(WAIT)
        .until(
            () ->
                slack.calls("views.publish").stream()
                    .filter(c -> LEAD.equals(c.params().get("user_id")))
                    .map(c -> c.params().get("view"))
                    .anyMatch(v -> !v.contains("home_" + request.id())));
  }

  @Test
  void aRefusedClickFromTheHomeTabIsToldInTheRequestsChannel() throws Exception {
    flow.seedDeployment("payments-home-own");
    RestartRequest request = flow.requested(REQUESTER, "payments-home-own", "payments-home-own");

    ViewPayloads.post(ViewPayloads.homeClick(REQUESTER, "restart_approve", request.id()));

    FakeSlackApi.Call refusal = flow.awaitEphemeral(REQUESTER);
    assertThat(refusal.params().get("channel")).isEqualTo(OPS);
    assertThat(refusal.params().get("text")).contains("someone else must approve it");
    assertThat(store.find(request.id()).orElseThrow().state()).isEqualTo(RequestState.PENDING);
  }

  @Test
  void aRefusalThatCannotReachTheChannelGoesToTheClickersDirectMessages() throws Exception {
    flow.seedDeployment("payments-home-dm");
    RestartRequest request = flow.requested(REQUESTER, "payments-home-dm", "payments-home-dm");
    slack.failWithError("chat.postEphemeral", OPS, "user_not_in_channel");

    ViewPayloads.post(ViewPayloads.homeClick("U0NOBODY", "restart_approve", request.id()));

    FakeSlackApi.Call dm =
        slack.awaitCall(
            "chat.postMessage", c -> "U0NOBODY".equals(c.params().get("channel")), WAIT);
    assertThat(dm.params().get("text")).contains(":no_entry:");
    assertThat(store.find(request.id()).orElseThrow().state()).isEqualTo(RequestState.PENDING);
  }

  /** The first tab published for {@code user} that names {@code requestId}. */
  private JsonNode published(String user, String requestId) throws Exception {
    FakeSlackApi.Call call =
        slack.awaitCall(
            "views.publish",
            c ->
                user.equals(c.params().get("user_id"))
                    && c.params().get("view").contains(requestId),
            WAIT);
    return json.readTree(call.params().get("view"));
  }

  private static JsonNode buttonsOf(JsonNode view, RestartRequest request) {
    for (JsonNode block : view.path("blocks")) {
      if (block.path("block_id").asText().equals("home_" + request.id())) {
        return block.path("elements");
      }
    }
    throw new AssertionError("no buttons for " + request.id() + " in " + view);
  }
}
