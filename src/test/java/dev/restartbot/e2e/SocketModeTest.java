package dev.restartbot.e2e;

import static dev.restartbot.e2e.SlackFlowHarness.LEAD;
import static dev.restartbot.e2e.SlackFlowHarness.OPS;
import static dev.restartbot.e2e.SlackFlowHarness.REQUESTER;
import static dev.restartbot.e2e.SlackFlowHarness.WAIT;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.restartbot.restart.RequestState;
import dev.restartbot.restart.RequestStore;
import dev.restartbot.restart.RestartRequest;
import dev.restartbot.testing.FakeSlackApi;
import dev.restartbot.testing.FakeSlackResource;
import dev.restartbot.testing.FakeSocketModeServer;
import dev.restartbot.testing.SlackRequests;
import dev.restartbot.testing.ViewPayloads;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The same app over Socket Mode: a fake Slack hands out a ws:// URL from {@code
 * apps.connections.open}, and a fake Socket Mode server delivers the envelopes.
 */
@QuarkusTest
@TestProfile(SocketModeProfile.class)
@WithKubernetesTestServer(crud = true)
@QuarkusTestResource(FakeSlackResource.class)
class SocketModeTest {

  @KubernetesTestServer KubernetesServer server;
  @Inject RequestStore store;

  private final ObjectMapper json = new ObjectMapper();
  private SlackFlowHarness flow;
  private FakeSlackApi slack;
  private final FakeSocketModeServer socket = FakeSocketModeServer.get();

  @BeforeEach
  void setUp() {
    flow = new SlackFlowHarness(server, store);
    slack = flow.slack;
    slack.reset();
  }

  /** A form body as Slack sends it over HTTP, as the JSON object Socket Mode carries. */
  private ObjectNode formAsJson(String form) {
    ObjectNode node = json.createObjectNode();
    for (String pair : form.split("&")) {
      int eq = pair.indexOf('=');
      node.put(
          URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
          URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
    }
    return node;
  }

  private String envelope(String id, String type, JsonNode payload) {
    ObjectNode e = json.createObjectNode();
    e.put("envelope_id", id);
    e.put("type", type);
    e.set("payload", payload);
    e.put("accepts_response_payload", type.equals("slash_commands"));
    return e.toString();
  }

  @Test
  void slashCommandAndApprovalOverSocketModeAreAckedAndRestart() throws Exception {
    flow.seedDeployment("payments-socket");

    socket.deliver(
        envelope(
            "env-cmd-1",
            "slash_commands",
            formAsJson(
                SlackRequests.slashCommandBody(
                    REQUESTER, OPS, "payments-socket", slack.responseUrl("socket")))));

    JsonNode ack = socket.awaitAck("env-cmd-1", WAIT);
    assertThat(ack.path("payload").path("text").asText()).contains("submitted");
    RestartRequest request = flow.posted("payments-socket");

    String action =
        SlackRequests.blockActionBody(
            LEAD,
            OPS,
            request.messageTs().orElseThrow(),
            "restart_approve",
            request.id(),
            slack.responseUrl("socket-click"));
    JsonNode payload =
        json.readTree(
            URLDecoder.decode(action.substring("payload=".length()), StandardCharsets.UTF_8));
    socket.deliver(envelope("env-click-1", "interactive", payload));

    socket.awaitAck("env-click-1", WAIT);
    flow.awaitState(request.id(), RequestState.DONE);
    await().atMost(WAIT).until(() -> flow.restartedAt("payments-socket") != null);
  }

  @Test
  void theModalOpensLoadsItsOptionsAndFilesARequestOverSocketMode() throws Exception {
    flow.seedDeployment("payments-socket-modal");
    ObjectNode command =
        formAsJson(
            SlackRequests.slashCommandBody(REQUESTER, OPS, "", slack.responseUrl("socket-modal")));
    String trigger = command.path("trigger_id").asText();

    socket.deliver(envelope("env-modal-1", "slash_commands", command));

    socket.awaitAck("env-modal-1", WAIT);
    slack.awaitCall("views.open", c -> trigger.equals(c.params().get("trigger_id")), WAIT);

    ObjectNode view = ViewPayloads.view(OPS, Map.of("namespace", "test"));
    JsonNode options =
        await()
            .atMost(WAIT)
            .until(
                () -> {
                  String id = "env-modal-options-" + System.nanoTime();
                  socket.deliver(
                      answered(
                          id,
                          "interactive",
                          ViewPayloads.suggestion(REQUESTER, view, "socket-modal")));
                  return socket.awaitAck(id, WAIT).path("payload").path("options");
                },
                o -> o.size() > 0);
    assertThat(options.get(0).path("value").asText())
        .isEqualTo("default/test/deployment/payments-socket-modal");

    socket.deliver(
        answered(
            "env-modal-submit",
            "interactive",
            ViewPayloads.submission(
                REQUESTER,
                ViewPayloads.view(
                    OPS,
                    Map.of(
                        "namespace",
                        "test",
                        "targets",
                        List.of("default/test/deployment/payments-socket-modal"))))));

    JsonNode ack = socket.awaitAck("env-modal-submit", WAIT);
    assertThat(ack.path("payload").path("response_action").asText()).isEqualTo("update");
    assertThat(flow.posted("payments-socket-modal").channelId()).isEqualTo(OPS);
  }

  @Test
  void appHomeOpenedPublishesTheHomeTabOverSocketMode() throws Exception {
    flow.seedDeployment("payments-socket-home");
    socket.deliver(
        envelope(
            "env-home-cmd",
            "slash_commands",
            formAsJson(
                SlackRequests.slashCommandBody(
                    REQUESTER, OPS, "payments-socket-home", slack.responseUrl("socket-home")))));
    RestartRequest request = flow.posted("payments-socket-home");

    socket.deliver(envelope("env-home-1", "events_api", ViewPayloads.homeOpened(LEAD)));

    socket.awaitAck("env-home-1", WAIT);
    FakeSlackApi.Call publish =
        slack.awaitCall(
            "views.publish",
            c ->
                LEAD.equals(c.params().get("user_id"))
                    && c.params().get("view").contains(request.id()),
            WAIT);
    assertThat(publish.params().get("view")).contains("restart_approve");
  }

  /** An envelope whose ack may carry an answer, as Slack sends interactivity. */
  private String answered(String id, String type, JsonNode payload) {
    ObjectNode e = json.createObjectNode();
    e.put("envelope_id", id);
    e.put("type", type);
    e.set("payload", payload);
    e.put("accepts_response_payload", true);
    return e.toString();
  }

  @Test
  void httpPortStillServesHealthShowingTheSocket() {
    String health = given().get("/q/health/ready").then().statusCode(200).extract().asString();

    assertThat(health).contains("socket-mode").containsPattern("\"socket\"\\s*:\\s*\"connected\"");
  }

  @Test
  void slackEventsAnswers404OverSocketModeEvenToASignedCommandAndDoesNothing() throws Exception {
    flow.seedDeployment("batch-socket-http");

    var answer =
        SlackRequests.post(
            SlackRequests.slashCommandBody(
                REQUESTER, OPS, "batch-socket-http", slack.responseUrl("http")));

    assertThat(answer.statusCode()).isEqualTo(404);
    Thread.sleep(300); // a command taken would have been stored by now
    assertThat(flow.requestsFor("batch-socket-http")).isEmpty();
    assertThat(slack.calls()).filteredOn(c -> !c.method().equals("auth.test")).isEmpty();
  }
}
