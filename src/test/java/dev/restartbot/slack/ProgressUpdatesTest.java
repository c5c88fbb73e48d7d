package dev.restartbot.slack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class ProgressUpdatesTest {

  private record Sent(String ts, String text, long atNanos) {}

  private final List<Sent> sent = new CopyOnWriteArrayList<>();

  private ProgressUpdates limiter(Duration interval, int perMinute) {
    return new ProgressUpdates(
        (channel, ts, text) -> sent.add(new Sent(ts, text, System.nanoTime())),
        interval,
        perMinute);
  }

  @Test
  void burstOfProgressIsCoalescedToAboutOneUpdatePerInterval() throws Exception {
    ProgressUpdates updates = limiter(Duration.ofMillis(300), 6000);

    long start = System.nanoTime();
    for (int i = 1; i <= 100; i++) {
      updates.progress("C", "1.1", "step " + i);
      Thread.sleep(10);
    }
    await()
        .atMost(Duration.ofSeconds(2))
        .until(() -> sent.stream().anyMatch(s -> s.text().equals("step 100")));
    long elapsedMs = (System.nanoTime() - start) / 1_000_000;

    // About 1 s of events at one update per 300 ms: a handful, never one per event.
    assertThat(sent.size()).isBetween(2, (int) (elapsedMs / 300) + 2);
    for (int i = 1; i < sent.size(); i++) {
      assertThat(sent.get(i).atNanos() - sent.get(i - 1).atNanos())
          .isGreaterThanOrEqualTo(Duration.ofMillis(290).toNanos());
    }
  }

  @Test
  void finalUpdateGoesAtOnceAndPendingProgressNeverOverwritesIt() throws Exception {
    ProgressUpdates updates = limiter(Duration.ofMillis(500), 6000);
    updates.progress("C", "1.1", "first");
    await().atMost(Duration.ofSeconds(1)).until(() -> sent.size() == 1);

    updates.progress("C", "1.1", "second");
    updates.finish("C", "1.1", "done");
    Thread.sleep(800);

    assertThat(sent).extracting(Sent::text).containsExactly("first", "done");
  }

  @Test
  void appWideBudgetLimitsUpdatesAcrossMessages() throws Exception {
    // 60 a minute = one a second, with a burst of 10.
    ProgressUpdates updates = limiter(Duration.ofMillis(1), 60);

    for (int m = 0; m < 30; m++) {
      updates.progress("C", "ts" + m, "p");
    }
    Thread.sleep(1500);

    assertThat(sent.size()).isBetween(10, 12);
  }

  @Test
  void finalUpdateIsNotHeldBackByTheAppWideBudget() {
    ProgressUpdates updates = limiter(Duration.ofMillis(1), 60);
    for (int m = 0; m < 30; m++) {
      updates.progress("C", "ts" + m, "p");
    }

    updates.finish("C", "ts29", "done");

    assertThat(sent).extracting(Sent::text).contains("done");
  }
}
