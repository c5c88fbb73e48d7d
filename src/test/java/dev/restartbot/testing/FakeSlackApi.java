package dev.restartbot.testing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.restartbot.sandbox.SlackWebApiFake;
import dev.restartbot.sandbox.SlackWebApiFake.Answer;
import dev.restartbot.sandbox.SlackWebApiFake.Request;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * The tests' Slack: a {@link SlackWebApiFake} in an open world (any channel, user, message or
 * method the app names exists) that records every call and fails on cue.
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

  private static final String RATELIMITED = "{\"ok\":false,\"error\":\"ratelimited\"}";
  private static final String FATAL = "{\"ok\":false,\"error\":\"fatal_error\"}";

  private static volatile FakeSlackApi instance;

  private final ObjectMapper json = new ObjectMapper();
  private final List<Call> calls = new CopyOnWriteArrayList<>();
  private final Object arrivals = new Object();
  // Identity, not equality: two identical posts in the same instant still got different ts.
  private final Map<Call, String> answeredTs = Collections.synchronizedMap(new IdentityHashMap<>());
  private final Map<String, Deque<Script<Answer>>> failures = new ConcurrentHashMap<>();
  private final Map<String, Deque<Script<Duration>>> delays = new ConcurrentHashMap<>();
  private final Map<String, Deque<Script<Answer>>> afterLanding = new ConcurrentHashMap<>();
  private final List<ErrorRule> errorRules = new CopyOnWriteArrayList<>();
  private final Map<String, RateLimit> limits = new ConcurrentHashMap<>();
  private final SlackWebApiFake slack;

  /** What the next {@code left} calls of a method get. */
  private record Script<T>(T what, AtomicInteger left) {}

  private record ErrorRule(String method, String channel, String error) {}

  /**
   * Slack's per-method budget: at most {@code perMinute} calls taken in any 60 seconds of {@code
   * nanoTime}; the rest answer 429 with the Retry-After that frees the next one.
   */
  private static final class RateLimit {
    final int perMinute;
    final LongSupplier nanoTime;
    final ArrayDeque<Long> taken = new ArrayDeque<>();
    final AtomicInteger refused = new AtomicInteger();

    RateLimit(int perMinute, LongSupplier nanoTime) {
      this.perMinute = perMinute;
      this.nanoTime = nanoTime;
    }

    /** Takes the call (answers null), or answers the Retry-After in seconds. */
    synchronized String take() {
      long now = nanoTime.getAsLong();
      long minute = Duration.ofMinutes(1).toNanos();
      while (!taken.isEmpty() && now - taken.peekFirst() >= minute) {
        taken.removeFirst();
      }
      if (taken.size() < perMinute) {
        taken.addLast(now);
        return null;
      }
      refused.incrementAndGet();
      long wait = taken.peekFirst() + minute - now;
      long second = Duration.ofSeconds(1).toNanos();
      return Long.toString(Math.max(1, (wait + second - 1) / second));
    }
  }

  private FakeSlackApi() {
    slack =
        SlackWebApiFake.builder(
                new SlackWebApiFake.Team(
                    TEAM_ID,
                    "Example",
                    "https://example.slack.com/",
                    BOT_USER_ID,
                    BOT_ID,
                    "restartbot",
                    SlackRequests.APP_ID),
                json)
            .openWorld("ops")
            .around(this::answer)
            .threadName("fake-slack")
            .start();
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
    return slack.apiUrl();
  }

  /** A {@code response_url} whose posts are recorded as method {@code response_url}. */
  public String responseUrl(String id) {
    return slack.responseUrl(id);
  }

  public int port() {
    return slack.port();
  }

  /** What {@code apps.connections.open} answers: the fake Socket Mode server's ws:// URL. */
  public void setSocketModeUrl(String url) {
    slack.setSocketModeUrl(url);
  }

  /**
   * Forgets calls, scripted failures, users and groups, and holds posts to Slack's Block Kit limits
   * again. The Socket Mode URL stays: the app connects once at start and reconnects to the same
   * place.
   */
  public void reset() {
    calls.clear();
    answeredTs.clear();
    failures.clear();
    delays.clear();
    afterLanding.clear();
    errorRules.clear();
    limits.clear();
    slack.forgetPeople();
    slack.checkBlockLimits(true);
  }

  // ---- scripting ----------------------------------------------------------------------------

  /**
   * The next {@code times} calls of {@code method} answer {@code httpStatus}, with a {@code
   * Retry-After} header when given and {@code body} (a {@code ratelimited} error for 429 when
   * null). Scripts for the same method queue up.
   */
  public void failNext(
      String method, int times, int httpStatus, String retryAfterSeconds, String body) {
    String answer = body != null ? body : httpStatus == 429 ? RATELIMITED : FATAL;
    try {
      queue(
          failures,
          method,
          times,
          new Answer(httpStatus, retryAfterSeconds, json.readTree(answer)));
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("a scripted answer must be JSON: " + answer, e);
    }
  }

  /**
   * The next {@code times} calls of {@code method} take effect (a post lands and is recorded with
   * its ts), but their answer is lost: the connection closes before it, as when a reset or a
   * timeout ends the wait for a reply that Slack did send.
   */
  public void landThenLoseReply(String method, int times) {
    queue(afterLanding, method, times, Answer.lost());
  }

  /**
   * The next {@code times} calls of {@code method} take effect, and then answer {@code httpStatus}
   * all the same, as Slack may after a partial success ({@code fatal_error}).
   */
  public void landThenFail(String method, int times, int httpStatus) {
    try {
      queue(afterLanding, method, times, new Answer(httpStatus, null, json.readTree(FATAL)));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The next {@code times} calls of {@code method} take effect at once, but their answers leave
   * only after {@code delay}, as from a slow Slack. Scripts for the same method queue up.
   */
  public void delayNext(String method, int times, Duration delay) {
    queue(delays, method, times, delay);
  }

  /**
   * Until {@link #reset()}, calls of {@code method} (to {@code channel}, or to any channel when
   * null) answer HTTP 200 with {@code {"ok":false,"error":error}}.
   */
  public void failWithError(String method, String channel, String error) {
    errorRules.add(new ErrorRule(method, channel, error));
  }

  /**
   * Until {@link #reset()}, {@code method} takes at most {@code perMinute} calls in any 60 seconds
   * of {@code nanoTime} (a test's manual clock, or {@code System::nanoTime}), as Slack's rate tiers
   * do; every call past it answers 429 with a Retry-After (whole seconds, as Slack's) until the
   * oldest call of the window is a minute old. A refused call is not recorded among {@link
   * #calls()}, since it changed nothing; {@link #rateLimited} counts them.
   */
  public void limit(String method, int perMinute, LongSupplier nanoTime) {
    limits.put(method, new RateLimit(perMinute, nanoTime));
  }

  /** How many calls of {@code method} its {@link #limit} refused with 429. */
  public int rateLimited(String method) {
    RateLimit limit = limits.get(method);
    return limit == null ? 0 : limit.refused.get();
  }

  /** {@code users.info} answers for {@code id} with these fields instead of the defaults. */
  public void addUser(
      String id, String name, String teamId, boolean restricted, boolean ultraRestricted) {
    slack.addUser(new SlackWebApiFake.User(id, teamId, name, name, restricted, ultraRestricted));
  }

  /** {@code usergroups.users.list} for {@code groupId} answers these members. */
  public void setGroupMembers(String groupId, String... userIds) {
    slack.setGroupMembers(groupId, List.of(userIds));
  }

  /**
   * Until {@link #reset()}, takes blocks Slack would refuse ({@code invalid_blocks}): for a test
   * whose messages break Slack's limits, which the app's rendering should not.
   */
  public void acceptBlocksOverSlacksLimits() {
    slack.checkBlockLimits(false);
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
    return awaitCall(method, match, timeout, 0);
  }

  /**
   * How many calls are recorded: a mark for {@link #awaitCall(String, Predicate, Duration, int)}.
   */
  public int recorded() {
    return calls.size();
  }

  /**
   * The first call of {@code method} matching {@code match} recorded at or after index {@code
   * from}, waiting up to timeout: a waiter that knows where to start does not look through every
   * earlier call on each new one.
   */
  public Call awaitCall(String method, Predicate<Call> match, Duration timeout, int from) {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (arrivals) {
      while (true) {
        int index = 0;
        for (Call c : calls) {
          if (index++ >= from && c.method().equals(method) && match.test(c)) {
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

  /** The posts to {@code channel} that landed (took effect), whatever their caller was told. */
  public List<Call> landed(String channel) {
    return messages(channel).stream().filter(c -> tsOf(c) != null).toList();
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

  // ---- recording and scripted failures ------------------------------------------------------

  /** Stands around the fake's every answer: fails on cue, and records the call with its ts. */
  private Answer answer(Request request, Function<Request, Answer> fake) {
    RateLimit limit = limits.get(request.method());
    String retryAfter = limit == null ? null : limit.take();
    if (retryAfter != null) {
      try {
        return new Answer(429, retryAfter, json.readTree(RATELIMITED));
      } catch (JsonProcessingException e) {
        throw new IllegalStateException(e);
      }
    }
    Call call = new Call(request.method(), request.params(), request.rawBody(), Instant.now());
    Answer failure = next(failures, request.method());
    String error = failure == null ? scriptedError(request.method(), request.params()) : null;
    Answer answer;
    if (failure != null) {
      answer = failure;
    } else if (error != null) {
      answer = Answer.of(json.createObjectNode().put("ok", false).put("error", error));
    } else {
      answer = fake.apply(request);
    }
    String ts = postedTs(request.method(), answer);
    if (ts != null) {
      // Before recording: whoever sees the call must also see its ts.
      answeredTs.put(call, ts);
    }
    record(call);
    Duration delay = next(delays, request.method());
    if (delay != null) {
      try {
        Thread.sleep(delay.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    Answer instead = answer.ok() ? next(afterLanding, request.method()) : null;
    return instead != null ? instead : answer;
  }

  private static String postedTs(String method, Answer answer) {
    if (!answer.ok()) {
      return null;
    }
    return switch (method) {
      case "chat.postMessage" -> answer.body().path("ts").asText(null);
      case "chat.postEphemeral" -> answer.body().path("message_ts").asText(null);
      default -> null;
    };
  }

  private void record(Call call) {
    calls.add(call);
    synchronized (arrivals) {
      arrivals.notifyAll();
    }
  }

  private static <T> void queue(
      Map<String, Deque<Script<T>>> scripts, String method, int times, T what) {
    if (times <= 0) {
      return;
    }
    Deque<Script<T>> queue = scripts.computeIfAbsent(method, m -> new ArrayDeque<>());
    synchronized (queue) {
      queue.addLast(new Script<>(what, new AtomicInteger(times)));
    }
  }

  /** What the next call of {@code method} gets from {@code scripts}, or null if nothing. */
  private static <T> T next(Map<String, Deque<Script<T>>> scripts, String method) {
    Deque<Script<T>> queue = scripts.get(method);
    if (queue == null) {
      return null;
    }
    synchronized (queue) {
      Script<T> first = queue.peekFirst();
      if (first == null) {
        return null;
      }
      if (first.left().decrementAndGet() == 0) {
        queue.removeFirst();
      }
      return first.what();
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
}
