package dev.restartbot.bench;

import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * 1 and 5: Slack's ack of signed {@code /restart} commands under 1, 16 and 64 concurrent
 * connections, next to the same load on {@code /q/health/live} of the same app (the floor: the HTTP
 * stack and one trivial JAX-RS answer, no Slack, no policy, no API server). Every command names a
 * new Deployment in the generated namespace, so every one is accepted: it checks the policy, reads
 * the target from the API server, stores a pending request, and (after the ack) posts the approval
 * message. After {@link #WARM_UP_REQUESTS} commands of warm-up come the levels; then the app's
 * resident memory is read, when it has answered well over 10,000 requests.
 */
final class AckLatency {

  static final int[] CONNECTIONS = {1, 16, 64};
  static final int WARM_UP_REQUESTS = 2_000;
  private static final int REQUESTERS = 8;

  /** One level: the floor and /restart at the same number of connections. */
  record Level(
      int connections,
      LoadGenerator.Result floor,
      LoadGenerator.Result restart,
      long pendingBefore) {

    double p99Ratio() {
      return restart.latencies().percentileMillis(99) / floor.latencies().percentileMillis(99);
    }
  }

  /** What the phase measured. */
  record Result(
      LoadGenerator.Result warmUp,
      LoadGenerator.Result floorWarmUp,
      List<Level> levels,
      AppUnderTest.Memory memory) {

    /** The {@code /restart} commands among them. */
    long commandsSent() {
      return warmUp.latencies().count()
          + levels.stream().mapToLong(l -> l.restart().latencies().count()).sum();
    }

    /** Every request the app answered in this phase, floor included. */
    long requestsServed() {
      return warmUp.latencies().count()
          + floorWarmUp.latencies().count()
          + levels.stream()
              .mapToLong(l -> l.floor().latencies().count() + l.restart().latencies().count())
              .sum();
    }
  }

  private final AtomicLong targets = new AtomicLong();
  private final SlackUsers users;
  private final String liveUrl;
  private final Runnable betweenRuns;

  /**
   * @param betweenRuns drops what the fakes recorded, so their memory stays flat between runs
   */
  AckLatency(AppUnderTest app, SlackUsers users, Runnable betweenRuns) {
    this.users = users;
    this.liveUrl = app.baseUrl() + "/q/health/live";
    this.betweenRuns = betweenRuns;
  }

  Result run(AppUnderTest app, Duration each) {
    LoadGenerator restart =
        new LoadGenerator(
            n -> nextCommand(), r -> r.statusCode() == 200 && r.body().contains("submitted"));
    LoadGenerator floor = new LoadGenerator(n -> live(), r -> r.statusCode() == 200);

    LoadGenerator.Result warmUp = restart.runCount(16, WARM_UP_REQUESTS);
    LoadGenerator.Result floorWarmUp = floor.run(16, Duration.ofSeconds(3));
    betweenRuns.run();

    List<Level> levels = new ArrayList<>();
    for (int connections : CONNECTIONS) {
      long pendingBefore = targets.get();
      LoadGenerator.Result floorResult = floor.run(connections, each);
      LoadGenerator.Result restartResult = restart.run(connections, each);
      levels.add(new Level(connections, floorResult, restartResult, pendingBefore));
      betweenRuns.run();
    }
    return new Result(warmUp, floorWarmUp, levels, app.memory());
  }

  private HttpRequest nextCommand() {
    long n = targets.getAndIncrement();
    String requester = String.format(Locale.ROOT, "U0BURST%02d", n % REQUESTERS);
    return users.command(requester, "w-" + n + " -n " + MockApiServer.GENERATED);
  }

  private HttpRequest live() {
    return HttpRequest.newBuilder(URI.create(liveUrl)).timeout(Duration.ofSeconds(30)).build();
  }

  static List<Row> rows(Result result) {
    List<Row> rows = new ArrayList<>();
    long errors = 0;
    for (Level level : result.levels()) {
      errors += level.restart().errors() + level.floor().errors();
      boolean top = level.connections() == CONNECTIONS[CONNECTIONS.length - 1];
      double p99 = level.restart().latencies().percentileMillis(99);
      String metric = "Slack ack p99, " + level.connections() + " connections";
      String value =
          Row.ms(p99) + " (floor " + Row.ms(level.floor().latencies().percentileMillis(99)) + ")";
      rows.add(top ? Row.judged(metric, value, "≤ 50 ms", p99 <= 50) : Row.info(metric, value));
      String ratioMetric = "Slack ack p99 / floor p99, " + level.connections() + " connections";
      String ratio = String.format(Locale.ROOT, "%.1f×", level.p99Ratio());
      rows.add(
          top
              ? Row.judged(ratioMetric, ratio, "≤ 2×", level.p99Ratio() <= 2)
              : Row.info(ratioMetric, ratio));
    }
    rows.add(Row.judged("Slack ack errors, all levels", Long.toString(errors), "0", errors == 0));
    return rows;
  }

  /** The detail table: every level, both endpoints. */
  static List<String> detail(Result result) {
    List<String> lines = new ArrayList<>();
    lines.add(
        "| connections | endpoint | requests | req/s | p50 | p99 | max | errors | pending requests in the store at the start |");
    lines.add("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for (Level level : result.levels()) {
      lines.add(line(level.connections(), "`GET /q/health/live` (floor)", level.floor(), ""));
      lines.add(
          line(
              level.connections(),
              "`POST /slack/events` `/restart`",
              level.restart(),
              Long.toString(level.pendingBefore())));
    }
    return lines;
  }

  private static String line(
      int connections, String endpoint, LoadGenerator.Result r, String pending) {
    Latencies l = r.latencies();
    return String.format(
        Locale.ROOT,
        "| %d | %s | %d | %.0f | %s | %s | %s | %d | %s |",
        connections,
        endpoint,
        l.count(),
        r.throughput(),
        Row.ms(l.medianMillis()),
        Row.ms(l.percentileMillis(99)),
        Row.ms(l.maxMillis()),
        r.errors(),
        pending);
  }
}
