package dev.restartbot.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * An in-process fake of the Slack Web API and of {@code response_url}s that records every call.
 *
 * <p>Independent of the Slack SDK on purpose: it checks what goes over the wire, not what the SDK
 * thinks it sent. One instance lives for the whole JVM (Quarkus keeps the app, and with it the
 * configured URL, across test classes); tests call {@link #reset()} instead of restarting it.
 */
public final class FakeSlackApi {

  /** One request as received. JSON bodies are flattened: nested values become JSON text. */
  public record Call(String method, Map<String, String> params, String rawBody, Instant at) {}

  public static final String TEAM_ID = "T0TEAM";
  public static final String BOT_USER_ID = "U0BOT";
  public static final String BOT_ID = "B0BOT";

  private static final String RESPONSE_URL_METHOD = "response_url";
  private static final String RATELIMITED = "{\"ok\":false,\"error\":\"ratelimited\"}";
  private static final String FATAL = "{\"ok\":false,\"error\":\"fatal_error\"}";
  private static final long TS_EPOCH = 1_700_000_000L;

  private static volatile FakeSlackApi instance;

  private final ObjectMapper json = new ObjectMapper();
  private final HttpServer server;
  private final int port;
  private final List<Call> calls = new CopyOnWriteArrayList<>();
  private final Object arrivals = new Object();
  // Identity, not equality: two identical posts in the same instant still got different ts.
  private final Map<Call, String> answeredTs = Collections.synchronizedMap(new IdentityHashMap<>());
  private final Map<String, Deque<Failure>> failures = new ConcurrentHashMap<>();
  private final List<ErrorRule> errorRules = new CopyOnWriteArrayList<>();
  private final Map<String, ObjectNode> users = new ConcurrentHashMap<>();
  private final Map<String, List<String>> groups = new ConcurrentHashMap<>();
  // Never reset: a request stored by one test must not share a message ts with the next test's.
  private final AtomicLong tsCounter = new AtomicLong();
  // Kept across reset(): the app connects once at start and reconnects to the same place.
  private volatile String socketModeUrl;

  private record Failure(int status, String retryAfter, String body, AtomicInteger left) {}

  private record ErrorRule(String method, String channel, String error) {}

  private FakeSlackApi() {
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the fake Slack API", e);
    }
    AtomicInteger threads = new AtomicInteger();
    ExecutorService executor =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "fake-slack-" + threads.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    // HTTP-Dispatcher inherits daemon status from the thread that starts the server: started
    // from main it would keep a JVM alive after its last test.
    Thread starter = new Thread(server::start, "fake-slack-start");
    starter.setDaemon(true);
    starter.start();
    try {
      starter.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted starting the fake Slack API", e);
    }
    port = server.getAddress().getPort();
  }

  /** The JVM-wide fake, started on first use. */
  public static FakeSlackApi get() {
    FakeSlackApi local = instance;
    if (local == null) {
      synchronized (FakeSlackApi.class) {
        local = instance;
        if (local == null) {
          local = new FakeSlackApi();
          instance = local;
        }
      }
    }
    return local;
  }

  /** The Web API prefix, for {@code SlackConfig.setMethodsEndpointUrlPrefix}. */
  public String baseUrl() {
    return "http://127.0.0.1:" + port + "/api/";
  }

  /** A {@code response_url} whose posts are recorded as method {@code response_url}. */
  public String responseUrl(String id) {
    return "http://127.0.0.1:" + port + "/response/" + id;
  }

  public int port() {
    return port;
  }

  /** Forgets calls, scripted failures, users and groups. */
  /** What {@code apps.connections.open} answers: the fake Socket Mode server's ws:// URL. */
  public void setSocketModeUrl(String url) {
    this.socketModeUrl = url;
  }

  public void reset() {
    calls.clear();
    answeredTs.clear();
    failures.clear();
    errorRules.clear();
    users.clear();
    groups.clear();
  }

  // ---- scripting ----------------------------------------------------------------------------

  /**
   * The next {@code times} calls of {@code method} answer {@code httpStatus}, with a {@code
   * Retry-After} header when given and {@code body} (a {@code ratelimited} error for 429 when
   * null). Scripts for the same method queue up.
   */
  public void failNext(
      String method, int times, int httpStatus, String retryAfterSeconds, String body) {
    if (times <= 0) {
      return;
    }
    String answer = body != null ? body : httpStatus == 429 ? RATELIMITED : FATAL;
    Deque<Failure> queue = failures.computeIfAbsent(method, m -> new ArrayDeque<>());
    synchronized (queue) {
      queue.addLast(new Failure(httpStatus, retryAfterSeconds, answer, new AtomicInteger(times)));
    }
  }

  /**
   * Until {@link #reset()}, calls of {@code method} (to {@code channel}, or to any channel when
   * null) answer HTTP 200 with {@code {"ok":false,"error":error}}.
   */
  public void failWithError(String method, String channel, String error) {
    errorRules.add(new ErrorRule(method, channel, error));
  }

  /** {@code users.info} answers for {@code id} with these fields instead of the defaults. */
  public void addUser(
      String id, String name, String teamId, boolean restricted, boolean ultraRestricted) {
    users.put(id, user(id, name, teamId, restricted, ultraRestricted));
  }

  /** {@code usergroups.users.list} for {@code groupId} answers these members. */
  public void setGroupMembers(String groupId, String... userIds) {
    groups.put(groupId, List.of(userIds));
  }

  // ---- queries ------------------------------------------------------------------------------

  public List<Call> calls() {
    return List.copyOf(calls);
  }

  public List<Call> calls(String method) {
    return calls.stream().filter(c -> c.method().equals(method)).toList();
  }

  public int count(String method) {
    return (int) calls.stream().filter(c -> c.method().equals(method)).count();
  }

  /** The first recorded call of {@code method} matching {@code match}, waiting up to timeout. */
  public Call awaitCall(String method, Predicate<Call> match, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (arrivals) {
      while (true) {
        for (Call c : calls) {
          if (c.method().equals(method) && match.test(c)) {
            return c;
          }
        }
        long leftMillis = Duration.ofNanos(deadline - System.nanoTime()).toMillis();
        if (leftMillis <= 0) {
          throw new AssertionError(
              "no matching " + method + " call within " + timeout + "; recorded:\n" + dump());
        }
        try {
          // Bounded: a predicate may depend on more than the calls (tsOf, the app's store).
          arrivals.wait(Math.min(leftMillis, 50));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new AssertionError("interrupted waiting for " + method, e);
        }
      }
    }
  }

  /** Every {@code chat.postMessage} to {@code channel}, thread replies included. */
  public List<Call> messages(String channel) {
    return calls("chat.postMessage").stream()
        .filter(c -> channel.equals(c.params().get("channel")))
        .toList();
  }

  /** {@code chat.postMessage} calls posted in the thread of {@code threadTs}. */
  public List<Call> threadReplies(String threadTs) {
    return calls("chat.postMessage").stream()
        .filter(c -> threadTs.equals(c.params().get("thread_ts")))
        .toList();
  }

  /** The last {@code chat.update} of the message {@code ts}. */
  public Optional<Call> lastUpdate(String ts) {
    List<Call> updates =
        calls("chat.update").stream().filter(c -> ts.equals(c.params().get("ts"))).toList();
    return updates.isEmpty() ? Optional.empty() : Optional.of(updates.get(updates.size() - 1));
  }

  /**
   * The ts this fake answered to a {@code chat.postMessage} or {@code chat.postEphemeral} call
   * (null if it answered an error), so later {@code chat.update}s can be tied to it.
   */
  public String tsOf(Call call) {
    return answeredTs.get(call);
  }

  /** What a thread shows now: each reply's latest text, after its updates, in posting order. */
  public List<String> threadNow(String threadTs) {
    return threadReplies(threadTs).stream()
        .map(
            reply -> {
              String ts = tsOf(reply);
              return ts == null
                  ? reply.params().get("text")
                  : lastUpdate(ts).orElse(reply).params().get("text");
            })
        .toList();
  }

  /** All recorded calls, one a line, long values cut, for assertion messages. */
  public String dump() {
    if (calls.isEmpty()) {
      return "  (none)";
    }
    return calls.stream()
        .map(
            c ->
                "  "
                    + c.at()
                    + " "
                    + c.method()
                    + " "
                    + c.params().entrySet().stream()
                        .map(e -> e.getKey() + "=" + shorten(e.getValue()))
                        .collect(Collectors.joining(", ", "{", "}")))
        .collect(Collectors.joining("\n"));
  }

  private static String shorten(String value) {
    return value.length() <= 300 ? value : value.substring(0, 300) + "…";
  }

  // ---- server -------------------------------------------------------------------------------

  private void handle(HttpExchange exchange) throws IOException {
    try {
      String raw = readBody(exchange);
      String path = exchange.getRequestURI().getPath();
      Map<String, String> params = new LinkedHashMap<>();
      String query = exchange.getRequestURI().getRawQuery();
      if (query != null) {
        params.putAll(parseForm(query));
      }
      String contentType = exchange.getRequestHeaders().getFirst("Content-Type");
      boolean isJson =
          (contentType != null && contentType.toLowerCase(Locale.ROOT).contains("json"))
              || raw.stripLeading().startsWith("{");
      params.putAll(isJson ? parseJson(raw) : parseForm(raw));

      String method;
      if (path.startsWith("/api/")) {
        method = path.substring("/api/".length());
      } else if (path.startsWith("/response/")) {
        method = RESPONSE_URL_METHOD;
        params.put("id", path.substring("/response/".length()));
      } else {
        send(exchange, 404, null, "{\"ok\":false,\"error\":\"unknown_path\"}");
        return;
      }

      Call call = new Call(method, Collections.unmodifiableMap(params), raw, Instant.now());
      Failure failure = takeFailure(method);
      String error = failure == null ? scriptedError(method, params) : null;
      String ts = null;
      if (failure == null
          && error == null
          && (method.equals("chat.postMessage") || method.equals("chat.postEphemeral"))) {
        ts = nextTs();
        // Before recording: whoever sees the call must also see its ts.
        answeredTs.put(call, ts);
      }
      record(call);

      if (failure != null) {
        send(exchange, failure.status(), failure.retryAfter(), failure.body());
      } else if (error != null) {
        ObjectNode answer = json.createObjectNode().put("ok", false).put("error", error);
        send(exchange, 200, null, json.writeValueAsString(answer));
      } else {
        send(exchange, 200, null, json.writeValueAsString(answer(method, params, ts)));
      }
    } catch (RuntimeException e) {
      // A bug in the fake must show as a 500 and a stack trace, not as a silently dropped call.
      e.printStackTrace();
      try {
        send(exchange, 500, null, "{\"ok\":false,\"error\":\"fake_failed\"}");
      } catch (IOException | RuntimeException ignored) {
        // Headers already went out; closing below ends the exchange either way.
      }
    } finally {
      exchange.close();
    }
  }

  private void record(Call call) {
    calls.add(call);
    synchronized (arrivals) {
      arrivals.notifyAll();
    }
  }

  private Failure takeFailure(String method) {
    Deque<Failure> queue = failures.get(method);
    if (queue == null) {
      return null;
    }
    synchronized (queue) {
      Failure first = queue.peekFirst();
      if (first == null) {
        return null;
      }
      if (first.left().decrementAndGet() == 0) {
        queue.removeFirst();
      }
      return first;
    }
  }

  private String scriptedError(String method, Map<String, String> params) {
    for (ErrorRule rule : errorRules) {
      if (rule.method().equals(method)
          && (rule.channel() == null || rule.channel().equals(params.get("channel")))) {
        return rule.error();
      }
    }
    return null;
  }

  private ObjectNode answer(String method, Map<String, String> p, String ts) {
    ObjectNode a = json.createObjectNode().put("ok", true);
    switch (method) {
      case "auth.test" -> {
        a.put("url", "https://example.slack.com/");
        a.put("team", "Example");
        a.put("user", "restartbot");
        a.put("team_id", TEAM_ID);
        a.put("user_id", BOT_USER_ID);
        a.put("bot_id", BOT_ID);
        a.put("is_enterprise_install", false);
      }
      case "chat.postMessage" -> {
        a.put("channel", p.get("channel"));
        a.put("ts", ts);
        ObjectNode m = a.putObject("message");
        m.put("type", "message");
        m.put("user", BOT_USER_ID);
        m.put("bot_id", BOT_ID);
        putIfPresent(m, "text", p.get("text"));
        m.put("ts", ts);
        putIfPresent(m, "thread_ts", p.get("thread_ts"));
      }
      case "chat.update" -> {
        a.put("channel", p.get("channel"));
        a.put("ts", p.get("ts"));
        putIfPresent(a, "text", p.get("text"));
      }
      case "chat.postEphemeral" -> a.put("message_ts", ts);
      case "chat.getPermalink" -> {
        String channel = p.getOrDefault("channel", "");
        String messageTs = p.getOrDefault("message_ts", "");
        a.put("channel", channel);
        a.put(
            "permalink",
            "https://example.slack.com/archives/" + channel + "/p" + messageTs.replace(".", ""));
      }
      case "users.info" -> {
        String id = p.getOrDefault("user", "");
        ObjectNode known = users.get(id);
        a.set(
            "user",
            known != null
                ? known.deepCopy()
                : user(id, id.toLowerCase(Locale.ROOT), TEAM_ID, false, false));
      }
      case "usergroups.users.list" -> {
        List<String> members = groups.get(p.getOrDefault("usergroup", ""));
        if (members == null) {
          return json.createObjectNode().put("ok", false).put("error", "no_such_subteam");
        }
        members.forEach(a.putArray("users")::add);
      }
      case "conversations.info" ->
          a.putObject("channel").put("id", p.get("channel")).put("name", "ops");
      case "apps.connections.open" -> {
        if (socketModeUrl == null) {
          a.put("ok", false).put("error", "socket_mode_not_configured_in_fake");
        } else {
          a.put("url", socketModeUrl);
        }
      }
      default -> {}
    }
    return a;
  }

  private ObjectNode user(
      String id, String name, String teamId, boolean restricted, boolean ultraRestricted) {
    ObjectNode user = json.createObjectNode();
    user.put("id", id);
    user.put("team_id", teamId);
    user.put("name", name);
    user.put("real_name", name);
    user.put("is_restricted", restricted);
    user.put("is_ultra_restricted", ultraRestricted);
    user.put("is_bot", false);
    user.putObject("profile").put("display_name", name).put("real_name", name);
    return user;
  }

  private static void putIfPresent(ObjectNode node, String field, String value) {
    if (value != null) {
      node.put(field, value);
    }
  }

  private String nextTs() {
    long n = tsCounter.incrementAndGet();
    return String.format(Locale.ROOT, "%d.%06d", TS_EPOCH + n / 10_000, (n % 10_000) * 100);
  }

  private static String readBody(HttpExchange exchange) throws IOException {
    try (InputStream in = exchange.getRequestBody()) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static Map<String, String> parseForm(String body) {
    Map<String, String> params = new LinkedHashMap<>();
    for (String pair : body.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String key = eq < 0 ? pair : pair.substring(0, eq);
      String value = eq < 0 ? "" : pair.substring(eq + 1);
      params.put(
          URLDecoder.decode(key, StandardCharsets.UTF_8),
          URLDecoder.decode(value, StandardCharsets.UTF_8));
    }
    return params;
  }

  private Map<String, String> parseJson(String body) {
    Map<String, String> params = new LinkedHashMap<>();
    if (body.isBlank()) {
      return params;
    }
    JsonNode root;
    try {
      root = json.readTree(body);
    } catch (IOException e) {
      throw new UncheckedIOException("fake Slack got malformed JSON: " + body, e);
    }
    if (root == null || !root.isObject()) {
      return params;
    }
    for (Map.Entry<String, JsonNode> field : root.properties()) {
      JsonNode v = field.getValue();
      // JSON null means "not sent", as the SDK's Gson would omit it anyway.
      if (!v.isNull()) {
        params.put(field.getKey(), v.isValueNode() ? v.asText() : v.toString());
      }
    }
    return params;
  }

  private static void send(HttpExchange exchange, int status, String retryAfter, String body)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
    if (retryAfter != null) {
      exchange.getResponseHeaders().set("Retry-After", retryAfter);
    }
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }
}
