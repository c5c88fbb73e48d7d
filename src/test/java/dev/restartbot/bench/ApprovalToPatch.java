package dev.restartbot.bench;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * 2: from the moment the driver starts sending a signed Approve click to the moment the API server
 * has read the first PATCH of the target (the strategic-merge patch; the mock answers it 415 and
 * the bot sends the same body as a merge patch, which is not counted). One target per request, one
 * request at a time, each run waits for the request to finish before the next.
 */
final class ApprovalToPatch {

  static final int WARM_UP = 10;
  static final int RUNS = 60;

  private final SlackUsers users;
  private final MockApiServer api;

  ApprovalToPatch(SlackUsers users, MockApiServer api) {
    this.users = users;
    this.api = api;
  }

  Latencies run() {
    List<String> names = api.seed("click", WARM_UP + RUNS);
    List<Duration> measured = new ArrayList<>();
    for (int i = 0; i < names.size(); i++) {
      String name = names.get(i);
      SlackUsers.Posted posted = users.submit(name + " -n " + MockApiServer.NAMESPACE);
      var click = users.approve(posted.requestId(), posted.messageTs());
      Instant clicked = Instant.now();
      users.send(click);
      Instant patched = api.await(MockApiServer.patchOf(name), SlackUsers.WAIT).at();
      users.awaitReply(posted.messageTs(), "Done");
      if (i >= WARM_UP) {
        measured.add(Duration.between(clicked, patched));
      }
    }
    return Latencies.of(measured);
  }

  static List<Row> rows(Latencies l) {
    return List.of(
        Row.judged(
            "Approve click → first PATCH, median (" + l.count() + " runs)",
            Row.ms(l.medianMillis()),
            "≤ 50 ms",
            l.medianMillis() <= 50),
        Row.info("Approve click → first PATCH, p99", Row.ms(l.percentileMillis(99))));
  }
}
