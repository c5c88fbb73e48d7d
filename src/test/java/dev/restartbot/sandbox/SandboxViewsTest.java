package dev.restartbot.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

/**
 * The views the sandbox keeps for its people, taken and refused as Slack takes and refuses them.
 */
class SandboxViewsTest {

  private static final String ALICE = SandboxWorkspace.REQUESTER.id();
  private static final String BOB = SandboxWorkspace.APPROVER.id();

  private final ObjectMapper json = new ObjectMapper();
  private final SandboxViews views = new SandboxViews();

  private ObjectNode view(String type, String text) {
    ObjectNode v = json.createObjectNode().put("type", type);
    v.putArray("blocks")
        .addObject()
        .put("type", "section")
        .putObject("text")
        .put("type", "mrkdwn")
        .put("text", text);
    return v;
  }

  private String keep(String method, String trigger, String viewId, String user, ObjectNode v) {
    return views.keep(new SlackWebApiFake.ViewCall(method, trigger, viewId, user), v);
  }

  @Test
  void aModalOpensOnlyWithATriggerHandedOutAndOnlyOnce() {
    String trigger = views.trigger(ALICE);
    ObjectNode opened = view("modal", "form");
    assertThat(keep("views.open", trigger, null, null, opened)).isNull();
    assertThat(views.of(ALICE).modal().path("id").asText()).isEqualTo(opened.path("id").asText());
    assertThat(views.of(BOB).modal()).isNull();

    long before = views.version();
    assertThat(keep("views.open", trigger, null, null, view("modal", "again")))
        .isEqualTo("invalid_trigger_id");
    assertThat(keep("views.open", "1.2.madeup", null, null, view("modal", "x")))
        .isEqualTo("invalid_trigger_id");
    assertThat(keep("views.open", null, null, null, view("modal", "x")))
        .isEqualTo("invalid_arguments");
    assertThat(keep("views.open", views.trigger(BOB), null, null, view("home", "x")))
        .isEqualTo("invalid_arguments");
    assertThat(views.version()).isEqualTo(before);
    assertThat(text(views.of(ALICE).modal())).isEqualTo("form");
  }

  @Test
  void anUpdateReplacesAnOpenViewUnderItsIdAndAnUnknownOneIsNotFound() {
    ObjectNode opened = view("modal", "checking");
    keep("views.open", views.trigger(ALICE), null, null, opened);
    String id = opened.path("id").asText();

    ObjectNode updated = view("modal", "submitted");
    assertThat(keep("views.update", null, id, null, updated)).isNull();
    assertThat(updated.path("id").asText()).isEqualTo(id);
    assertThat(text(views.of(ALICE).modal())).isEqualTo("submitted");
    assertThat(keep("views.update", null, "VNOSUCH", null, view("modal", "x")))
        .isEqualTo("not_found");
  }

  @Test
  void pushStacksAtMostThreeModals() {
    keep("views.open", views.trigger(ALICE), null, null, view("modal", "1"));
    assertThat(keep("views.push", views.trigger(ALICE), null, null, view("modal", "2"))).isNull();
    assertThat(keep("views.push", views.trigger(ALICE), null, null, view("modal", "3"))).isNull();
    assertThat(keep("views.push", views.trigger(ALICE), null, null, view("modal", "4")))
        .isEqualTo("push_limit_reached");
    assertThat(text(views.of(ALICE).modal())).isEqualTo("3");
  }

  @Test
  void aPersonsHomeTabKeepsItsIdFromOnePublishToTheNext() {
    ObjectNode first = view("home", "nothing waits");
    assertThat(keep("views.publish", null, null, BOB, first)).isNull();
    ObjectNode second = view("home", "one waits");
    assertThat(keep("views.publish", null, null, BOB, second)).isNull();
    assertThat(second.path("id").asText()).isEqualTo(first.path("id").asText());
    assertThat(text(views.of(BOB).home())).isEqualTo("one waits");
    assertThat(views.of(ALICE).home()).isNull();

    assertThat(keep("views.publish", null, null, "U0NOBODY", view("home", "x")))
        .isEqualTo("user_not_found");
    assertThat(keep("views.publish", null, null, ALICE, view("modal", "x")))
        .isEqualTo("invalid_arguments");
  }

  @Test
  void anEmptyAnswerClosesTheTopModalAndClearClosesThemAll() {
    ObjectNode first = view("modal", "1");
    keep("views.open", views.trigger(ALICE), null, null, first);
    ObjectNode second = view("modal", "2");
    keep("views.push", views.trigger(ALICE), null, null, second);

    assertThat(views.answer(ALICE, first.path("id").asText(), json.createObjectNode())).isEmpty();
    assertThat(
            views
                .answer(ALICE, second.path("id").asText(), json.createObjectNode())
                .map(SandboxViews.Answered::applied))
        .contains(SandboxViews.Applied.CLOSED);
    assertThat(text(views.of(ALICE).modal())).isEqualTo("1");

    keep("views.push", views.trigger(ALICE), null, null, view("modal", "3"));
    String top = views.of(ALICE).modal().path("id").asText();
    assertThat(
            views
                .answer(ALICE, top, json.createObjectNode().put("response_action", "clear"))
                .map(SandboxViews.Answered::applied))
        .contains(SandboxViews.Applied.CLOSED);
    assertThat(views.of(ALICE).modal()).isNull();
  }

  private static String text(JsonNode view) {
    return view.path("blocks").path(0).path("text").path("text").asText();
  }
}
