package dev.restartbot.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.restassured.RestAssured;
import io.restassured.config.EncoderConfig;
import io.restassured.config.RestAssuredConfig;
import io.restassured.response.Response;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What Slack sends about modals, shortcuts and App Home, as JSON payloads: the restart modal's
 * option loads and submissions, the global shortcut, {@code app_home_opened} and a click in the
 * Home tab. {@link #form} wraps one as Slack posts it over HTTP; Socket Mode carries the JSON as
 * is.
 */
public final class ViewPayloads {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final AtomicLong IDS = new AtomicLong();

  private ViewPayloads() {}

  /**
   * A view's state: for each field (block id = action id), its value. A value is a {@code String}
   * for a select's option or a text input, a {@code List<String>} for a multi-select's options.
   */
  public static ObjectNode view(String privateMetadata, Map<String, Object> fields) {
    ObjectNode view = JSON.createObjectNode();
    view.put("id", "V" + IDS.incrementAndGet());
    view.put("type", "modal");
    view.put("callback_id", "restart_modal");
    view.put("private_metadata", privateMetadata);
    view.put("team_id", FakeSlackApi.TEAM_ID);
    view.put("app_id", SlackRequests.APP_ID);
    ObjectNode values = view.putObject("state").putObject("values");
    fields.forEach(
        (id, value) -> {
          ObjectNode field = values.putObject(id).putObject(id);
          switch (id) {
            case "targets" -> {
              field.put("type", "multi_external_select");
              ArrayNode picked = field.putArray("selected_options");
              for (Object v : (List<?>) value) {
                option(picked.addObject(), String.valueOf(v));
              }
            }
            case "reason" -> field.put("type", "plain_text_input").put("value", (String) value);
            case "channel" ->
                field
                    .put("type", "conversations_select")
                    .put("selected_conversation", (String) value);
            default -> {
              field.put("type", "static_select");
              option(field.putObject("selected_option"), String.valueOf(value));
            }
          }
        });
    return view;
  }

  private static void option(ObjectNode option, String value) {
    option.putObject("text").put("type", "plain_text").put("text", value);
    option.put("value", value);
  }

  /** The options load of the {@code targets} field as {@code userId} types {@code typed}. */
  public static ObjectNode suggestion(String userId, ObjectNode view, String typed) {
    ObjectNode p = base("block_suggestion", userId);
    p.put("action_id", "targets");
    p.put("block_id", "targets");
    p.put("value", typed);
    p.putObject("container").put("type", "view").put("view_id", view.path("id").asText());
    p.set("view", view);
    return p;
  }

  /** A submission of the restart modal. */
  public static ObjectNode submission(String userId, ObjectNode view) {
    ObjectNode p = base("view_submission", userId);
    p.set("view", view);
    p.put("trigger_id", trigger());
    return p;
  }

  /** The global shortcut {@code restart_shortcut}. */
  public static ObjectNode shortcut(String userId, String triggerId) {
    ObjectNode p = base("shortcut", userId);
    p.put("callback_id", "restart_shortcut");
    p.put("trigger_id", triggerId);
    p.put("action_ts", Long.toString(Instant.now().getEpochSecond()));
    return p;
  }

  /** A click on a button of the Home tab. */
  public static ObjectNode homeClick(String userId, String actionId, String requestId) {
    ObjectNode p = base("block_actions", userId);
    String viewId = "V" + IDS.incrementAndGet();
    p.putObject("container").put("type", "view").put("view_id", viewId);
    p.put("trigger_id", trigger());
    ObjectNode view = p.putObject("view");
    view.put("id", viewId).put("type", "home").put("team_id", FakeSlackApi.TEAM_ID);
    view.put("app_id", SlackRequests.APP_ID);
    ObjectNode action = p.putArray("actions").addObject();
    action.put("action_id", actionId);
    action.put("block_id", "home_" + requestId);
    action.putObject("text").put("type", "plain_text").put("text", "Approve");
    action.put("value", requestId);
    action.put("type", "button");
    action.put("action_ts", Instant.now().getEpochSecond() + ".000001");
    return p;
  }

  /** The Events API envelope of {@code app_home_opened} on the Home tab. */
  public static ObjectNode homeOpened(String userId) {
    ObjectNode e = eventCallback("app_home_opened");
    ObjectNode event = (ObjectNode) e.get("event");
    event.put("user", userId);
    event.put("channel", "D" + userId);
    event.put("tab", "home");
    return e;
  }

  /** The Events API envelope of {@code subteam_members_changed}: Slack's word that it changed. */
  public static ObjectNode membersChanged(String groupId, List<String> removed) {
    ObjectNode e = eventCallback("subteam_members_changed");
    ObjectNode event = (ObjectNode) e.get("event");
    event.put("subteam_id", groupId);
    event.put("team_id", FakeSlackApi.TEAM_ID);
    event.put("date_update", Instant.now().getEpochSecond());
    event.putArray("added_users");
    event.put("added_users_count", "0");
    removed.forEach(event.putArray("removed_users")::add);
    event.put("removed_users_count", Integer.toString(removed.size()));
    return e;
  }

  /** An {@code event_callback} envelope around an event of {@code type}, as Slack signs it. */
  private static ObjectNode eventCallback(String type) {
    ObjectNode e = JSON.createObjectNode();
    e.put("token", "x");
    e.put("team_id", FakeSlackApi.TEAM_ID);
    e.put("api_app_id", SlackRequests.APP_ID);
    e.put("type", "event_callback");
    e.put("event_id", "Ev" + IDS.incrementAndGet());
    e.put("event_time", Instant.now().getEpochSecond());
    ObjectNode event = e.putObject("event");
    event.put("type", type);
    event.put("event_ts", Instant.now().getEpochSecond() + ".000100");
    return e;
  }

  /** {@code payload=<json>}, as Slack posts interactivity over HTTP. */
  public static String form(ObjectNode payload) {
    return "payload=" + URLEncoder.encode(payload.toString(), StandardCharsets.UTF_8);
  }

  /** Posts an Events API body (JSON), signed now. */
  public static Response postEvent(ObjectNode envelope) {
    String body = envelope.toString();
    long now = Instant.now().getEpochSecond();
    RestAssuredConfig config =
        RestAssured.config()
            .encoderConfig(
                EncoderConfig.encoderConfig()
                    .appendDefaultContentCharsetToContentTypeIfUndefined(false));
    return RestAssured.given()
        .config(config)
        .contentType("application/json")
        .body(body)
        .header("X-Slack-Request-Timestamp", Long.toString(now))
        .header("X-Slack-Signature", SlackRequests.sign(SlackRequests.SIGNING_SECRET, now, body))
        .post(SlackRequests.EVENTS_PATH);
  }

  /** Posts an interactivity payload as Slack does over HTTP, signed now. */
  public static Response post(ObjectNode payload) {
    return SlackRequests.post(form(payload));
  }

  private static ObjectNode base(String type, String userId) {
    ObjectNode p = JSON.createObjectNode();
    p.put("type", type);
    p.put("token", "x");
    p.put("api_app_id", SlackRequests.APP_ID);
    p.putObject("team").put("id", FakeSlackApi.TEAM_ID).put("domain", "example");
    p.putObject("user")
        .put("id", userId)
        .put("username", userId.toLowerCase(java.util.Locale.ROOT))
        .put("team_id", FakeSlackApi.TEAM_ID);
    return p;
  }

  private static String trigger() {
    return "2." + IDS.incrementAndGet() + "." + Long.toHexString(System.nanoTime());
  }
}
