package dev.restartbot.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.restartbot.policy.Target;
import dev.restartbot.policy.WorkloadKind;
import dev.restartbot.restart.Outcome;
import dev.restartbot.restart.Workloads;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * 3: one approved request with 100 targets and rollout wait off, against a plain loop that restarts
 * the same 100 Deployments with the same requests (the app's own {@link Workloads}: GET, PATCH) on
 * a fabric8 client configured like the app's. Both are timed at the API server, from the arrival of
 * the first target's first PATCH to the arrival of the last target's first PATCH (99 intervals);
 * the bot's figure includes everything it does per target in between (Event, store, audit, the
 * target's thread reply and its update).
 */
final class FanOut {

  static final int TARGETS = 100;
  static final int REPEATS = 3;

  /** The median run of each side, and the bot's click-to-summary time. */
  record Result(Duration bot, Duration loop, Duration botClickToSummary) {
    double ratio() {
      return bot.toNanos() / (double) loop.toNanos();
    }
  }

  private final SlackUsers users;
  private final MockApiServer api;

  FanOut(SlackUsers users, MockApiServer api) {
    this.users = users;
    this.api = api;
  }

  Result run() {
    List<String> names = api.seed("fan", TARGETS);
    String command = String.join(" ", names) + " -n " + MockApiServer.NAMESPACE;
    List<Duration> bot = new ArrayList<>();
    List<Duration> loop = new ArrayList<>();
    List<Duration> clickToSummary = new ArrayList<>();
    try (KubernetesClient client = api.newClient()) {
      Workloads workloads = new Workloads(client, new ObjectMapper());
      // The first round of each side warms both up and is not counted.
      for (int round = 0; round <= REPEATS; round++) {
        api.forget();
        SlackUsers.Posted posted = users.submit(command);
        var click = users.approve(posted.requestId(), posted.messageTs());
        Instant clicked = Instant.now();
        users.send(click);
        Instant summary = users.awaitReply(posted.messageTs(), "Done").at();
        Duration botRun = firstToLastPatch(names);
        // The bot writes its Kubernetes Events and Slack messages beside the sequence; let the
        // last of them land before the loop runs, so that the loop does not share the cores
        // with the bot's tail.
        awaitEvents(TARGETS);

        api.forget();
        for (String name : names) {
          Target target = new Target(WorkloadKind.DEPLOYMENT, MockApiServer.NAMESPACE, name);
          String restartedAt = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
          Outcome outcome =
              workloads.restart(
                  target, restartedAt, new Workloads.Attribution("loop", "benchmark", "policy"));
          if (!(outcome instanceof Outcome.Restarted)) {
            throw new IllegalStateException("the loop could not restart " + name + ": " + outcome);
          }
        }
        Duration loopRun = firstToLastPatch(names);
        if (round > 0) {
          bot.add(botRun);
          loop.add(loopRun);
          clickToSummary.add(Duration.between(clicked, summary));
        }
      }
    }
    return new Result(median(bot), median(loop), median(clickToSummary));
  }

  private void awaitEvents(int count) {
    long deadline = System.nanoTime() + SlackUsers.WAIT.toNanos();
    while (api.arrivals().stream().filter(FanOut::isEventWrite).count() < count) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the bot wrote fewer than " + count + " Events");
      }
      MockApiServer.sleepBriefly();
    }
  }

  private static boolean isEventWrite(MockApiServer.Arrival a) {
    return a.method().equals("POST") && a.path().contains("/events");
  }

  private Duration firstToLastPatch(List<String> names) {
    Instant first = api.await(MockApiServer.patchOf(names.get(0)), SlackUsers.WAIT).at();
    Instant last =
        api.await(MockApiServer.patchOf(names.get(names.size() - 1)), SlackUsers.WAIT).at();
    return Duration.between(first, last);
  }

  private static Duration median(List<Duration> runs) {
    return runs.stream().sorted(Comparator.naturalOrder()).toList().get(runs.size() / 2);
  }

  static List<Row> rows(Result r) {
    int intervals = TARGETS - 1;
    return List.of(
        Row.info(
            "Fan-out, 100 targets: bot, first → last PATCH",
            Row.ms(r.bot().toNanos() / 1e6)
                + " ("
                + Row.ms(r.bot().toNanos() / 1e6 / intervals)
                + " a target)"),
        Row.info(
            "Fan-out, 100 targets: plain loop, first → last PATCH",
            Row.ms(r.loop().toNanos() / 1e6)
                + " ("
                + Row.ms(r.loop().toNanos() / 1e6 / intervals)
                + " a target)"),
        Row.judged(
            "Fan-out: bot / plain loop",
            String.format(Locale.ROOT, "%.2f×", r.ratio()),
            "≤ 1.2×",
            r.ratio() <= 1.2),
        Row.info(
            "Fan-out, 100 targets: click → summary in the thread",
            Row.ms(r.botClickToSummary().toNanos() / 1e6)));
  }
}
