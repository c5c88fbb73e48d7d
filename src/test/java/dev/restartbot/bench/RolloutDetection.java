package dev.restartbot.bench;

import dev.restartbot.testing.FakeSlackApi;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * 4: with rollout wait on, the driver plays the Deployment controller. After the bot's PATCH it
 * writes a status that has seen the new generation but is not done (1 of 2 updated) and waits for
 * the bot to show that progress, so the bot's watch is surely running; then it writes the final
 * status (observedGeneration caught up, 2 of 2 updated, ready and available). Measured: from the
 * arrival of that final status write at the API server to the arrival at the fake Slack of the
 * {@code chat.update} that turns the target's reply into "rolled out".
 */
final class RolloutDetection {

  static final int WARM_UP = 5;
  static final int RUNS = 30;

  /**
   * The app's {@code chat.update} budget here: the runs come back to back, faster than Slack's 50
   * edits a minute allow, and the figure is the detection's, not the wait for the budget.
   */
  static final String UPDATES_PER_MINUTE = PendingRequests.UPDATES_PER_MINUTE;

  private final SlackUsers users;
  private final MockApiServer api;

  RolloutDetection(SlackUsers users, MockApiServer api) {
    this.users = users;
    this.api = api;
  }

  Latencies run() {
    List<String> names = api.seed("roll", WARM_UP + RUNS);
    List<Duration> measured = new ArrayList<>();
    for (int i = 0; i < names.size(); i++) {
      String name = names.get(i);
      SlackUsers.Posted posted = users.submit(name + " -n " + MockApiServer.NAMESPACE);
      users.send(users.approve(posted.requestId(), posted.messageTs()));
      FakeSlackApi.Call reply = users.awaitReply(posted.messageTs(), "Restarting");
      String replyTs = FakeSlackApi.get().tsOf(reply);
      long generation = patchedGeneration(name);

      api.writeStatus(name, generation, 2, 1, 2);
      users.awaitUpdate(replyTs, "Rolling out");
      api.forget();
      api.writeStatus(name, generation, 2, 2, 2);
      Instant written = api.await(MockApiServer.statusWriteOf(name), SlackUsers.WAIT).at();
      Instant shown = users.awaitUpdate(replyTs, "rolled out").at();
      users.awaitReply(posted.messageTs(), "Done");
      if (i >= WARM_UP) {
        measured.add(Duration.between(written, shown));
      }
    }
    return Latencies.of(measured);
  }

  /** The generation the bot's patch produced, once the mock has stored it. */
  private long patchedGeneration(String name) {
    long deadline = System.nanoTime() + SlackUsers.WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      Long generation = api.deployment(MockApiServer.NAMESPACE, name).getMetadata().getGeneration();
      if (generation != null && generation > 1) {
        return generation;
      }
      MockApiServer.sleepBriefly();
    }
    throw new IllegalStateException(name + " was not patched within " + SlackUsers.WAIT);
  }

  static List<Row> rows(Latencies l) {
    return List.of(
        Row.judged(
            "Rollout done (status written) → result at Slack, median (" + l.count() + " runs)",
            Row.ms(l.medianMillis()),
            "≤ 250 ms",
            l.medianMillis() <= 250),
        Row.info("Rollout done → result at Slack, p99", Row.ms(l.percentileMillis(99))));
  }
}
