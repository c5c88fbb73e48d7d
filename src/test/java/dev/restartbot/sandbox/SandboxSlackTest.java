package dev.restartbot.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The sandbox's Slack Web API over HTTP, as the bot's Slack client calls it. */
class SandboxSlackTest {

  private final ObjectMapper json = new ObjectMapper();
  private final HttpClient http = HttpClient.newHttpClient();
  private SandboxChannel channel;
  private SandboxViews views;
  private SandboxSlack slack;

  @BeforeEach
  void start() {
    channel = new SandboxChannel();
    views = new SandboxViews();
    slack = new SandboxSlack(channel, views, json);
  }

  @AfterEach
  void stop() {
    slack.stop();
  }

  @Test
  void postedMessagesThreadRepliesAndUpdatesLandInTheChannel() throws Exception {
    JsonNode posted =
        call(
            "chat.postMessage",
            form(
                "channel",
                SandboxWorkspace.CHANNEL_ID,
                "text",
                "asks",
                "blocks",
                "[{\"type\":\"divider\"}]"));
    assertThat(posted.path("ok").asBoolean()).isTrue();
    String ts = posted.path("ts").asText();

    JsonNode reply =
        call(
            "chat.postMessage",
            form("channel", SandboxWorkspace.CHANNEL_ID, "text", "1/3", "thread_ts", ts));
    assertThat(reply.path("message").path("thread_ts").asText()).isEqualTo(ts);
    assertThat(
            call(
                    "chat.update",
                    form("channel", SandboxWorkspace.CHANNEL_ID, "ts", ts, "text", "approved"))
                .path("ok")
                .asBoolean())
        .isTrue();

    assertThat(channel.all())
        .extracting(SandboxChannel.Message::text)
        .containsExactly("approved", "1/3");
    assertThat(channel.all().get(0).blocks().get(0).path("type").asText()).isEqualTo("divider");
    assertThat(channel.all().get(0).edits()).isEqualTo(1);
  }

  @Test
  void ephemeralMessagesAndResponseUrlAnswersAreSeenOnlyByTheirUser() throws Exception {
    call(
        "chat.postEphemeral",
        form(
            "channel",
            SandboxWorkspace.CHANNEL_ID,
            "user",
            SandboxWorkspace.REQUESTER.id(),
            "text",
            "no"));
    HttpResponse<String> answer =
        http.send(
            HttpRequest.newBuilder(URI.create(slack.responseUrl(SandboxWorkspace.APPROVER.id())))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"text\":\"submitted\"}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(answer.statusCode()).isEqualTo(200);

    assertThat(channel.visibleTo(SandboxWorkspace.REQUESTER.id()))
        .extracting(SandboxChannel.Message::text)
        .containsExactly("no");
    assertThat(channel.visibleTo(SandboxWorkspace.APPROVER.id()))
        .extracting(SandboxChannel.Message::text)
        .containsExactly("submitted");
    assertThat(channel.visibleTo(SandboxWorkspace.OUTSIDER.id())).isEmpty();
  }

  @Test
  void badCallsGetSlacksErrorsAndChangeNothing() throws Exception {
    assertThat(
            call("chat.postMessage", form("channel", "C0ELSEWHERE", "text", "x"))
                .path("error")
                .asText())
        .isEqualTo("channel_not_found");
    assertThat(
            call(
                    "chat.update",
                    form("channel", SandboxWorkspace.CHANNEL_ID, "ts", "1.2", "text", "x"))
                .path("error")
                .asText())
        .isEqualTo("message_not_found");
    assertThat(call("users.info", form("user", "U0NOBODY")).path("error").asText())
        .isEqualTo("user_not_found");
    assertThat(call("files.upload", form()).path("error").asText()).isEqualTo("unknown_method");
    assertThat(
            call(
                    "chat.postMessage",
                    form("channel", SandboxWorkspace.CHANNEL_ID, "text", "x"),
                    "xoxb-other")
                .path("error")
                .asText())
        .isEqualTo("invalid_auth");
    assertThat(channel.all()).isEmpty();
  }

  @Test
  void peopleAndTheLeadsGroupAreKnown() throws Exception {
    JsonNode auth = call("auth.test", form());
    assertThat(auth.path("team_id").asText()).isEqualTo(SandboxWorkspace.TEAM_ID);
    JsonNode bob = call("users.info", form("user", SandboxWorkspace.APPROVER.id())).path("user");
    assertThat(bob.path("team_id").asText()).isEqualTo(SandboxWorkspace.TEAM_ID);
    assertThat(bob.path("profile").path("display_name").asText()).isEqualTo("Bob Okafor");
    assertThat(
            call("usergroups.users.list", form("usergroup", SandboxWorkspace.LEADS_GROUP))
                .path("users"))
        .extracting(JsonNode::asText)
        .containsExactly(SandboxWorkspace.APPROVER.id());
  }

  @Test
  void repliesToUnknownThreadsAndPostsToUnknownResponseUrlsAreRefused() throws Exception {
    assertThat(
            call(
                    "chat.postMessage",
                    form("channel", SandboxWorkspace.CHANNEL_ID, "text", "x", "thread_ts", "1.2"))
                .path("error")
                .asText())
        .isEqualTo("thread_not_found");
    assertThat(
            call(
                    "chat.postEphemeral",
                    form("channel", SandboxWorkspace.CHANNEL_ID, "user", "U0NOBODY", "text", "x"))
                .path("error")
                .asText())
        .isEqualTo("user_not_in_channel");
    String forged = slack.responseUrl("U0NOBODY");
    assertThat(respond(forged, "{\"text\":\"x\"}").path("error").asText()).isEqualTo("expired_url");
    assertThat(channel.all()).isEmpty();
  }

  @Test
  void answersAskedInTheChannelAreSeenByEveryone() throws Exception {
    respond(
        slack.responseUrl(SandboxWorkspace.REQUESTER.id()),
        "{\"text\":\"asked\",\"response_type\":\"in_channel\"}");

    assertThat(channel.visibleTo(SandboxWorkspace.OUTSIDER.id()))
        .extracting(SandboxChannel.Message::text)
        .containsExactly("asked");
  }

  @Test
  void permalinksPointIntoTheSandboxPage() throws Exception {
    String ts =
        call("chat.postMessage", form("channel", SandboxWorkspace.CHANNEL_ID, "text", "x"))
            .path("ts")
            .asText();

    assertThat(
            call(
                    "chat.getPermalink",
                    form("channel", SandboxWorkspace.CHANNEL_ID, "message_ts", ts))
                .path("permalink")
                .asText())
        .isEqualTo("/sandbox#m" + ts);
  }

  @Test
  void blocksSlackWouldRefuseAreRefusedAndNeverShown() throws Exception {
    String tooLong =
        "[{\"type\":\"section\",\"text\":{\"type\":\"mrkdwn\",\"text\":\""
            + "x".repeat(3_001)
            + "\"}}]";

    JsonNode refused =
        call(
            "chat.postMessage",
            form("channel", SandboxWorkspace.CHANNEL_ID, "text", "x", "blocks", tooLong));

    assertThat(refused.path("error").asText()).isEqualTo("invalid_blocks");
    assertThat(refused.path("errors").get(0).asText())
        .isEqualTo("must be less than 3001 characters [json-pointer:/blocks/0/text/text]");
    assertThat(channel.all()).isEmpty();
  }

  @Test
  void viewsTheBotOpensAndPublishesAreKeptForThePageAndHeldToSlacksLimits() throws Exception {
    String trigger = views.trigger(SandboxWorkspace.REQUESTER.id());
    String modal = "{\"type\":\"modal\",\"title\":{\"type\":\"plain_text\",\"text\":\"Restart\"}}";
    JsonNode opened = call("views.open", form("trigger_id", trigger, "view", modal));
    assertThat(opened.path("ok").asBoolean()).isTrue();
    assertThat(views.of(SandboxWorkspace.REQUESTER.id()).modal().path("id").asText())
        .isEqualTo(opened.path("view").path("id").asText());

    String home =
        "{\"type\":\"home\",\"blocks\":["
            + String.join(",", java.util.Collections.nCopies(101, "{\"type\":\"divider\"}"))
            + "]}";
    JsonNode refused =
        call("views.publish", form("user_id", SandboxWorkspace.APPROVER.id(), "view", home));
    assertThat(refused.path("error").asText()).isEqualTo("invalid_blocks");
    assertThat(views.of(SandboxWorkspace.APPROVER.id()).home()).isNull();
    assertThat(
            call("views.open", form("trigger_id", "1.2.madeup", "view", modal))
                .path("error")
                .asText())
        .isEqualTo("invalid_trigger_id");
  }

  private JsonNode respond(String url, String body) throws IOException, InterruptedException {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(URI.create(url))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);
    return json.readTree(response.body());
  }

  private JsonNode call(String method, String body) throws IOException, InterruptedException {
    return call(method, body, slack.botToken());
  }

  private JsonNode call(String method, String body, String token)
      throws IOException, InterruptedException {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(URI.create(slack.apiUrl() + method))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);
    return json.readTree(response.body());
  }

  private static String form(String... pairs) {
    Map<String, String> form = new LinkedHashMap<>();
    for (int i = 0; i < pairs.length; i += 2) {
      form.put(pairs[i], pairs[i + 1]);
    }
    return form.entrySet().stream()
        .map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
        .collect(Collectors.joining("&"));
  }
}
