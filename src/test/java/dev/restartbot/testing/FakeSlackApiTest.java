package dev.restartbot.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The fake Slack and the request signer, checked on their own over real HTTP. */
class FakeSlackApiTest {

  private final FakeSlackApi fake = FakeSlackApi.get();
  private final HttpClient http = HttpClient.newHttpClient();
  private final ObjectMapper json = new ObjectMapper();

  @BeforeEach
  void setUp() {
    fake.reset();
  }

  private HttpResponse<String> form(String method, String body) throws Exception {
    return send(fake.baseUrl() + method, "application/x-www-form-urlencoded", body);
  }

  private HttpResponse<String> jsonPost(String url, String body) throws Exception {
    return send(url, "application/json; charset=utf-8", body);
  }

  private HttpResponse<String> send(String url, String contentType, String body) throws Exception {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(url))
            .header("Content-Type", contentType)
            .header("Authorization", "Bearer xoxb-test-token")
            .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
            .build();
    return http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  @Test
  void singletonListensOnLoopback() {
    assertThat(FakeSlackApi.get()).isSameAs(fake);
    assertThat(fake.baseUrl()).matches("http://127\\.0\\.0\\.1:\\d+/api/");
    assertThat(fake.responseUrl("x")).isEqualTo("http://127.0.0.1:" + fake.port() + "/response/x");
  }

  @Test
  void authTestAnswersTheBotIdentity() throws Exception {
    HttpResponse<String> r = form("auth.test", "");

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).contains("application/json; charset=utf-8");
    JsonNode body = json.readTree(r.body());
    assertThat(body.get("ok").asBoolean()).isTrue();
    assertThat(body.get("user_id").asText()).isEqualTo("U0BOT");
    assertThat(body.get("bot_id").asText()).isEqualTo("B0BOT");
    assertThat(body.get("team_id").asText()).isEqualTo("T0TEAM");
    assertThat(fake.count("auth.test")).isEqualTo(1);
  }

  @Test
  void formPostsAreDecodedAndAnsweredWithIncreasingTs() throws Exception {
    String blocks = "[{\"type\":\"section\"}]";
    HttpResponse<String> first =
        form(
            "chat.postMessage",
            "channel=C1&text=h%C3%A9llo+world%20%26+more&blocks="
                + java.net.URLEncoder.encode(blocks, StandardCharsets.UTF_8));
    HttpResponse<String> second =
        form("chat.postMessage", "channel=C1&text=two&thread_ts=" + ts(first));

    JsonNode a = json.readTree(first.body());
    JsonNode b = json.readTree(second.body());
    assertThat(a.get("ok").asBoolean()).isTrue();
    assertThat(a.get("channel").asText()).isEqualTo("C1");
    assertThat(a.get("message").get("text").asText()).isEqualTo("héllo world & more");
    assertThat(b.get("ts").asText()).isGreaterThan(a.get("ts").asText());
    assertThat(a.get("ts").asText()).matches("\\d{10}\\.\\d{6}");

    FakeSlackApi.Call call = fake.calls("chat.postMessage").get(0);
    assertThat(call.params())
        .containsEntry("channel", "C1")
        .containsEntry("text", "héllo world & more")
        .containsEntry("blocks", blocks);
    assertThat(call.rawBody()).startsWith("channel=C1&text=h%C3%A9llo");
    assertThat(call.at()).isNotNull();
    assertThat(fake.tsOf(call)).isEqualTo(a.get("ts").asText());
    assertThat(fake.messages("C1")).hasSize(2);
    assertThat(fake.threadReplies(a.get("ts").asText()))
        .singleElement()
        .satisfies(c -> assertThat(c.params().get("text")).isEqualTo("two"));
  }

  private String ts(HttpResponse<String> posted) throws Exception {
    return json.readTree(posted.body()).get("ts").asText();
  }

  @Test
  void jsonPostsAreFlattenedToStrings() throws Exception {
    HttpResponse<String> r =
        jsonPost(
            fake.baseUrl() + "chat.update",
            "{\"channel\":\"C2\",\"ts\":\"1.2\",\"text\":\"new ✓\",\"as_user\":true,"
                + "\"blocks\":[{\"type\":\"divider\"}],\"metadata\":null}");

    JsonNode body = json.readTree(r.body());
    assertThat(body.get("ts").asText()).isEqualTo("1.2");
    assertThat(body.get("text").asText()).isEqualTo("new ✓");
    assertThat(fake.lastUpdate("1.2"))
        .get()
        .satisfies(
            c ->
                assertThat(c.params())
                    .containsEntry("text", "new ✓")
                    .containsEntry("as_user", "true")
                    .containsEntry("blocks", "[{\"type\":\"divider\"}]")
                    .doesNotContainKey("metadata"));
    assertThat(fake.lastUpdate("9.9")).isEmpty();
  }

  @Test
  void responseUrlPostsAreRecordedWithTheirId() throws Exception {
    HttpResponse<String> r =
        jsonPost(
            fake.responseUrl("cmd"),
            "{\"text\":\"done\",\"response_type\":\"ephemeral\",\"replace_original\":false}");

    assertThat(r.statusCode()).isEqualTo(200);
    FakeSlackApi.Call call = fake.awaitCall("response_url", c -> true, Duration.ofSeconds(1));
    assertThat(call.params())
        .containsEntry("id", "cmd")
        .containsEntry("text", "done")
        .containsEntry("response_type", "ephemeral")
        .containsEntry("replace_original", "false");
  }

  @Test
  void scriptedRateLimitAnswers429WithRetryAfterThenRecovers() throws Exception {
    fake.failNext("chat.postMessage", 2, 429, "3", null);

    HttpResponse<String> first = form("chat.postMessage", "channel=C1&text=a");
    HttpResponse<String> second = form("chat.postMessage", "channel=C1&text=a");
    HttpResponse<String> third = form("chat.postMessage", "channel=C1&text=a");

    for (HttpResponse<String> limited : List.of(first, second)) {
      assertThat(limited.statusCode()).isEqualTo(429);
      assertThat(limited.headers().firstValue("Retry-After")).contains("3");
      assertThat(limited.body()).isEqualTo("{\"ok\":false,\"error\":\"ratelimited\"}");
    }
    assertThat(third.statusCode()).isEqualTo(200);
    assertThat(third.headers().firstValue("Retry-After")).isEmpty();
    assertThat(fake.count("chat.postMessage")).isEqualTo(3);
    assertThat(fake.tsOf(fake.calls("chat.postMessage").get(0))).isNull();
    assertThat(fake.tsOf(fake.calls("chat.postMessage").get(2))).isNotNull();
  }

  @Test
  void aLimitedMethodAnswers429PastItsBudgetInAnyMinuteUntilTheOldestCallIsAMinuteOld()
      throws Exception {
    ManualScheduler time = new ManualScheduler();
    fake.limit("chat.update", 2, time::nanoTime);

    assertThat(form("chat.update", "channel=C1&ts=1.1&text=a").statusCode()).isEqualTo(200);
    time.advance(Duration.ofSeconds(20));
    assertThat(form("chat.update", "channel=C1&ts=1.1&text=b").statusCode()).isEqualTo(200);
    time.advance(Duration.ofMillis(39_500));
    HttpResponse<String> limited = form("chat.update", "channel=C1&ts=1.1&text=c");
    assertThat(form("chat.postMessage", "channel=C1&text=d").statusCode()).isEqualTo(200);

    assertThat(limited.statusCode()).isEqualTo(429);
    assertThat(limited.headers().firstValue("Retry-After")).contains("1");
    assertThat(limited.body()).isEqualTo("{\"ok\":false,\"error\":\"ratelimited\"}");
    time.advance(Duration.ofMillis(500));
    assertThat(form("chat.update", "channel=C1&ts=1.1&text=e").statusCode()).isEqualTo(200);
    assertThat(fake.rateLimited("chat.update")).isEqualTo(1);
    assertThat(fake.calls("chat.update"))
        .extracting(c -> c.params().get("text"))
        .containsExactly("a", "b", "e");
  }

  @Test
  void scriptedServerErrorsQueueUpAndOnlyHitTheirMethod() throws Exception {
    fake.failNext("chat.update", 1, 503, null, "{\"ok\":false,\"error\":\"fatal_error\"}");
    fake.failNext("chat.update", 1, 500, null, null);

    assertThat(form("chat.postMessage", "channel=C1").statusCode()).isEqualTo(200);
    assertThat(form("chat.update", "channel=C1&ts=1.2").statusCode()).isEqualTo(503);
    assertThat(form("chat.update", "channel=C1&ts=1.2").statusCode()).isEqualTo(500);
    assertThat(form("chat.update", "channel=C1&ts=1.2").statusCode()).isEqualTo(200);
  }

  @Test
  void failWithErrorMatchesChannelAndLastsUntilReset() throws Exception {
    fake.failWithError("chat.postMessage", "C9", "not_in_channel");

    for (int i = 0; i < 2; i++) {
      HttpResponse<String> r = form("chat.postMessage", "channel=C9&text=x");
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(json.readTree(r.body()))
          .isEqualTo(json.readTree("{\"ok\":false,\"error\":\"not_in_channel\"}"));
    }
    assertThat(json.readTree(form("chat.postMessage", "channel=C1").body()).get("ok").asBoolean())
        .isTrue();

    fake.reset();
    assertThat(json.readTree(form("chat.postMessage", "channel=C9").body()).get("ok").asBoolean())
        .isTrue();
  }

  @Test
  void failWithErrorWithoutChannelHitsEveryCallOfTheMethod() throws Exception {
    fake.failWithError("users.info", null, "user_not_found");

    assertThat(json.readTree(form("users.info", "user=U1").body()).get("error").asText())
        .isEqualTo("user_not_found");
  }

  @Test
  void usersAndGroupsHaveDefaultsOverridesAndReset() throws Exception {
    JsonNode plain = json.readTree(form("users.info", "user=U0REQ").body()).get("user");
    assertThat(plain.get("name").asText()).isEqualTo("u0req");
    assertThat(plain.get("team_id").asText()).isEqualTo("T0TEAM");
    assertThat(plain.get("is_restricted").asBoolean()).isFalse();
    assertThat(plain.get("profile").get("display_name").asText()).isEqualTo("u0req");

    fake.addUser("U0GUEST", "guest", "T0OTHER", true, false);
    JsonNode guest = json.readTree(form("users.info", "user=U0GUEST").body()).get("user");
    assertThat(guest.get("name").asText()).isEqualTo("guest");
    assertThat(guest.get("team_id").asText()).isEqualTo("T0OTHER");
    assertThat(guest.get("is_restricted").asBoolean()).isTrue();
    assertThat(guest.get("is_ultra_restricted").asBoolean()).isFalse();

    fake.setGroupMembers("S1", "U1", "U2");
    assertThat(json.readTree(form("usergroups.users.list", "usergroup=S1").body()))
        .isEqualTo(json.readTree("{\"ok\":true,\"users\":[\"U1\",\"U2\"]}"));
    assertThat(json.readTree(form("usergroups.users.list", "usergroup=S2").body()))
        .isEqualTo(json.readTree("{\"ok\":false,\"error\":\"no_such_subteam\"}"));

    fake.reset();
    assertThat(json.readTree(form("users.info", "user=U0GUEST").body()).at("/user/name").asText())
        .isEqualTo("u0guest");
    assertThat(
            json.readTree(form("usergroups.users.list", "usergroup=S1").body())
                .get("ok")
                .asBoolean())
        .isFalse();
  }

  @Test
  void otherMethodsAnswerOkAndAreRecorded() throws Exception {
    JsonNode link =
        json.readTree(form("chat.getPermalink", "channel=C1&message_ts=1700000000.000100").body());
    assertThat(link.get("permalink").asText())
        .isEqualTo("https://example.slack.com/archives/C1/p1700000000000100");
    assertThat(
            json.readTree(form("chat.postEphemeral", "channel=C1&user=U1").body())
                .get("message_ts")
                .asText())
        .matches("\\d+\\.\\d{6}");
    assertThat(
            json.readTree(form("conversations.info", "channel=C1").body())
                .at("/channel/name")
                .asText())
        .isEqualTo("ops");
    assertThat(form("reactions.add", "name=eyes").body()).isEqualTo("{\"ok\":true}");
    assertThat(fake.calls())
        .extracting(FakeSlackApi.Call::method)
        .containsExactly(
            "chat.getPermalink", "chat.postEphemeral", "conversations.info", "reactions.add");
  }

  @Test
  void concurrentCallsAreAllRecordedWithDistinctTs() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<String>> posted = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        int n = i;
        posted.add(pool.submit(() -> ts(form("chat.postMessage", "channel=C1&text=" + n))));
      }
      List<String> ts = new ArrayList<>();
      for (Future<String> f : posted) {
        ts.add(f.get());
      }
      assertThat(ts).doesNotHaveDuplicates();
      assertThat(fake.count("chat.postMessage")).isEqualTo(40);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void awaitCallWaitsForALateCall() throws Exception {
    Thread late =
        new Thread(
            () -> {
              try {
                Thread.sleep(150);
                form("chat.postMessage", "channel=C7&text=late");
              } catch (Exception e) {
                throw new RuntimeException(e);
              }
            });
    late.start();

    FakeSlackApi.Call call =
        fake.awaitCall(
            "chat.postMessage", c -> "C7".equals(c.params().get("channel")), Duration.ofSeconds(5));

    assertThat(call.params()).containsEntry("text", "late");
    late.join();
  }

  @Test
  void awaitCallTimeoutListsWhatWasRecorded() throws Exception {
    form("chat.postMessage", "channel=C1&text=something+else");

    assertThatThrownBy(() -> fake.awaitCall("chat.update", c -> true, Duration.ofMillis(100)))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("no matching chat.update call within PT0.1S")
        .hasMessageContaining("chat.postMessage {channel=C1, text=something else}");
  }

  @Test
  void delayedCallsTakeEffectAtOnceAndAnswerLate() throws Exception {
    Duration delay = Duration.ofSeconds(2);
    fake.delayNext("chat.postMessage", 1, delay);
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      long start = System.nanoTime();
      Future<HttpResponse<String>> slow =
          pool.submit(() -> form("chat.postMessage", "channel=C1&text=slow"));

      FakeSlackApi.Call call = fake.awaitCall("chat.postMessage", c -> true, delay);
      assertThat(slow).as("answered before the delay ran out").isNotDone();
      assertThat(json.readTree(slow.get().body()).get("ts").asText()).isEqualTo(fake.tsOf(call));
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(delay);
      assertThat(form("chat.postMessage", "channel=C1&text=next").statusCode()).isEqualTo(200);
    } finally {
      pool.shutdownNow();
    }
  }

  // ---- Slack's Block Kit limits -------------------------------------------------------------

  private static String blocks(int count, String block) {
    return String.join(",", Collections.nCopies(count, block));
  }

  private static String section(int characters) {
    return "{\"type\":\"section\",\"text\":{\"type\":\"mrkdwn\",\"text\":\""
        + "x".repeat(characters)
        + "\"}}";
  }

  private static String context(int characters) {
    return "{\"type\":\"context\",\"elements\":[{\"type\":\"mrkdwn\",\"text\":\""
        + "x".repeat(characters)
        + "\"}]}";
  }

  private static String select(int options) {
    List<String> each = new ArrayList<>();
    for (int i = 0; i < options; i++) {
      each.add(
          "{\"text\":{\"type\":\"plain_text\",\"text\":\"o%d\"},\"value\":\"%d\"}".formatted(i, i));
    }
    return "{\"type\":\"section\",\"text\":{\"type\":\"mrkdwn\",\"text\":\"pick\"},"
        + "\"accessory\":{\"type\":\"static_select\",\"action_id\":\"a\",\"options\":["
        + String.join(",", each)
        + "]}}";
  }

  private JsonNode post(String method, String blocks) throws Exception {
    return json.readTree(
        jsonPost(
                fake.baseUrl() + method,
                "{\"channel\":\"C1\",\"user\":\"U1\",\"ts\":\"1.2\",\"text\":\"t\","
                    + "\"blocks\":["
                    + blocks
                    + "]}")
            .body());
  }

  @Test
  void messagesAtSlacksLimitsAreTaken() throws Exception {
    for (String method : List.of("chat.postMessage", "chat.update", "chat.postEphemeral")) {
      assertThat(post(method, blocks(50, "{\"type\":\"divider\"}")).get("ok").asBoolean())
          .as(method)
          .isTrue();
    }
    assertThat(
            post("chat.postMessage", section(3_000) + "," + context(3_000)).get("ok").asBoolean())
        .isTrue();
    assertThat(post("chat.postMessage", select(100)).get("ok").asBoolean()).isTrue();
    // Slack counts characters, not UTF-16 units: 3,000 emoji are 3,000 characters.
    assertThat(
            post(
                    "chat.postMessage",
                    section(0).replace("\"\"}}", "\"" + "🔁".repeat(3_000) + "\"}}"))
                .get("ok")
                .asBoolean())
        .isTrue();
  }

  @Test
  void fiftyOneBlocksAreRefusedAsSlackRefusesThem() throws Exception {
    for (String method : List.of("chat.postMessage", "chat.update", "chat.postEphemeral")) {
      assertThat(post(method, blocks(51, "{\"type\":\"divider\"}")))
          .as(method)
          .isEqualTo(
              json.readTree(
                  "{\"ok\":false,\"error\":\"invalid_blocks\","
                      + "\"errors\":[\"must be less than 51 items [json-pointer:/blocks]\"],"
                      + "\"response_metadata\":{\"messages\":"
                      + "[\"[ERROR] must be less than 51 items [json-pointer:/blocks]\"]}}"));
    }
    assertThat(fake.tsOf(fake.calls("chat.postMessage").get(0))).isNull();
    assertThat(fake.tsOf(fake.calls("chat.postEphemeral").get(0))).isNull();
  }

  @Test
  void overlongTextsAndTooManyOptionsAreEachNamedByPointer() throws Exception {
    JsonNode refused =
        post(
            "chat.postMessage",
            String.join(",", section(10), section(3_001), context(3_001), select(101)));

    assertThat(refused.get("error").asText()).isEqualTo("invalid_blocks");
    assertThat(refused.get("errors"))
        .extracting(JsonNode::asText)
        .containsExactly(
            "must be less than 3001 characters [json-pointer:/blocks/1/text/text]",
            "must be less than 3001 characters [json-pointer:/blocks/2/elements/0/text]",
            "must be less than 101 items [json-pointer:/blocks/3/accessory/options]");
  }

  @Test
  void buttonsConfirmDialogsHeadersAndElementCountsAreHeldToSlacksLimits() throws Exception {
    String confirm =
        "{\"type\":\"actions\",\"elements\":[{\"type\":\"button\",\"action_id\":\"a\","
            + "\"text\":{\"type\":\"plain_text\",\"text\":\"%s\"},\"value\":\"v\","
            + "\"confirm\":{\"title\":{\"type\":\"plain_text\",\"text\":\"%s\"},"
            + "\"text\":{\"type\":\"plain_text\",\"text\":\"%s\"},"
            + "\"confirm\":{\"type\":\"plain_text\",\"text\":\"%s\"},"
            + "\"deny\":{\"type\":\"plain_text\",\"text\":\"%s\"}}}]}";
    String atLimits =
        confirm.formatted("b".repeat(75), "t".repeat(100), "x".repeat(300), "y".repeat(30), "n");
    String overLimits =
        confirm.formatted("b".repeat(76), "t".repeat(101), "x".repeat(301), "y".repeat(31), "n");
    String header = "{\"type\":\"header\",\"text\":{\"type\":\"plain_text\",\"text\":\"%s\"}}";
    String elevenFields =
        "{\"type\":\"section\",\"fields\":["
            + String.join(",", Collections.nCopies(11, "{\"type\":\"mrkdwn\",\"text\":\"f\"}"))
            + "]}";
    String elevenElements =
        "{\"type\":\"context\",\"elements\":["
            + String.join(",", Collections.nCopies(11, "{\"type\":\"plain_text\",\"text\":\"e\"}"))
            + "]}";

    assertThat(
            post("chat.postMessage", atLimits + "," + header.formatted("h".repeat(150)))
                .get("ok")
                .asBoolean())
        .isTrue();
    JsonNode refused =
        post(
            "chat.postMessage",
            String.join(
                ",",
                overLimits,
                header.formatted("h".repeat(151)),
                elevenFields,
                elevenElements,
                section(0)));

    assertThat(refused.get("error").asText()).isEqualTo("invalid_blocks");
    assertThat(refused.get("errors"))
        .extracting(JsonNode::asText)
        .containsExactly(
            "must be less than 76 characters [json-pointer:/blocks/0/elements/0/text/text]",
            "must be less than 101 characters"
                + " [json-pointer:/blocks/0/elements/0/confirm/title/text]",
            "must be less than 301 characters"
                + " [json-pointer:/blocks/0/elements/0/confirm/text/text]",
            "must be less than 31 characters"
                + " [json-pointer:/blocks/0/elements/0/confirm/confirm/text]",
            "must be less than 151 characters [json-pointer:/blocks/1/text/text]",
            "must be less than 11 items [json-pointer:/blocks/2/fields]",
            "must be less than 11 items [json-pointer:/blocks/3/elements]",
            "must be more than 0 characters [json-pointer:/blocks/4/text/text]");
  }

  @Test
  void aMessageTextOverFortyThousandCharactersIsRefusedAsTooLong() throws Exception {
    for (String method : List.of("chat.postMessage", "chat.update", "chat.postEphemeral")) {
      String body = "{\"channel\":\"C1\",\"user\":\"U1\",\"ts\":\"1.2\",\"text\":\"%s\"}";
      JsonNode atLimit =
          json.readTree(
              jsonPost(fake.baseUrl() + method, body.formatted("x".repeat(40_000))).body());
      JsonNode over =
          json.readTree(
              jsonPost(fake.baseUrl() + method, body.formatted("x".repeat(40_001))).body());

      assertThat(atLimit.get("ok").asBoolean()).as(method).isTrue();
      assertThat(over.get("error").asText()).as(method).isEqualTo("msg_too_long");
    }
  }

  @Test
  void formPostedBlocksAreHeldToTheSameLimits() throws Exception {
    String tooMany = "[" + blocks(51, "{\"type\":\"divider\"}") + "]";
    JsonNode refused =
        json.readTree(
            form(
                    "chat.postMessage",
                    "channel=C1&blocks=" + URLEncoder.encode(tooMany, StandardCharsets.UTF_8))
                .body());
    assertThat(refused.get("error").asText()).isEqualTo("invalid_blocks");

    JsonNode garbled =
        json.readTree(form("chat.postMessage", "channel=C1&blocks=%5Bnot+json").body());
    assertThat(garbled.get("error").asText()).isEqualTo("invalid_blocks_format");
  }

  private JsonNode view(String method, int blocks) throws Exception {
    ObjectNode body = json.createObjectNode().put("trigger_id", "1.2.3");
    body.set(
        "view",
        json.readTree("{\"type\":\"modal\",\"blocks\":[" + blocks(blocks, section(5)) + "]}"));
    return json.readTree(jsonPost(fake.baseUrl() + method, body.toString()).body());
  }

  @Test
  void viewsTakeAHundredBlocksAndNoMore() throws Exception {
    JsonNode opened = view("views.open", 100);
    assertThat(opened.get("ok").asBoolean()).isTrue();
    assertThat(opened.at("/view/type").asText()).isEqualTo("modal");
    assertThat(opened.at("/view/id").asText()).startsWith("V");

    assertThat(view("views.publish", 101).get("errors"))
        .extracting(JsonNode::asText)
        .containsExactly("must be less than 101 items [json-pointer:/view/blocks]");
  }

  @Test
  void limitsCanBeLiftedUntilReset() throws Exception {
    String tooMany = blocks(51, "{\"type\":\"divider\"}");
    fake.acceptBlocksOverSlacksLimits();

    assertThat(post("chat.postMessage", tooMany).get("ok").asBoolean()).isTrue();

    fake.reset();
    assertThat(post("chat.postMessage", tooMany).get("error").asText()).isEqualTo("invalid_blocks");
  }

  @Test
  void signMatchesSlacksDocumentedExample() {
    String body =
        "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow"
            + "&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner"
            + "&command=%2Fwebhook-collect&text="
            + "&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN"
            + "&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";

    assertThat(SlackRequests.sign("8f742231b10e8888abcd99yyyzzz85a5", 1531420618L, body))
        .isEqualTo("v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503");
  }

  @Test
  void slashCommandBodyIsAnEncodedForm() {
    String body =
        SlackRequests.slashCommandBody(
            "U0REQ", "C0OPS", "payments-api --reason \"a&b\"", "http://x/r/1");

    assertThat(body)
        .startsWith("token=x&team_id=T0TEAM&team_domain=example&channel_id=C0OPS&channel_name=ops")
        .contains("&user_id=U0REQ&user_name=u0req&command=%2Frestart&")
        .contains("&text=payments-api+--reason+%22a%26b%22&")
        .contains("&api_app_id=A0APP&response_url=http%3A%2F%2Fx%2Fr%2F1&trigger_id=1.");
  }

  @Test
  void blockActionBodyCarriesARealisticPayload() throws Exception {
    String body =
        SlackRequests.blockActionBody(
            "U0LEAD", "C0OPS", "1700000000.000100", "restart_approve", "req-1", "http://x/r/2");

    assertThat(body).startsWith("payload=");
    JsonNode p =
        json.readTree(
            URLDecoder.decode(body.substring("payload=".length()), StandardCharsets.UTF_8));
    assertThat(p.get("type").asText()).isEqualTo("block_actions");
    assertThat(p.at("/user/id").asText()).isEqualTo("U0LEAD");
    assertThat(p.at("/user/team_id").asText()).isEqualTo("T0TEAM");
    assertThat(p.at("/container/message_ts").asText()).isEqualTo("1700000000.000100");
    assertThat(p.at("/container/channel_id").asText()).isEqualTo("C0OPS");
    assertThat(p.at("/channel/id").asText()).isEqualTo("C0OPS");
    assertThat(p.at("/message/ts").asText()).isEqualTo("1700000000.000100");
    assertThat(p.get("response_url").asText()).isEqualTo("http://x/r/2");
    assertThat(p.at("/actions/0/action_id").asText()).isEqualTo("restart_approve");
    assertThat(p.at("/actions/0/block_id").asText()).isEqualTo("approval_actions");
    assertThat(p.at("/actions/0/value").asText()).isEqualTo("req-1");
    assertThat(p.at("/actions/0/type").asText()).isEqualTo("button");
  }
}
