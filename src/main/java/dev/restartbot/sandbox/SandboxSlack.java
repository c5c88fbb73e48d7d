package dev.restartbot.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.quarkus.arc.profile.UnlessBuildProfile;
import io.quarkus.arc.properties.IfBuildProperty;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * The sandbox's Slack: a small Web API on a loopback port that answers the methods the bot calls
 * and writes what the bot says into the {@link SandboxChannel}; {@code response_url}s are served
 * here too. The bot reaches it through the real Slack SDK, so the requests are the ones Slack would
 * get.
 */
@Singleton
@IfBuildProperty(name = "restart.sandbox.enabled", stringValue = "true")
@UnlessBuildProfile("prod")
public class SandboxSlack {

  private static final Logger LOG = Logger.getLogger(SandboxSlack.class);
  private static final String API = "/api/";
  private static final String RESPONSE = "/response/";

  private final SandboxChannel channel;
  private final ObjectMapper json;
  private final String botToken;
  private final String signingSecret;
  private final HttpServer server;
  private final ExecutorService executor;

  public SandboxSlack(SandboxChannel channel, ObjectMapper json) {
    this.channel = channel;
    this.json = json;
    this.botToken = "xoxb-sandbox-" + randomHex(12);
    this.signingSecret = randomHex(32);
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    } catch (IOException e) {
      throw new UncheckedIOException("the sandbox could not open its fake Slack API", e);
    }
    executor =
        Executors.newFixedThreadPool(
            4,
            r -> {
              Thread t = new Thread(r, "sandbox-slack");
              t.setDaemon(true);
              return t;
            });
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
    LOG.infof("sandbox: fake Slack Web API on %s", apiUrl());
  }

  @PreDestroy
  void stop() {
    server.stop(0);
    executor.shutdownNow();
    try {
      executor.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The Web API prefix the bot's Slack client calls; ends in {@code /api/} as the SDK needs. */
  public String apiUrl() {
    return base() + API;
  }

  /** Where answers to a slash command typed by {@code userId} go. */
  public String responseUrl(String userId) {
    return base() + RESPONSE + userId + "/" + randomHex(8);
  }

  public String botToken() {
    return botToken;
  }

  /** Made up at each start; the sandbox page signs its requests with it. */
  public String signingSecret() {
    return signingSecret;
  }

  private String base() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String path = exchange.getRequestURI().getPath();
      Map<String, String> params = params(exchange);
      ObjectNode answer;
      if (path.startsWith(API)) {
        answer =
            authorized(exchange)
                ? call(path.substring(API.length()), params)
                : error("invalid_auth");
      } else if (path.startsWith(RESPONSE)) {
        String[] parts = path.substring(RESPONSE.length()).split("/");
        answer = respond(parts[0], params);
      } else {
        send(exchange, 404, error("unknown_path"));
        return;
      }
      send(exchange, 200, answer);
    } catch (RuntimeException e) {
      LOG.warn("sandbox: the fake Slack API failed on a request", e);
      send(exchange, 500, error("fatal_error"));
    }
  }

  /** One Web API method, answered as Slack answers it (the fields the bot reads). */
  private ObjectNode call(String method, Map<String, String> p) {
    return switch (method) {
      case "auth.test" ->
          ok().put("url", "https://" + SandboxWorkspace.TEAM_DOMAIN + ".slack.invalid/")
              .put("team", "Sandbox")
              .put("user", SandboxWorkspace.BOT_NAME)
              .put("team_id", SandboxWorkspace.TEAM_ID)
              .put("user_id", SandboxWorkspace.BOT_USER_ID)
              .put("bot_id", SandboxWorkspace.BOT_ID)
              .put("is_enterprise_install", false);
      case "chat.postMessage" -> postMessage(p);
      case "chat.update" -> update(p);
      case "chat.postEphemeral" -> postEphemeral(p);
      case "chat.getPermalink" ->
          inChannel(p.get("channel"))
              ? ok().put("channel", SandboxWorkspace.CHANNEL_ID)
                  .put("permalink", "/sandbox#m" + p.getOrDefault("message_ts", ""))
              : error("channel_not_found");
      case "users.info" ->
          SandboxWorkspace.person(p.getOrDefault("user", ""))
              .map(person -> ok().<ObjectNode>set("user", user(person)))
              .orElseGet(() -> error("user_not_found"));
      case "usergroups.users.list" -> {
        if (!SandboxWorkspace.LEADS_GROUP.equals(p.get("usergroup"))) {
          yield error("no_such_subteam");
        }
        ObjectNode a = ok();
        a.putArray("users").add(SandboxWorkspace.APPROVER.id());
        yield a;
      }
      case "conversations.info" ->
          inChannel(p.get("channel"))
              ? ok().set(
                      "channel",
                      json.createObjectNode()
                          .put("id", SandboxWorkspace.CHANNEL_ID)
                          .put("name", SandboxWorkspace.CHANNEL_NAME)
                          .put("is_member", true))
              : error("channel_not_found");
      default -> {
        LOG.warnf("sandbox: the bot called %s, which the sandbox's Slack does not offer", method);
        yield error("unknown_method");
      }
    };
  }

  private ObjectNode postMessage(Map<String, String> p) {
    if (!inChannel(p.get("channel"))) {
      return error("channel_not_found");
    }
    String thread = blankToNull(p.get("thread_ts"));
    if (thread != null && !channel.has(thread)) {
      return error("thread_not_found");
    }
    String ts =
        channel.post(thread, SandboxWorkspace.BOT_USER_ID, p.get("text"), blocks(p), null, null);
    ObjectNode a = ok().put("channel", SandboxWorkspace.CHANNEL_ID).put("ts", ts);
    ObjectNode message = a.putObject("message");
    message.put("type", "message").put("user", SandboxWorkspace.BOT_USER_ID).put("ts", ts);
    message.put("bot_id", SandboxWorkspace.BOT_ID).put("text", p.getOrDefault("text", ""));
    if (thread != null) {
      message.put("thread_ts", thread);
    }
    return a;
  }

  private ObjectNode update(Map<String, String> p) {
    if (!inChannel(p.get("channel"))) {
      return error("channel_not_found");
    }
    String ts = p.getOrDefault("ts", "");
    return channel
        .update(ts, p.get("text"), blocks(p))
        .map(
            updated ->
                ok().put("channel", SandboxWorkspace.CHANNEL_ID)
                    .put("ts", ts)
                    .put("text", updated.text() == null ? "" : updated.text()))
        .orElseGet(() -> error("message_not_found"));
  }

  private ObjectNode postEphemeral(Map<String, String> p) {
    if (!inChannel(p.get("channel"))) {
      return error("channel_not_found");
    }
    String user = p.getOrDefault("user", "");
    if (SandboxWorkspace.person(user).isEmpty()) {
      return error("user_not_in_channel");
    }
    String ts =
        channel.post(
            blankToNull(p.get("thread_ts")),
            SandboxWorkspace.BOT_USER_ID,
            p.get("text"),
            blocks(p),
            user,
            null);
    return ok().put("message_ts", ts);
  }

  /** A post to a {@code response_url}: ephemeral unless it asks for {@code in_channel}. */
  private ObjectNode respond(String userId, Map<String, String> p) {
    if (SandboxWorkspace.person(userId).isEmpty()) {
      return error("expired_url");
    }
    boolean inChannel = "in_channel".equals(p.get("response_type"));
    channel.post(
        null,
        SandboxWorkspace.BOT_USER_ID,
        p.get("text"),
        blocks(p),
        inChannel ? null : userId,
        null);
    return ok();
  }

  private ObjectNode user(SandboxWorkspace.Person person) {
    ObjectNode u = json.createObjectNode();
    u.put("id", person.id()).put("team_id", SandboxWorkspace.TEAM_ID).put("name", person.handle());
    u.put("real_name", person.realName()).put("is_bot", false).put("deleted", false);
    u.put("is_restricted", false).put("is_ultra_restricted", false).put("tz", "UTC");
    u.putObject("profile")
        .put("display_name", person.realName())
        .put("real_name", person.realName());
    return u;
  }

  private boolean authorized(HttpExchange exchange) {
    String header = exchange.getRequestHeaders().getFirst("Authorization");
    return header != null && header.equals("Bearer " + botToken);
  }

  private static boolean inChannel(String id) {
    return SandboxWorkspace.CHANNEL_ID.equals(id);
  }

  /** Blocks arrive as a JSON string in a form field, or as a JSON array in a JSON body. */
  private JsonNode blocks(Map<String, String> p) {
    String raw = p.get("blocks");
    if (raw == null || raw.isBlank()) {
      return null;
    }
    try {
      JsonNode node = json.readTree(raw);
      return node != null && node.isArray() ? node : null;
    } catch (IOException e) {
      LOG.warnf("sandbox: the bot sent blocks that are not JSON: %s", e.getMessage());
      return null;
    }
  }

  private Map<String, String> params(HttpExchange exchange) throws IOException {
    Map<String, String> params = new LinkedHashMap<>();
    String query = exchange.getRequestURI().getRawQuery();
    if (query != null) {
      params.putAll(form(query));
    }
    String body;
    try (InputStream in = exchange.getRequestBody()) {
      body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    String type =
        Optional.ofNullable(exchange.getRequestHeaders().getFirst("Content-Type"))
            .orElse("")
            .toLowerCase(Locale.ROOT);
    if (type.contains("json")) {
      JsonNode root = json.readTree(body.isBlank() ? "{}" : body);
      root.properties()
          .forEach(
              e ->
                  params.put(
                      e.getKey(),
                      e.getValue().isValueNode()
                          ? e.getValue().asText()
                          : e.getValue().toString()));
    } else {
      params.putAll(form(body));
    }
    return params;
  }

  private static Map<String, String> form(String encoded) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String pair : encoded.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String key = eq < 0 ? pair : pair.substring(0, eq);
      String value = eq < 0 ? "" : pair.substring(eq + 1);
      out.put(
          URLDecoder.decode(key, StandardCharsets.UTF_8),
          URLDecoder.decode(value, StandardCharsets.UTF_8));
    }
    return out;
  }

  private ObjectNode ok() {
    return json.createObjectNode().put("ok", true);
  }

  private ObjectNode error(String code) {
    return json.createObjectNode().put("ok", false).put("error", code);
  }

  private void send(HttpExchange exchange, int status, ObjectNode body) throws IOException {
    byte[] bytes = json.writeValueAsBytes(body);
    exchange.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  private static String blankToNull(String value) {
    return value == null || value.isBlank() ? null : value;
  }

  private static String randomHex(int bytes) {
    byte[] random = new byte[bytes];
    new SecureRandom().nextBytes(random);
    return HexFormat.of().formatHex(random);
  }
}
