package dev.restartbot.bench;

import dev.restartbot.testing.FakeSlackApi;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * 6: 1,000 pending requests in the memory store. {@code /restart history 50} is timed as the ack of
 * the slash command (20 times, sequentially). The app runs with a 1 s approval ttl and a sweep
 * every {@link #SWEEP_EVERY}, so the first sweep after the requests are created finds all 1,000 due
 * at once. Its time runs from the first "expired" audit line the app logs (written right after the
 * sweep has listed the store and expired the first request) to the arrival at the fake Slack of the
 * last {@code chat.update} that marks a request expired (the sweep updates each approval message in
 * turn).
 */
final class PendingRequests {

  static final int PENDING = 1_000;
  static final int HISTORY_RUNS = 20;
  static final String SWEEP_EVERY = "15s";

  /**
   * The app's {@code chat.update} budget here: far above Slack's, so that the sweep's own cost is
   * measured; {@link ExpirySweepSection} measures it at Slack's 50 a minute.
   */
  static final String UPDATES_PER_MINUTE = "60000";

  /** The figures of this phase. */
  record Result(Latencies history, Duration sweep, Duration slackPart, long expiredInSweep) {}

  private final SlackUsers users;
  private final FakeSlackApi slack;

  PendingRequests(SlackUsers users, FakeSlackApi slack) {
    this.users = users;
    this.slack = slack;
  }

  Result run(AppUnderTest app) {
    AtomicReference<String> wrong = new AtomicReference<>();
    LoadGenerator.Result created =
        new LoadGenerator(
                n ->
                    users.command(
                        SlackUsers.REQUESTER, "p-" + n + " -n " + MockApiServer.GENERATED),
                r -> {
                  boolean right = r.statusCode() == 200 && r.body().contains("submitted");
                  if (!right) {
                    wrong.compareAndSet(null, r.statusCode() + " " + r.body());
                  }
                  return right;
                })
            .runCount(16, PENDING);
    if (created.errors() > 0) {
      throw new IllegalStateException(
          created.errors()
              + " of the 1,000 requests were not submitted; the first wrong answer: "
              + wrong.get());
    }

    List<Duration> history = new ArrayList<>();
    for (int i = 0; i < HISTORY_RUNS; i++) {
      var request = users.command(SlackUsers.REQUESTER, "history 50");
      long sent = System.nanoTime();
      String ack = users.send(request);
      history.add(Duration.ofNanos(System.nanoTime() - sent));
      if (!ack.contains("p-")) {
        throw new IllegalStateException("/restart history did not list the requests: " + ack);
      }
    }

    List<FakeSlackApi.Call> expired = awaitExpiredUpdates();
    Instant lastUpdate = expired.get(expired.size() - 1).at();
    Instant firstUpdate = expired.get(0).at();
    List<AppUnderTest.LogLine> audit =
        app.auditLines().stream().filter(l -> l.text().contains("\"action\":\"expired\"")).toList();
    Instant sweepStart =
        audit.stream().map(l -> l.at().toInstant()).min(Comparator.naturalOrder()).orElseThrow();
    return new Result(
        Latencies.of(history),
        Duration.between(sweepStart, lastUpdate),
        Duration.between(firstUpdate, lastUpdate),
        audit.size());
  }

  private List<FakeSlackApi.Call> awaitExpiredUpdates() {
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    while (System.nanoTime() < deadline) {
      List<FakeSlackApi.Call> expired =
          slack.calls("chat.update").stream()
              .filter(c -> SlackUsers.text(c).contains("Expired"))
              .toList();
      if (expired.size() >= PENDING) {
        return expired;
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted", e);
      }
    }
    throw new IllegalStateException("the sweep did not expire the 1,000 requests in 90 s");
  }

  static List<Row> rows(Result r) {
    return List.of(
        Row.info(
            "1,000 pending: one expiry sweep (" + r.expiredInSweep() + " expired)",
            Row.ms(r.sweep().toNanos() / 1e6)
                + " (of which Slack updates "
                + Row.ms(r.slackPart().toNanos() / 1e6)
                + ")"),
        Row.info(
            "1,000 pending: `/restart history 50` ack, median",
            Row.ms(r.history().medianMillis())));
  }
}
