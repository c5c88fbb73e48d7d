package dev.restartbot.sandbox;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.restartbot.testing.FakeSlackApi;
import dev.restartbot.testing.SlackRequests;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The page's side of the sandbox's views: it asks for trigger ids, as Slack hands them out, reads
 * the modal and Home tab the bot left for a person, and passes on the bot's answers to a submission
 * and to an options load, which the sandbox applies, or refuses, as Slack does. Bad input gets a
 * 4xx and changes nothing.
 */
@QuarkusTest
@TestProfile(SandboxProfile.class)
class SandboxViewsApiTest {

  private static final String ALICE = SandboxWorkspace.REQUESTER.id();
  private static final String BOB = SandboxWorkspace.APPROVER.id();

  @Inject SandboxSlack slack;
  @Inject SandboxViews views;

  @Test
  void aModalOpensWithATriggerTheSandboxHandedOutAndIsTheUsersAlone() {
    restart(ALICE, trigger(ALICE));

    JsonPath modal = await().atMost(Duration.ofSeconds(20)).until(() -> views(ALICE), this::open);
    assertThat(modal.getString("modal.callback_id")).isEqualTo("restart_modal");
    assertThat(modal.getString("modal.private_metadata")).isEqualTo(SandboxWorkspace.CHANNEL_ID);
    assertThat(modal.getList("modal.blocks.block_id"))
        .containsExactly("cluster", "namespace", "targets", "reason");
    assertThat(views(BOB).getString("modal")).isNull();
  }

  @Test
  void errorsKeepTheModalOpenAndAnEmptyAnswerClosesIt() {
    String id = openModal(ALICE);
    assertThat(answer(ALICE, id, Map.of("response_action", "errors", "errors", errors("x"))))
        .isEqualTo("ERRORS");
    assertThat(views(ALICE).getString("modal.id")).isEqualTo(id);

    assertThat(answer(ALICE, id, Map.of())).isEqualTo("CLOSED");
    assertThat(views(ALICE).getString("modal")).isNull();
  }

  @Test
  void anUpdateReplacesTheModalUnderItsId() {
    String id = openModal(ALICE);
    Map<String, Object> notice =
        Map.of(
            "type", "modal",
            "title", Map.of("type", "plain_text", "text", "Restart"),
            "blocks",
                List.of(
                    Map.of(
                        "type", "section", "text", Map.of("type", "mrkdwn", "text", "submitted"))));
    assertThat(answer(ALICE, id, Map.of("response_action", "update", "view", notice)))
        .isEqualTo("REPLACED");
    JsonPath now = views(ALICE);
    assertThat(now.getString("modal.id")).isEqualTo(id);
    assertThat(now.getString("modal.blocks[0].text.text")).isEqualTo("submitted");
  }

  @Test
  void answersSlackWouldRefuseAreRefusedAndChangeNothing() {
    String id = openModal(ALICE);
    long before = views.version();
    JsonPath verdict =
        given()
            .contentType("application/json")
            .body(
                Map.of(
                    "user",
                    ALICE,
                    "answer",
                    Map.of("response_action", "errors", "errors", Map.of("nowhere", "x"))))
            .post("/sandbox/api/views/" + id + "/answer")
            .then()
            .statusCode(200)
            .extract()
            .jsonPath();
    assertThat(verdict.getString("applied")).isNull();
    assertThat(verdict.getList("refused", String.class))
        .containsExactly("no input block has this block_id [json-pointer:/errors/nowhere]");

    verdict =
        given()
            .contentType("application/json")
            .body(
                Map.of(
                    "user",
                    ALICE,
                    "answer",
                    Map.of(
                        "response_action",
                        "update",
                        "view",
                        Map.of(
                            "type",
                            "modal",
                            "title",
                            Map.of("type", "plain_text", "text", "A title too long for Slack")))))
            .post("/sandbox/api/views/" + id + "/answer")
            .then()
            .statusCode(200)
            .extract()
            .jsonPath();
    assertThat(verdict.getList("refused", String.class))
        .containsExactly("must be less than 25 characters [json-pointer:/view/title/text]");
    assertThat(views.version()).isEqualTo(before);
    assertThat(views(ALICE).getString("modal.callback_id")).isEqualTo("restart_modal");
  }

  @Test
  void badInputGetsAClear4xxAndChangesNothing() {
    String id = openModal(ALICE);
    long before = views.version();

    given()
        .contentType("application/json")
        .body(Map.of("user", "U0NOBODY"))
        .post("/sandbox/api/triggers")
        .then()
        .statusCode(400);
    given().get("/sandbox/api/views?user=U0NOBODY").then().statusCode(400);
    given()
        .contentType("application/json")
        .body(Map.of("user", ALICE, "answer", "not an object"))
        .post("/sandbox/api/views/" + id + "/answer")
        .then()
        .statusCode(400);
    given()
        .contentType("application/json")
        .body(Map.of("user", "U0NOBODY", "answer", Map.of()))
        .post("/sandbox/api/views/" + id + "/answer")
        .then()
        .statusCode(400);
    // Bob cannot answer, or close, Alice's modal.
    given()
        .contentType("application/json")
        .body(Map.of("user", BOB, "answer", Map.of()))
        .post("/sandbox/api/views/" + id + "/answer")
        .then()
        .statusCode(404);
    given().delete("/sandbox/api/views/" + id + "?user=" + BOB).then().statusCode(404);
    given().delete("/sandbox/api/views/VNOTOPEN?user=" + ALICE).then().statusCode(404);
    given()
        .contentType("application/json")
        .body("[]")
        .post("/sandbox/api/options")
        .then()
        .statusCode(400);

    assertThat(views.version()).isEqualTo(before);
    assertThat(views(ALICE).getString("modal.id")).isEqualTo(id);

    given().delete("/sandbox/api/views/" + id + "?user=" + ALICE).then().statusCode(204);
    assertThat(views(ALICE).getString("modal")).isNull();
  }

  @Test
  void optionsBeyondSlacksLimitsAreRefused() {
    List<Map<String, Object>> options =
        IntStream.range(0, 101)
            .mapToObj(i -> option("deployment/w" + i, "staging/payments/deployment/w" + i))
            .toList();
    assertThat(optionsVerdict(Map.of("options", options)))
        .containsExactly("must be less than 101 items [json-pointer:/options]");
    assertThat(optionsVerdict(Map.of("options", options.subList(0, 100)))).isEmpty();
    assertThat(optionsVerdict(Map.of("options", List.of(option("x".repeat(76), "v")))))
        .containsExactly("must be less than 76 characters [json-pointer:/options/0/text/text]");
  }

  private static Map<String, Object> option(String text, String value) {
    return Map.of("text", Map.of("type", "plain_text", "text", text), "value", value);
  }

  private static List<String> optionsVerdict(Map<String, Object> answer) {
    return given()
        .contentType("application/json")
        .body(answer)
        .post("/sandbox/api/options")
        .then()
        .statusCode(200)
        .extract()
        .jsonPath()
        .getList("refused", String.class);
  }

  private static Map<String, String> errors(String text) {
    return Map.of("targets", text);
  }

  private boolean open(JsonPath views) {
    return views.getString("modal.id") != null;
  }

  /** Opens the restart modal for {@code user} through the bot, as {@code /restart} does. */
  private String openModal(String user) {
    closeAll(user);
    restart(user, trigger(user));
    return await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> views(user), this::open)
        .getString("modal.id");
  }

  private void closeAll(String user) {
    for (String id = views(user).getString("modal.id");
        id != null;
        id = views(user).getString("modal.id")) {
      given().delete("/sandbox/api/views/" + id + "?user=" + user).then().statusCode(204);
    }
  }

  private static String answer(String user, String id, Map<String, Object> answer) {
    return post(
        "/sandbox/api/views/" + id + "/answer", Map.of("user", user, "answer", answer), "applied");
  }

  private static String trigger(String user) {
    return post("/sandbox/api/triggers", Map.of("user", user), "triggerId");
  }

  /** Posts {@code body} as JSON to {@code path}, expects a 200, and reads {@code field}. */
  private static String post(String path, Map<String, Object> body, String field) {
    return given()
        .contentType("application/json")
        .body(body)
        .post(path)
        .then()
        .statusCode(200)
        .extract()
        .jsonPath()
        .getString(field);
  }

  private static JsonPath views(String user) {
    return given()
        .get("/sandbox/api/views?user=" + user)
        .then()
        .statusCode(200)
        .extract()
        .jsonPath();
  }

  /** {@code /restart} with nothing after it, typed by {@code user}, carrying {@code trigger}. */
  private void restart(String user, String trigger) {
    String body =
        SlackRequests.slashCommandBody(
                user,
                SandboxWorkspace.CHANNEL_ID,
                SandboxWorkspace.CHANNEL_NAME,
                "",
                slack.responseUrl(user))
            .replace("team_id=" + FakeSlackApi.TEAM_ID, "team_id=" + SandboxWorkspace.TEAM_ID)
            .replaceAll(
                "trigger_id=[^&]*",
                "trigger_id=" + URLEncoder.encode(trigger, StandardCharsets.UTF_8));
    long now = Instant.now().getEpochSecond();
    SlackRequests.post(body, now, SlackRequests.sign(slack.signingSecret(), now, body))
        .then()
        .statusCode(200);
  }
}
