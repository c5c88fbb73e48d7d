package dev.restartbot.testing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.restassured.RestAssured;
import io.restassured.config.EncoderConfig;
import io.restassured.config.RestAssuredConfig;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** Builds and posts signed requests to {@code /slack/events} the way Slack sends them. */
public final class SlackRequests {

  /** Shaped as Slack issues them: 32 lower-case hex characters (others stop the start). */
  public static final String SIGNING_SECRET = "8f14e45fceea167a5a36dedd4bea2543";

  public static final String EVENTS_PATH = "/slack/events";
  public static final String APP_ID = "A0APP";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final java.util.concurrent.atomic.AtomicLong TRIGGERS =
      new java.util.concurrent.atomic.AtomicLong();

  private SlackRequests() {}

  /** Slack's v0 signature: {@code v0=} + hex HMAC-SHA256 of {@code v0:<timestamp>:<body>}. */
  public static String sign(String secret, long timestamp, String body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      byte[] digest =
          mac.doFinal(("v0:" + timestamp + ":" + body).getBytes(StandardCharsets.UTF_8));
      return "v0=" + HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("HmacSHA256 unavailable", e);
    }
  }

  /** The form body of a {@code /restart} slash command from a public channel. */
  public static String slashCommandBody(
      String userId, String channelId, String text, String responseUrl) {
    return slashCommandBody(userId, channelId, "ops", text, responseUrl);
  }

  /**
   * The form body of a {@code /restart} slash command; Slack sends {@code channel_name} {@code
   * directmessage} from a DM and {@code privategroup} from a private channel.
   */
  public static String slashCommandBody(
      String userId, String channelId, String channelName, String text, String responseUrl) {
    Map<String, String> form = new LinkedHashMap<>();
    form.put("token", "x");
    form.put("team_id", FakeSlackApi.TEAM_ID);
    form.put("team_domain", "example");
    form.put("channel_id", channelId);
    form.put("channel_name", channelName);
    form.put("user_id", userId);
    form.put("user_name", userId.toLowerCase(Locale.ROOT));
    form.put("command", "/restart");
    form.put("text", text);
    form.put("api_app_id", APP_ID);
    form.put("response_url", responseUrl);
    form.put("trigger_id", triggerId());
    return form.entrySet().stream()
        .map(e -> e.getKey() + "=" + encode(e.getValue()))
        .collect(Collectors.joining("&"));
  }

  /** The form body ({@code payload=<json>}) of a button click on a bot message. */
  public static String blockActionBody(
      String userId,
      String channelId,
      String messageTs,
      String actionId,
      String value,
      String responseUrl) {
    return blockActionBody(
        userId, channelId, messageTs, actionId, value, responseUrl, FakeSlackApi.TEAM_ID, APP_ID);
  }

  /** A click as above, from the workspace {@code teamId} and for the app {@code appId}. */
  public static String blockActionBody(
      String userId,
      String channelId,
      String messageTs,
      String actionId,
      String value,
      String responseUrl,
      String teamId,
      String appId) {
    String name = userId.toLowerCase(Locale.ROOT);
    ObjectNode p = JSON.createObjectNode();
    p.put("type", "block_actions");
    p.putObject("user")
        .put("id", userId)
        .put("username", name)
        .put("name", name)
        .put("team_id", teamId);
    p.put("api_app_id", appId);
    p.put("token", "x");
    p.putObject("container")
        .put("type", "message")
        .put("message_ts", messageTs)
        .put("channel_id", channelId)
        .put("is_ephemeral", false);
    p.put("trigger_id", triggerId());
    p.putObject("team").put("id", teamId).put("domain", "example");
    p.putObject("channel").put("id", channelId).put("name", "ops");
    p.putObject("message")
        .put("ts", messageTs)
        .put("text", "Restart request")
        .put("type", "message")
        .put("user", FakeSlackApi.BOT_USER_ID)
        .put("bot_id", FakeSlackApi.BOT_ID);
    p.put("response_url", responseUrl);
    ObjectNode action = p.putArray("actions").addObject();
    action.put("action_id", actionId);
    action.put("block_id", "approval_actions");
    action.putObject("text").put("type", "plain_text").put("text", "Approve");
    action.put("value", value);
    action.put("type", "button");
    action.put("action_ts", actionTs());
    try {
      return "payload=" + encode(JSON.writeValueAsString(p));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Posts {@code body} signed with {@link #SIGNING_SECRET} at the current time. */
  public static Response post(String body) {
    long now = Instant.now().getEpochSecond();
    return post(body, now, sign(SIGNING_SECRET, now, body));
  }

  /** Posts {@code body} with exactly these signature headers, for tampering tests. */
  public static Response post(String body, long timestamp, String signature) {
    return request(body)
        .header("X-Slack-Request-Timestamp", Long.toString(timestamp))
        .header("X-Slack-Signature", signature)
        .post(EVENTS_PATH);
  }

  /**
   * Posts {@code body} signed now, with the two signature headers named exactly as given (e.g.
   * {@code x-slack-SIGNATURE}), as proxies and HTTP/2 may spell them.
   */
  public static Response postWithHeaderNames(
      String body, String timestampHeader, String signatureHeader) {
    long now = Instant.now().getEpochSecond();
    return request(body)
        .header(timestampHeader, Long.toString(now))
        .header(signatureHeader, sign(SIGNING_SECRET, now, body))
        .post(EVENTS_PATH);
  }

  /** Posts {@code body} with no signature headers at all. */
  public static Response postUnsigned(String body) {
    return request(body).post(EVENTS_PATH);
  }

  private static RequestSpecification request(String body) {
    // The signature covers the exact bytes: RestAssured must neither re-encode the form nor
    // append a charset to the content type.
    RestAssuredConfig config =
        RestAssured.config()
            .encoderConfig(
                EncoderConfig.encoderConfig()
                    .appendDefaultContentCharsetToContentTypeIfUndefined(false));
    return RestAssured.given()
        .config(config)
        .contentType("application/x-www-form-urlencoded")
        .body(body);
  }

  /**
   * Unique per request, as Slack's are: two commands with the same text in the same second are
   * still two requests (the app takes a request with a signature it has seen as a replay).
   */
  private static String triggerId() {
    return "1." + TRIGGERS.incrementAndGet() + "." + Long.toHexString(System.nanoTime());
  }

  private static String actionTs() {
    Instant now = Instant.now();
    return String.format(Locale.ROOT, "%d.%06d", now.getEpochSecond(), now.getNano() / 1_000);
  }

  private static String encode(String value) {
    return URLEncoder.encode(value == null ? "" : value, StandardCharsets.UTF_8);
  }
}
