package dev.restartbot.sandbox;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.jboss.logging.Logger;

/**
 * Slack's Web API and its {@code response_url}s, faked on a loopback port from one table of data,
 * as the Slack SDK's own tests fake Slack: the sandbox serves the bot from one at dev time, and the
 * tests wrap one with recording and scripted failures ({@link Around}).
 *
 * <p>It parses a request (form or JSON, as the SDK sends either), routes it by method name and
 * answers from what it knows: a team and its bot, channels, people, user groups, and the messages
 * kept by a {@link Messages} store. In a closed world only what it was told of exists and the rest
 * gets Slack's error; in an open world whatever the bot names exists, and any method answers ok.
 * What the bot posts is held to Slack's Block Kit limits ({@link BlockLimits}) unless switched off.
 *
 * <p>A plain class, not a bean: nothing is served unless a sandbox or a test starts one.
 */
public final class SlackWebApiFake implements AutoCloseable {

  /**
   * The workspace and the app as {@code auth.test} describes them.
   *
   * @param enterpriseId the Enterprise Grid organisation it belongs to, or null
   */
  public record Team(
      String id,
      String name,
      String url,
      String botUserId,
      String botId,
      String botName,
      String appId,
      String enterpriseId) {

    /** A workspace outside any Enterprise Grid organisation. */
    public Team(
        String id,
        String name,
        String url,
        String botUserId,
        String botId,
        String botName,
        String appId) {
      this(id, name, url, botUserId, botId, botName, appId, null);
    }
  }

  /**
   * A person as {@code users.info} describes them.
   *
   * @param teamId the workspace they belong to: another one for a Slack Connect user
   * @param enterpriseId their Enterprise Grid organisation ({@code enterprise_user}), or null
   */
  public record User(
      String id,
      String teamId,
      String handle,
      String realName,
      boolean restricted,
      boolean ultraRestricted,
      String enterpriseId) {

    /** A person outside any Enterprise Grid organisation. */
    public User(
        String id,
        String teamId,
        String handle,
        String realName,
        boolean restricted,
        boolean ultraRestricted) {
      this(id, teamId, handle, realName, restricted, ultraRestricted, null);
    }
  }

  /** One message to keep: a thread reply when {@code threadTs} is set, ephemeral with visibleTo. */
  public record Post(
      String channel,
      String threadTs,
      String user,
      String text,
      JsonNode blocks,
      String visibleTo) {}

  /**
   * Where the workspace keeps what is posted: the sandbox's channel, which its page shows; an open
   * world keeps nothing and only numbers the posts.
   */
  public interface Messages {

    /** Keeps a new message and returns its ts. */
    String post(Post post);

    /** Replaces a kept, public message's text and blocks (null: unchanged); false if none. */
    boolean update(String channel, String ts, String text, JsonNode blocks);

    boolean has(String channel, String ts);
  }

  /**
   * Where the workspace keeps the views the bot opens ({@code views.open}, with a trigger id),
   * pushes, updates (by view id) and publishes (a person's Home tab): the sandbox's page shows
   * them. Without one, each view is echoed under a new id and forgotten, as an open world needs.
   */
  public interface Views {

    /**
     * Keeps {@code view} as {@code call} asks, gives it its id ({@code id}, put into it) and
     * answers null; or answers Slack's error code (an unknown trigger or view, say) and keeps
     * nothing.
     */
    String keep(ViewCall call, ObjectNode view);
  }

  /**
   * A call of a {@code views.*} method: the method and whichever of its arguments it carries.
   *
   * @param triggerId {@code views.open} and {@code views.push}
   * @param viewId {@code views.update}
   * @param userId {@code views.publish}
   */
  public record ViewCall(String method, String triggerId, String viewId, String userId) {}

  /**
   * One request as received. JSON bodies are flattened (nested values become JSON text, JSON nulls
   * are left out); a post to a response URL is method {@value #RESPONSE_URL} with its key as {@code
   * id}.
   */
  public record Request(String method, Map<String, String> params, String rawBody, String token) {}

  /**
   * What goes back: an HTTP status, a {@code Retry-After} in seconds or null, a JSON body. Status
   * {@value #NO_ANSWER} sends nothing: the connection closes, as when a reply is lost on the way.
   */
  public record Answer(int status, String retryAfter, JsonNode body) {

    /** The status of {@link #lost()}. */
    public static final int NO_ANSWER = 0;

    /** An answer as Slack gives most, errors included: HTTP 200 and a body saying ok or not. */
    public static Answer of(JsonNode body) {
      return new Answer(200, null, body);
    }

    /** No answer at all: the connection closes before a status line is sent. */
    public static Answer lost() {
      return new Answer(NO_ANSWER, null, null);
    }

    public boolean ok() {
      return status == 200 && body.path("ok").asBoolean();
    }
  }

  /** Stands around every answer: may answer instead of the fake, or look at what it answered. */
  @FunctionalInterface
  public interface Around {
    Answer answer(Request request, Function<Request, Answer> fake);
  }

  /** The method name a post to a response URL arrives as. */
  public static final String RESPONSE_URL = "response_url";

  private static final Logger LOG = Logger.getLogger(SlackWebApiFake.class);
  private static final String API = "/api/";
  private static final String RESPONSE = "/response/";

  private final ObjectMapper json;
  private final Team team;
  private final String token;
  private final String anyChannelName;
  private final Messages messages;
  private final Views views;
  private final BiFunction<String, String, String> permalinks;
  private final Around around;
  private final Map<String, String> channels;
  private final Map<String, User> users;
  private final Map<String, List<String>> groups;
  private final HttpServer server;
  private final ExecutorService executor;
  private volatile String socketModeUrl;
  private volatile boolean blockLimits = true;

  private SlackWebApiFake(Builder b) {
    json = b.json;
    team = b.team;
    token = b.token;
    anyChannelName = b.anyChannelName;
    messages = b.messages != null ? b.messages : new Numbered();
    views = b.views != null ? b.views : SlackWebApiFake::forget;
    permalinks = b.permalinks;
    around = b.around;
    channels = new ConcurrentHashMap<>(b.channels);
    users = new ConcurrentHashMap<>(b.users);
    groups = new ConcurrentHashMap<>(b.groups);
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open the fake Slack API", e);
    }
    AtomicInteger threads = new AtomicInteger();
    executor =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, b.threadName + "-" + threads.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    // The dispatcher thread inherits daemon status from the thread that starts the server: started
    // from main, it would keep a JVM alive after its last test.
    Thread starter = new Thread(server::start, b.threadName + "-start");
    starter.setDaemon(true);
    starter.start();
    try {
      starter.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted starting the fake Slack API", e);
    }
  }

  public static Builder builder(Team team, ObjectMapper json) {
    return new Builder(team, json);
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
    try {
      executor.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  public int port() {
    return server.getAddress().getPort();
  }

  /** The Web API prefix for {@code SlackConfig.setMethodsEndpointUrlPrefix}; ends in /api/. */
  public String apiUrl() {
    return base() + API;
  }

  /** A response URL whose posts arrive with {@code key} as their {@code id}. */
  public String responseUrl(String key) {
    return base() + RESPONSE + key;
  }

  /** A response URL like a slash command's: its posts show in {@code channel}, to {@code user}. */
  public String responseUrlFor(String channel, String user) {
    return responseUrl(channel + "/" + user + "/" + randomHex(8));
  }

  // ---- what the workspace knows --------------------------------------------------------------

  public void addUser(User user) {
    users.put(user.id(), user);
  }

  public void setGroupMembers(String groupId, List<String> userIds) {
    groups.put(groupId, List.copyOf(userIds));
  }

  /** Forgets the people and groups added since the start; channels stay. */
  public void forgetPeople() {
    users.clear();
    groups.clear();
  }

  /** What {@code apps.connections.open} answers: a Socket Mode server's ws:// URL. */
  public void setSocketModeUrl(String url) {
    this.socketModeUrl = url;
  }

  /** Whether posts and views are held to Slack's Block Kit limits (on from the start). */
  public void checkBlockLimits(boolean on) {
    this.blockLimits = on;
  }

  // ---- the methods --------------------------------------------------------------------------

  private Answer answer(Request request) {
    Map<String, String> p = request.params();
    if (token != null && !request.method().equals(RESPONSE_URL) && !token.equals(request.token())) {
      return Answer.of(error("invalid_auth"));
    }
    return Answer.of(
        switch (request.method()) {
          case "auth.test" -> authTest();
          case "chat.postMessage" -> postMessage(p);
          case "chat.update" -> update(p);
          case "chat.postEphemeral" -> postEphemeral(p);
          case "chat.getPermalink" -> permalink(p);
          case "users.info" -> userInfo(p);
          case "usergroups.users.list" -> groupMembers(p);
          case "conversations.info" -> conversationInfo(p);
          case "apps.connections.open" -> connectionsOpen();
          case "views.open", "views.push", "views.update", "views.publish" ->
              view(request.method(), p);
          case RESPONSE_URL -> respond(p);
          default -> otherMethod(request.method());
        });
  }

  private ObjectNode authTest() {
    ObjectNode a =
        ok().put("url", team.url())
            .put("team", team.name())
            .put("user", team.botName())
            .put("team_id", team.id())
            .put("user_id", team.botUserId())
            .put("bot_id", team.botId())
            .put("app_id", team.appId());
    if (team.enterpriseId() != null) {
      a.put("enterprise_id", team.enterpriseId());
    }
    return a.put("is_enterprise_install", false);
  }

  private ObjectNode postMessage(Map<String, String> p) {
    String channel = p.get("channel");
    if (channelName(channel).isEmpty()) {
      return error("channel_not_found");
    }
    if (blockLimits && BlockLimits.tooLong(p.get("text"))) {
      return error("msg_too_long");
    }
    String thread = blankToNull(p.get("thread_ts"));
    if (thread != null && isClosed() && !messages.has(channel, thread)) {
      return error("thread_not_found");
    }
    Optional<ObjectNode> refused = refuseBlocks(p.get("blocks"), "/blocks");
    if (refused.isPresent()) {
      return refused.get();
    }
    String text = p.get("text");
    String ts =
        messages.post(
            new Post(channel, thread, team.botUserId(), text, blocks(p.get("blocks")), null));
    ObjectNode a = ok().put("channel", channel).put("ts", ts);
    ObjectNode message = a.putObject("message");
    message.put("type", "message").put("user", team.botUserId()).put("bot_id", team.botId());
    putIfPresent(message, "text", text);
    message.put("ts", ts);
    putIfPresent(message, "thread_ts", thread);
    return a;
  }

  private ObjectNode update(Map<String, String> p) {
    String channel = p.get("channel");
    if (channelName(channel).isEmpty()) {
      return error("channel_not_found");
    }
    if (blockLimits && BlockLimits.tooLong(p.get("text"))) {
      return error("msg_too_long");
    }
    Optional<ObjectNode> refused = refuseBlocks(p.get("blocks"), "/blocks");
    if (refused.isPresent()) {
      return refused.get();
    }
    String ts = p.getOrDefault("ts", "");
    String text = p.get("text");
    if (!messages.update(channel, ts, text, blocks(p.get("blocks"))) && isClosed()) {
      return error("message_not_found");
    }
    ObjectNode a = ok().put("channel", channel).put("ts", ts);
    putIfPresent(a, "text", text);
    return a;
  }

  private ObjectNode postEphemeral(Map<String, String> p) {
    String channel = p.get("channel");
    if (channelName(channel).isEmpty()) {
      return error("channel_not_found");
    }
    if (blockLimits && BlockLimits.tooLong(p.get("text"))) {
      return error("msg_too_long");
    }
    String user = p.getOrDefault("user", "");
    if (user(user).isEmpty()) {
      return error("user_not_in_channel");
    }
    Optional<ObjectNode> refused = refuseBlocks(p.get("blocks"), "/blocks");
    if (refused.isPresent()) {
      return refused.get();
    }
    String ts =
        messages.post(
            new Post(
                channel,
                blankToNull(p.get("thread_ts")),
                team.botUserId(),
                p.get("text"),
                blocks(p.get("blocks")),
                user));
    return ok().put("message_ts", ts);
  }

  private ObjectNode permalink(Map<String, String> p) {
    String channel = p.getOrDefault("channel", "");
    if (channelName(channel).isEmpty()) {
      return error("channel_not_found");
    }
    return ok().put("channel", channel)
        .put("permalink", permalinks.apply(channel, p.getOrDefault("message_ts", "")));
  }

  private ObjectNode userInfo(Map<String, String> p) {
    return user(p.getOrDefault("user", ""))
        .map(u -> ok().<ObjectNode>set("user", userJson(u)))
        .orElseGet(() -> error("user_not_found"));
  }

  private ObjectNode groupMembers(Map<String, String> p) {
    List<String> members = groups.get(p.getOrDefault("usergroup", ""));
    if (members == null) {
      return error("no_such_subteam");
    }
    ObjectNode a = ok();
    members.forEach(a.putArray("users")::add);
    return a;
  }

  private ObjectNode conversationInfo(Map<String, String> p) {
    String channel = p.getOrDefault("channel", "");
    return channelName(channel)
        .map(
            name ->
                ok().<ObjectNode>set(
                        "channel",
                        json.createObjectNode()
                            .put("id", channel)
                            .put("name", name)
                            .put("is_member", true)))
        .orElseGet(() -> error("channel_not_found"));
  }

  private ObjectNode connectionsOpen() {
    String url = socketModeUrl;
    return url == null ? error("socket_mode_not_configured_in_fake") : ok().put("url", url);
  }

  /** Modals and the home tab: held to the limits, kept (see {@link Views}), echoed back. */
  private ObjectNode view(String method, Map<String, String> p) {
    JsonNode view = readJson(p.get("view"));
    if (view == null || !view.isObject()) {
      return error("invalid_arguments");
    }
    if (blockLimits) {
      List<String> breaches = BlockLimits.viewBreaches(view, "/view");
      if (!breaches.isEmpty()) {
        return invalidBlocks(breaches);
      }
    }
    ObjectNode echoed = view.deepCopy();
    echoed.put("team_id", team.id());
    String refused =
        views.keep(
            new ViewCall(method, p.get("trigger_id"), p.get("view_id"), p.get("user_id")), echoed);
    return refused != null ? error(refused) : ok().set("view", echoed);
  }

  /** The open world's views: each one a new id, nothing kept. */
  private static String forget(ViewCall call, ObjectNode view) {
    view.put("id", newViewId());
    return null;
  }

  /** An id shaped as Slack's view ids are. */
  static String newViewId() {
    return "V" + randomHex(5).toUpperCase(Locale.ROOT);
  }

  /**
   * A post to a response URL: shown in its channel to its user, or to everyone when it asks for
   * {@code in_channel}. A URL this fake did not hand out is a live one in an open world.
   */
  private ObjectNode respond(Map<String, String> p) {
    String[] key = p.getOrDefault("id", "").split("/");
    boolean resolved =
        key.length >= 2 && channelName(key[0]).isPresent() && user(key[1]).isPresent();
    if (!resolved) {
      return isClosed() ? error("expired_url") : ok();
    }
    boolean inChannel = "in_channel".equals(p.get("response_type"));
    messages.post(
        new Post(
            key[0],
            null,
            team.botUserId(),
            p.get("text"),
            blocks(p.get("blocks")),
            inChannel ? null : key[1]));
    return ok();
  }

  private ObjectNode otherMethod(String method) {
    if (!isClosed()) {
      return ok();
    }
    LOG.warnf("fake Slack: the bot called %s, which this fake does not offer", method);
    return error("unknown_method");
  }

  // ---- the workspace's data -----------------------------------------------------------------

  private boolean isClosed() {
    return anyChannelName == null;
  }

  private Optional<String> channelName(String id) {
    String name = id == null ? null : channels.get(id);
    if (name != null || isClosed() || id == null) {
      return Optional.ofNullable(name);
    }
    return Optional.of(anyChannelName);
  }

  private Optional<User> user(String id) {
    User known = users.get(id);
    if (known != null || isClosed()) {
      return Optional.ofNullable(known);
    }
    String handle = id.toLowerCase(Locale.ROOT);
    return Optional.of(new User(id, team.id(), handle, handle, false, false));
  }

  private ObjectNode userJson(User user) {
    ObjectNode u = json.createObjectNode();
    u.put("id", user.id()).put("team_id", user.teamId()).put("name", user.handle());
    u.put("real_name", user.realName()).put("is_bot", false).put("deleted", false);
    u.put("is_restricted", user.restricted());
    u.put("is_ultra_restricted", user.ultraRestricted());
    u.put("tz", "UTC");
    u.putObject("profile").put("display_name", user.realName()).put("real_name", user.realName());
    if (user.enterpriseId() != null) {
      ObjectNode grid = u.putObject("enterprise_user");
      grid.put("id", user.id()).put("enterprise_id", user.enterpriseId());
      grid.put("enterprise_name", user.enterpriseId()).put("is_admin", false);
      grid.put("is_owner", false).putArray("teams").add(user.teamId());
    }
    return u;
  }

  /** Slack's answer to blocks it will not take, or empty when it takes them (or checks are off). */
  private Optional<ObjectNode> refuseBlocks(String raw, String pointer) {
    if (!blockLimits || raw == null || raw.isBlank()) {
      return Optional.empty();
    }
    JsonNode blocks = blocks(raw);
    if (blocks == null) {
      return Optional.of(error("invalid_blocks_format"));
    }
    List<String> breaches = BlockLimits.breaches(blocks, pointer, BlockLimits.MESSAGE_BLOCKS);
    return breaches.isEmpty() ? Optional.empty() : Optional.of(invalidBlocks(breaches));
  }

  private ObjectNode invalidBlocks(List<String> breaches) {
    // Slack's answer reaches only the app; here it also shows in the log of whoever runs the fake.
    LOG.infof("fake Slack: blocks refused, as Slack refuses them: %s", breaches);
    ObjectNode a = error("invalid_blocks");
    ArrayNode errors = a.putArray("errors");
    ArrayNode metadata = a.putObject("response_metadata").putArray("messages");
    for (String breach : breaches) {
      errors.add(breach);
      metadata.add("[ERROR] " + breach);
    }
    return a;
  }

  /** Blocks arrive as a JSON string in a form field, or as a JSON array in a JSON body. */
  private JsonNode blocks(String raw) {
    JsonNode node = readJson(raw);
    return node != null && node.isArray() ? node : null;
  }

  private JsonNode readJson(String raw) {
    if (raw == null || raw.isBlank()) {
      return null;
    }
    try {
      return json.readTree(raw);
    } catch (IOException e) {
      return null;
    }
  }

  // ---- HTTP ---------------------------------------------------------------------------------

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String raw;
      try (InputStream in = exchange.getRequestBody()) {
        raw = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
      String path = exchange.getRequestURI().getPath();
      Map<String, String> params = params(exchange, raw);
      String method;
      if (path.startsWith(API)) {
        method = path.substring(API.length());
      } else if (path.startsWith(RESPONSE)) {
        method = RESPONSE_URL;
        params.put("id", path.substring(RESPONSE.length()));
      } else {
        send(exchange, new Answer(404, null, error("unknown_path")));
        return;
      }
      String bearer = exchange.getRequestHeaders().getFirst("Authorization");
      String token =
          bearer != null && bearer.startsWith("Bearer ")
              ? bearer.substring("Bearer ".length())
              : params.get("token");
      Request request = new Request(method, Collections.unmodifiableMap(params), raw, token);
      send(exchange, around.answer(request, this::answer));
    } catch (RuntimeException e) {
      // A bug in the fake must show as a 500 and a stack trace, not as a silently dropped call.
      LOG.warn("fake Slack: failed on a request", e);
      try {
        send(exchange, new Answer(500, null, error("fatal_error")));
      } catch (IOException | RuntimeException ignored) {
        // Headers already went out; closing the exchange ends it either way.
      }
    }
  }

  private Map<String, String> params(HttpExchange exchange, String body) {
    Map<String, String> params = new LinkedHashMap<>();
    String query = exchange.getRequestURI().getRawQuery();
    if (query != null) {
      params.putAll(form(query));
    }
    String type =
        Objects.requireNonNullElse(exchange.getRequestHeaders().getFirst("Content-Type"), "")
            .toLowerCase(Locale.ROOT);
    if (type.contains("json") || body.stripLeading().startsWith("{")) {
      JsonNode root;
      try {
        root = json.readTree(body.isBlank() ? "{}" : body);
      } catch (JsonProcessingException e) {
        throw new UncheckedIOException("the fake Slack API got malformed JSON: " + body, e);
      }
      if (root != null && root.isObject()) {
        for (Map.Entry<String, JsonNode> field : root.properties()) {
          JsonNode v = field.getValue();
          // JSON null means "not sent", as the SDK's Gson would leave it out anyway.
          if (!v.isNull()) {
            params.put(field.getKey(), v.isValueNode() ? v.asText() : v.toString());
          }
        }
      }
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

  private void send(HttpExchange exchange, Answer answer) throws IOException {
    if (answer.status() == Answer.NO_ANSWER) {
      // Closing the exchange before any header goes out drops the connection: the client reads
      // the end of the stream where the answer should be.
      return;
    }
    byte[] bytes = json.writeValueAsBytes(answer.body());
    exchange.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
    if (answer.retryAfter() != null) {
      exchange.getResponseHeaders().set("Retry-After", answer.retryAfter());
    }
    exchange.sendResponseHeaders(answer.status(), bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  private String base() {
    return "http://127.0.0.1:" + port();
  }

  private ObjectNode ok() {
    return json.createObjectNode().put("ok", true);
  }

  private ObjectNode error(String code) {
    return json.createObjectNode().put("ok", false).put("error", code);
  }

  private static void putIfPresent(ObjectNode node, String field, String value) {
    if (value != null) {
      node.put(field, value);
    }
  }

  private static String blankToNull(String value) {
    return value == null || value.isBlank() ? null : value;
  }

  /** Random hex digits, for tokens, secrets and URLs nobody should guess. */
  static String randomHex(int bytes) {
    byte[] random = new byte[bytes];
    new SecureRandom().nextBytes(random);
    return HexFormat.of().formatHex(random);
  }

  /** How a fake is set up before it starts listening. */
  public static final class Builder {

    private final Team team;
    private final ObjectMapper json;
    private final Map<String, String> channels = new LinkedHashMap<>();
    private final Map<String, User> users = new LinkedHashMap<>();
    private final Map<String, List<String>> groups = new LinkedHashMap<>();
    private String token;
    private String anyChannelName;
    private Messages messages;
    private Views views;
    private BiFunction<String, String, String> permalinks;
    private Around around = (request, fake) -> fake.apply(request);
    private String threadName = "fake-slack";

    private Builder(Team team, ObjectMapper json) {
      this.team = team;
      this.json = json;
      this.permalinks =
          (channel, ts) -> team.url() + "archives/" + channel + "/p" + ts.replace(".", "");
    }

    /** Only calls with this bot token are answered ({@code invalid_auth} otherwise). */
    public Builder token(String token) {
      this.token = token;
      return this;
    }

    /**
     * Whatever the bot names exists: any channel (named {@code channelName} unless added), any
     * user, any message, any method. Without this, only what was added exists.
     */
    public Builder openWorld(String channelName) {
      this.anyChannelName = channelName;
      return this;
    }

    public Builder channel(String id, String name) {
      channels.put(id, name);
      return this;
    }

    public Builder user(User user) {
      users.put(user.id(), user);
      return this;
    }

    public Builder group(String id, List<String> members) {
      groups.put(id, List.copyOf(members));
      return this;
    }

    /** Where messages are kept; needed in a closed world, which must know its messages. */
    public Builder messages(Messages messages) {
      this.messages = messages;
      return this;
    }

    /** Where views are kept; without it each is echoed under a new id and forgotten. */
    public Builder views(Views views) {
      this.views = views;
      return this;
    }

    /** What {@code chat.getPermalink} answers for a channel and a ts; Slack's archive URL else. */
    public Builder permalinks(BiFunction<String, String, String> permalinks) {
      this.permalinks = permalinks;
      return this;
    }

    public Builder around(Around around) {
      this.around = around;
      return this;
    }

    /** The prefix of the server's thread names. */
    public Builder threadName(String threadName) {
      this.threadName = threadName;
      return this;
    }

    /** Opens the port and answers from now on. */
    public SlackWebApiFake start() {
      if (anyChannelName == null && messages == null) {
        throw new IllegalStateException("a closed world needs a store that keeps its messages");
      }
      return new SlackWebApiFake(this);
    }
  }

  /**
   * The open world's messages: none kept, each post numbered with a Slack-like ts from a fixed
   * epoch, so that ts never repeat for the life of the fake.
   */
  private static final class Numbered implements Messages {

    private static final long EPOCH_SECOND = 1_700_000_000L;
    private final AtomicLong posted = new AtomicLong();

    @Override
    public String post(Post post) {
      long n = posted.incrementAndGet();
      return String.format(Locale.ROOT, "%d.%06d", EPOCH_SECOND + n / 10_000, (n % 10_000) * 100);
    }

    @Override
    public boolean update(String channel, String ts, String text, JsonNode blocks) {
      return false;
    }

    @Override
    public boolean has(String channel, String ts) {
      return false;
    }
  }
}
