package dev.restartbot.slack;

import com.slack.api.Slack;
import com.slack.api.SlackConfig;
import dev.restartbot.restart.Outcome;
import dev.restartbot.restart.RequestEvent;
import dev.restartbot.restart.RequestState;
import dev.restartbot.restart.RestartRequest;
import dev.restartbot.restart.TargetResult;
import dev.restartbot.testing.FakeSlackApi;
import dev.restartbot.testing.ManualScheduler;
import dev.restartbot.testing.RequestBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An expiry sweep of many requests through the real renderer, limiter and Web API client, against
 * the fake Slack limited to {@code perMinute} {@code chat.update} calls in any 60 seconds (429 past
 * it), on a manual clock: minutes of Slack's budget run in about a second, and every instant below
 * is simulated time. While the sweep drains, an unrelated request is approved, runs and ends. The
 * test suite checks the figures; the benchmark reports them.
 */
public final class ExpirySweep {

  /** One {@code chat.update} that Slack took, and when on the simulated clock. */
  public record Landed(String ts, String text, Duration at) {}

  /** What the sweep showed. */
  public record Result(
      int expired,
      int perMinute,
      List<Landed> landed,
      Duration sweep,
      Map<String, Duration> otherRequest,
      int rateLimited,
      int maxInAnyMinute,
      int expiriesBetweenOtherRequestsUpdates,
      List<String> wrong) {

    /** Whether every message ended as its request did. */
    public boolean allEndedRight() {
      return wrong.isEmpty();
    }
  }

  static final String CHANNEL = "C0OPS";
  static final String OTHER = "other";
  static final String OTHER_MESSAGE = "2000000000.000001";

  /** When the unrelated request moves, after the sweep began (off the budget's turns). */
  static final Duration DECIDED_AT = Duration.ofMillis(30_500);

  static final Duration STARTED_AT = Duration.ofMillis(35_500);
  static final Duration FINISHED_AT = Duration.ofMillis(45_500);

  private ExpirySweep() {}

  /** Expires {@code count} requests at once, with Slack allowing {@code perMinute} updates. */
  public static Result run(int count, int perMinute) {
    ManualScheduler time = new ManualScheduler();
    FakeSlackApi slack = FakeSlackApi.get();
    slack.reset();
    slack.limit("chat.update", perMinute, time::nanoTime);
    SlackConfig config = new SlackConfig();
    config.setMethodsEndpointUrlPrefix(slack.baseUrl());
    config.setStatsEnabled(false);
    SlackClient client =
        new SlackClient(
            SlackClient.methods(Slack.getInstance(config), "xoxb-test"),
            d -> {
              throw new AssertionError("a call slept " + d + " on a thread");
            },
            new SimpleMeterRegistry());
    List<Landed> landed = new CopyOnWriteArrayList<>();
    MessageUpdates updates =
        new MessageUpdates(
            (channel, ts, text, blocks) -> {
              client.updateUnlessRateLimited(channel, ts, text, blocks);
              landed.add(new Landed(ts, text, time.elapsed()));
            },
            Duration.ofSeconds(1),
            perMinute,
            time,
            time,
            time::nanoTime);
    // Deliveries on the caller's thread: a delivery that waited for Slack would show here.
    RequestRenderer renderer =
        new RequestRenderer(client, null, updates, new OrderedDelivery(Runnable::run));

    Map<String, String> expected = new HashMap<>();
    for (int i = 1; i <= count; i++) {
      RestartRequest r =
          RequestBuilder.request()
              .id("exp-" + i)
              .channel(CHANNEL)
              .message("1000000000.%06d".formatted(i))
              .state(RequestState.EXPIRED)
              .build();
      renderer.on(new RequestEvent.Expired(r));
      expected.put(r.messageTs().orElseThrow(), Messages.stateLine(r));
    }
    time.runDue();

    RestartRequest pending =
        RequestBuilder.request()
            .id(OTHER)
            .channel(CHANNEL)
            .message(OTHER_MESSAGE)
            .deployments("payments", "api")
            .build();
    RestartRequest approved =
        RequestBuilder.from(pending)
            .decided(RequestState.APPROVED, "U0LEAD", "lead", RequestBuilder.T0)
            .build();
    RestartRequest running = RequestBuilder.from(approved).state(RequestState.RUNNING).build();
    TargetResult result =
        new TargetResult(
            running.targets().get(0),
            new Outcome.Restarted("2026-11-26T10:00:00Z", 2, "uid"),
            Duration.ofSeconds(3));
    RestartRequest done =
        RequestBuilder.from(running)
            .result(result)
            .finished(RequestState.DONE, RequestBuilder.T0)
            .build();

    Map<String, Duration> moved = new HashMap<>();
    time.advance(DECIDED_AT);
    moved.put("decided", time.elapsed());
    renderer.on(new RequestEvent.Decided(approved));
    time.advance(STARTED_AT.minus(DECIDED_AT));
    moved.put("started", time.elapsed());
    renderer.on(new RequestEvent.Started(running));
    renderer.on(new RequestEvent.TargetStarted(running, 0));
    String reply = slack.tsOf(slack.threadReplies(OTHER_MESSAGE).get(0));
    time.advance(FINISHED_AT.minus(STARTED_AT));
    moved.put("result", time.elapsed());
    renderer.on(new RequestEvent.TargetFinished(running, 0, result, Optional.empty()));
    renderer.on(new RequestEvent.Finished(done));

    expected.put(OTHER_MESSAGE, Messages.stateLine(done));
    expected.put(reply, Messages.result(result));

    // Drain: a step at a time, so that a stuck queue ends the run instead of hanging it.
    Duration limit = Duration.ofMinutes(5L + 2L * count / Math.max(1, perMinute));
    while (updates.waiting() > 0) {
      if (time.elapsed().compareTo(limit) > 0) {
        throw new IllegalStateException("the sweep did not drain in " + limit);
      }
      time.advance(Duration.ofSeconds(1));
    }
    time.advance(Duration.ofSeconds(1));

    Map<String, Duration> latency = new HashMap<>();
    latency.put("decided", firstAfter(landed, OTHER_MESSAGE, moved.get("decided")));
    latency.put("started", firstAfter(landed, OTHER_MESSAGE, moved.get("started")));
    latency.put("result", firstAfter(landed, reply, moved.get("result")));

    Duration sweep = Duration.ZERO;
    for (Landed l : landed) {
      if (l.ts().startsWith("1000000000.")) {
        sweep = l.at();
      }
    }
    return new Result(
        count,
        perMinute,
        List.copyOf(landed),
        sweep,
        latency,
        slack.rateLimited("chat.update"),
        maxInAnyMinute(landed),
        expiriesBetween(landed, reply),
        wrong(landed, expected));
  }

  /** How long after {@code from} the first update of {@code ts} landed. */
  private static Duration firstAfter(List<Landed> landed, String ts, Duration from) {
    return landed.stream()
        .filter(l -> l.ts().equals(ts) && l.at().compareTo(from) >= 0)
        .findFirst()
        .map(l -> l.at().minus(from))
        .orElseThrow(() -> new IllegalStateException("no update of " + ts + " after " + from));
  }

  /** The most updates that landed in any 60 seconds (from one update to just before +60 s). */
  static int maxInAnyMinute(List<Landed> landed) {
    int max = 0;
    int from = 0;
    long minute = Duration.ofMinutes(1).toNanos();
    for (int to = 0; to < landed.size(); to++) {
      while (landed.get(to).at().toNanos() - landed.get(from).at().toNanos() >= minute) {
        from++;
      }
      max = Math.max(max, to - from + 1);
    }
    return max;
  }

  /**
   * Expiry updates that landed after the result event and before the other request's last two
   * updates (its reply's result and its approval message): 0 when they went first.
   */
  private static int expiriesBetween(List<Landed> landed, String reply) {
    int firstOfResult = -1;
    int last = -1;
    for (int i = 0; i < landed.size(); i++) {
      Landed l = landed.get(i);
      if (l.at().compareTo(FINISHED_AT) < 0) {
        continue;
      }
      if (l.ts().equals(reply) || l.ts().equals(OTHER_MESSAGE)) {
        firstOfResult = firstOfResult < 0 ? i : firstOfResult;
        last = i;
      }
    }
    int between = 0;
    for (int i = 0; i < landed.size(); i++) {
      if (landed.get(i).at().compareTo(FINISHED_AT) >= 0
          && i < last
          && landed.get(i).ts().startsWith("1000000000.")) {
        between++;
      }
    }
    return firstOfResult < 0 ? -1 : between;
  }

  /** The messages whose last update is not their request's end, one line each. */
  private static List<String> wrong(List<Landed> landed, Map<String, String> expected) {
    Map<String, String> last = new HashMap<>();
    for (Landed l : landed) {
      last.put(l.ts(), l.text());
    }
    List<String> wrong = new ArrayList<>();
    expected.forEach(
        (ts, text) -> {
          if (!text.equals(last.get(ts))) {
            wrong.add(ts + " shows " + last.get(ts) + " instead of " + text);
          }
        });
    return wrong;
  }
}
