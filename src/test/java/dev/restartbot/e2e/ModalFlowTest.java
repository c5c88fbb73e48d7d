package dev.restartbot.e2e;

import static dev.restartbot.e2e.SlackFlowHarness.OPS;
import static dev.restartbot.e2e.SlackFlowHarness.REQUESTER;
import static dev.restartbot.e2e.SlackFlowHarness.WAIT;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.restartbot.restart.RequestState;
import dev.restartbot.restart.RequestStore;
import dev.restartbot.restart.RestartRequest;
import dev.restartbot.testing.FakeSlackApi;
import dev.restartbot.testing.FakeSlackResource;
import dev.restartbot.testing.SlackRequests;
import dev.restartbot.testing.ViewPayloads;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The restart modal and the global shortcut over HTTP: {@code /restart} alone opens it, its
 * workload options are the allowlist joined with the cluster, and a submission files the same
 * request as the command, or answers on the field.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
@QuarkusTestResource(FakeSlackResource.class)
class ModalFlowTest {

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
  void restartWithNothingAfterItOpensTheModalWithTheCommandsTriggerId() throws Exception {
    String body =
        SlackRequests.slashCommandBody(REQUESTER, OPS, "", slack.responseUrl("modal-cmd"));
    String trigger = formField(body, "trigger_id");

    Response ack = SlackRequests.post(body);

    assertThat(ack.statusCode()).isEqualTo(200);
    FakeSlackApi.Call open =
        slack.awaitCall("views.open", c -> trigger.equals(c.params().get("trigger_id")), WAIT);
    JsonNode view = json.readTree(open.params().get("view"));
    assertThat(view.path("callback_id").asText()).isEqualTo("restart_modal");
    assertThat(view.path("private_metadata").asText()).isEqualTo(OPS);
    assertThat(blockIds(view)).containsExactly("namespace", "targets", "reason");
    JsonNode targets = block(view, "targets").path("element");
    assertThat(targets.path("type").asText()).isEqualTo("multi_external_select");
    assertThat(targets.path("action_id").asText()).isEqualTo("targets");
    assertThat(
            block(view, "namespace").path("element").path("initial_option").path("value").asText())
        .isEqualTo("test");
    assertThat(block(view, "reason").path("optional").asBoolean()).isTrue();
  }

  @Test
  void restartHelpStaysTextAndOpensNoModal() throws Exception {
    Response ack = flow.command(REQUESTER, OPS, "help");

    assertThat(ack.asString()).contains("/restart");
    Thread.sleep(300); // a modal would have been opened by now
    assertThat(slack.calls("views.open")).isEmpty();
  }

  @Test
  void theWorkloadOptionsAreOnlyAdmittedWorkloadsThatExist() throws Exception {
    flow.seedDeployment("payments-pick-a");
    flow.seedDeployment("payments-pick-b");
    flow.seedDeployment("unlisted-pick");

    JsonNode options = suggest(REQUESTER, Map.of("namespace", "test"), "pick").path("options");

    assertThat(values(options))
        .containsExactly(
            "default/test/deployment/payments-pick-a", "default/test/deployment/payments-pick-b");
    assertThat(options.get(0).path("text").path("text").asText())
        .isEqualTo("deployment/payments-pick-a");
    // The typed text filters; someone no rule admits for payments-* gets none of them.
    assertThat(values(suggest(REQUESTER, Map.of("namespace", "test"), "pick-b").path("options")))
        .containsExactly("default/test/deployment/payments-pick-b");
    assertThat(values(suggest("U0NOBODY", Map.of("namespace", "test"), "pick").path("options")))
        .isEmpty();
  }

  @Test
  void aSubmissionFilesTheSameRequestAsTheCommandInTheCommandsChannel() throws Exception {
    flow.seedDeployment("payments-modal");

    Response answer =
        ViewPayloads.post(
            ViewPayloads.submission(
                REQUESTER,
                ViewPayloads.view(
                    OPS,
                    Map.of(
                        "namespace", "test",
                        "targets", List.of("default/test/deployment/payments-modal"),
                        "reason", "leaking memory"))));

    assertThat(answer.statusCode()).isEqualTo(200);
    JsonNode ack = json.readTree(answer.asString());
    assertThat(ack.path("response_action").asText()).isEqualTo("update");
    assertThat(ack.path("view").toString()).contains("submitted");
    RestartRequest request = flow.posted("payments-modal");
    assertThat(request.channelId()).isEqualTo(OPS);
    assertThat(request.requesterId()).isEqualTo(REQUESTER);
    assertThat(request.reason()).contains("leaking memory");
    assertThat(request.state()).isEqualTo(RequestState.PENDING);
    FakeSlackApi.Call approval =
        slack.awaitCall(
            "chat.postMessage",
            c -> OPS.equals(c.params().get("channel")) && c.params().containsKey("blocks"),
            WAIT);
    assertThat(approval.params().get("blocks")).contains("restart_approve", request.id());
  }

  @Test
  void aRefusalComesBackOnTheWorkloadsFieldAndFilesNothing() throws Exception {
    flow.seedDeployment("payments-twice");
    Map<String, Object> fields =
        Map.of("namespace", "test", "targets", List.of("default/test/deployment/payments-twice"));
    ViewPayloads.post(ViewPayloads.submission(REQUESTER, ViewPayloads.view(OPS, fields)));
    flow.posted("payments-twice");

    JsonNode busy =
        json.readTree(
            ViewPayloads.post(ViewPayloads.submission(REQUESTER, ViewPayloads.view(OPS, fields)))
                .asString());
    JsonNode missing =
        json.readTree(
            ViewPayloads.post(
                    ViewPayloads.submission(
                        REQUESTER,
                        ViewPayloads.view(
                            OPS,
                            Map.of(
                                "namespace",
                                "test",
                                "targets",
                                List.of("default/test/deployment/payments-nowhere")))))
                .asString());

    assertThat(busy.path("response_action").asText()).isEqualTo("errors");
    assertThat(busy.path("errors").path("targets").asText())
        .contains("already has a pending request");
    assertThat(missing.path("response_action").asText()).isEqualTo("errors");
    assertThat(missing.path("errors").path("targets").asText())
        .isEqualTo("`deployment/payments-nowhere` in `test` was not found.");
    assertThat(flow.requestsFor("payments-twice")).hasSize(1);
    assertThat(flow.requestsFor("payments-nowhere")).isEmpty();
  }

  @Test
  void aSubmissionWhoseChecksOutlastTheAckBudgetIsAnsweredInTheModalOnceTheyEnd() throws Exception {
    flow.seedDeployment("payments-slow");
    // Slack answers the requester's look-up after the bot's 2 s ack budget.
    slack.delayNext("users.info", 1, java.time.Duration.ofMillis(2_500));

    JsonNode ack =
        json.readTree(
            ViewPayloads.post(
                    ViewPayloads.submission(
                        REQUESTER,
                        ViewPayloads.view(
                            OPS,
                            Map.of(
                                "namespace",
                                "test",
                                "targets",
                                List.of("default/test/deployment/payments-slow")))))
                .asString());

    assertThat(ack.path("response_action").asText()).isEqualTo("update");
    assertThat(ack.path("view").toString()).contains("Checking your request");
    FakeSlackApi.Call update =
        slack.awaitCall("views.update", c -> c.params().get("view").contains("submitted"), WAIT);
    assertThat(update.params().get("view_id")).startsWith("V");
    assertThat(flow.posted("payments-slow").channelId()).isEqualTo(OPS);
  }

  @Test
  void aForgedOptionValueIsRefusedOnTheField() throws Exception {
    JsonNode answer =
        json.readTree(
            ViewPayloads.post(
                    ViewPayloads.submission(
                        REQUESTER,
                        ViewPayloads.view(
                            OPS,
                            Map.of(
                                "namespace",
                                "test",
                                "targets",
                                List.of("default/test/deployment/Bad_Name\"}")))))
                .asString());

    assertThat(answer.path("response_action").asText()).isEqualTo("errors");
    assertThat(answer.path("errors").path("targets").asText()).contains("pick it from the list");
  }

  @Test
  void theShortcutOpensTheModalWithAChannelPicker() throws Exception {
    Response ack = ViewPayloads.post(ViewPayloads.shortcut(REQUESTER, "3.42.shortcut"));

    assertThat(ack.statusCode()).isEqualTo(200);
    FakeSlackApi.Call open =
        slack.awaitCall(
            "views.open", c -> "3.42.shortcut".equals(c.params().get("trigger_id")), WAIT);
    JsonNode view = json.readTree(open.params().get("view"));
    assertThat(blockIds(view)).containsExactly("channel", "namespace", "targets", "reason");
    assertThat(block(view, "channel").path("element").path("type").asText())
        .isEqualTo("conversations_select");
    assertThat(view.path("private_metadata").asText()).isEmpty();
  }

  @Test
  void fromTheShortcutTheRequestGoesToThePickedChannelIfTheBotIsInIt() throws Exception {
    flow.seedDeployment("payments-picked");
    slack.failWithError("conversations.info", "C0ELSEWHERE", "channel_not_found");
    Map<String, Object> fields = new java.util.HashMap<>();
    fields.put("namespace", "test");
    fields.put("targets", List.of("default/test/deployment/payments-picked"));
    fields.put("channel", "C0ELSEWHERE");

    JsonNode outside =
        json.readTree(
            ViewPayloads.post(ViewPayloads.submission(REQUESTER, ViewPayloads.view("", fields)))
                .asString());
    fields.put("channel", OPS);
    JsonNode inside =
        json.readTree(
            ViewPayloads.post(ViewPayloads.submission(REQUESTER, ViewPayloads.view("", fields)))
                .asString());

    assertThat(outside.path("response_action").asText()).isEqualTo("errors");
    assertThat(outside.path("errors").path("channel").asText()).contains("not in this channel");
    assertThat(inside.path("response_action").asText()).isEqualTo("update");
    assertThat(flow.posted("payments-picked").channelId()).isEqualTo(OPS);
  }

  private JsonNode suggest(String user, Map<String, Object> fields, String typed) throws Exception {
    Response answer =
        ViewPayloads.post(ViewPayloads.suggestion(user, ViewPayloads.view(OPS, fields), typed));
    assertThat(answer.statusCode()).isEqualTo(200);
    return json.readTree(answer.asString());
  }

  private static List<String> values(JsonNode options) {
    List<String> values = new ArrayList<>();
    options.forEach(o -> values.add(o.path("value").asText()));
    return values;
  }

  private static List<String> blockIds(JsonNode view) {
    List<String> ids = new ArrayList<>();
    view.path("blocks").forEach(b -> ids.add(b.path("block_id").asText()));
    return ids;
  }

  private static JsonNode block(JsonNode view, String id) {
    for (JsonNode b : view.path("blocks")) {
      if (b.path("block_id").asText().equals(id)) {
        return b;
      }
    }
    throw new AssertionError("no block " + id + " in " + view);
  }

  private static String formField(String form, String name) {
    for (String pair : form.split("&")) {
      if (pair.startsWith(name + "=")) {
        return URLDecoder.decode(pair.substring(name.length() + 1), StandardCharsets.UTF_8);
      }
    }
    throw new AssertionError("no " + name + " in " + form);
  }
}
