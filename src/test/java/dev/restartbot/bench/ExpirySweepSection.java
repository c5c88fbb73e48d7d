package dev.restartbot.bench;

import dev.restartbot.slack.ExpirySweep;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * 7: an expiry sweep of 1,000 requests at 50 {@code chat.update} a minute. Real Slack would take
 * many minutes, so the sweep runs in this JVM on a manual clock ({@link ExpirySweep}): the app's
 * renderer, its one {@code chat.update} budget and its Web API client, over HTTP to the test
 * suite's fake Slack, which answers 429 past 50 calls in any 60 seconds of the same clock. The
 * figures are simulated time; the run itself takes a few seconds to a minute.
 */
final class ExpirySweepSection {

  static final String NAME = "expiry-sweep";
  static final String HEADING = "Expiry sweep of 1,000 requests at 50 chat.update a minute";
  static final int EXPIRED = 1_000;
  static final int PER_MINUTE = 50;

  private ExpirySweepSection() {}

  static ExpirySweep.Result run() {
    return ExpirySweep.run(EXPIRED, PER_MINUTE);
  }

  static List<Row> rows(ExpirySweep.Result r) {
    return List.of(
        Row.info(
            "Expiry sweep of 1,000 at 50 `chat.update` a minute (simulated time)",
            minutes(r.sweep())),
        Row.judged(
            "Expiry sweep: messages that ended right",
            (r.expired() + 2 - r.wrong().size()) + " of " + (r.expired() + 2),
            "all",
            r.allEndedRight()),
        Row.judged(
            "Expiry sweep: an unrelated decision's update, latency (simulated)",
            Row.ms(r.otherRequest().get("decided").toNanos() / 1e6),
            "≤ one turn of the budget (1.3 s)",
            r.otherRequest().get("decided").compareTo(Duration.ofMillis(1305)) <= 0));
  }

  static List<String> detail(ExpirySweep.Result r) {
    return List.of(
        "Simulated on a manual clock (the limiter's scheduler and the fake's window share it);",
        "the app's renderer, budget and Web API client, the fake Slack over HTTP answering 429",
        "past " + r.perMinute() + " `chat.update` calls in any 60 s.",
        "",
        "| figure | value |",
        "| --- | ---: |",
        "| requests expired at once | " + r.expired() + " |",
        "| sweep, first to last expiry update | " + minutes(r.sweep()) + " |",
        "| `chat.update` calls Slack took | " + r.landed().size() + " |",
        "| most in any 60 s | " + r.maxInAnyMinute() + " (budget " + r.perMinute() + ") |",
        "| 429 answers | " + r.rateLimited() + " |",
        "| messages that did not end right | " + r.wrong().size() + " |",
        "| unrelated request, decision → its update | " + ms(r, "decided") + " |",
        "| unrelated request, run started → its update | " + ms(r, "started") + " |",
        "| unrelated request, result → its update | " + ms(r, "result") + " |",
        "| expiry updates sent ahead of the unrelated request's result | "
            + r.expiriesBetweenOtherRequestsUpdates()
            + " |");
  }

  private static String ms(ExpirySweep.Result r, String what) {
    return Row.ms(r.otherRequest().get(what).toNanos() / 1e6);
  }

  private static String minutes(Duration d) {
    return String.format(
        Locale.ROOT,
        "%d min %02d s (%.1f min)",
        d.toMinutes(),
        d.toSecondsPart(),
        d.toMillis() / 60_000.0);
  }
}
