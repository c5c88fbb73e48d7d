package dev.restartbot.slack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.restartbot.testing.ManualScheduler;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The limiter on a manual clock: every wait below is exact, and nothing sleeps. */
class ProgressUpdatesTest {

  private static final Duration NANO = Duration.ofNanos(1);

  /** One chat.update as Slack saw it, and when on the fake clock. */
  private record Sent(String ts, String text, Duration at) {}

  private final ManualScheduler time = new ManualScheduler();
  private final List<Sent> sent = new CopyOnWriteArrayList<>();

  private ProgressUpdates limiter(Duration interval, int perMinute) {
    return new ProgressUpdates(
        (channel, ts, text) -> sent.add(new Sent(ts, text, time.elapsed())),
        interval,
        perMinute,
        time,
        time::nanoTime);
  }

  private List<String> texts() {
    return sent.stream().map(Sent::text).toList();
  }

  @Nested
  class OneMessage {

    private final ProgressUpdates updates = limiter(Duration.ofSeconds(1), 6000);

    @Test
    void firstProgressGoesAtOnce() {
      updates.progress("C", "1.1", "step 1");
      time.runDue();

      assertThat(sent).containsExactly(new Sent("1.1", "step 1", Duration.ZERO));
    }

    @Test
    void progressIsCoalescedToTheNewestTextOnceASecond() {
      updates.progress("C", "1.1", "step 1");
      time.runDue();
      for (int i = 2; i <= 50; i++) {
        updates.progress("C", "1.1", "step " + i);
      }

      time.advance(Duration.ofSeconds(1).minus(NANO));
      assertThat(texts()).containsExactly("step 1");

      time.advance(NANO);
      assertThat(sent)
          .containsExactly(
              new Sent("1.1", "step 1", Duration.ZERO),
              new Sent("1.1", "step 50", Duration.ofSeconds(1)));
    }

    @Test
    void progressAfterAQuietSpellGoesAtOnce() {
      updates.progress("C", "1.1", "step 1");
      time.runDue();
      time.advance(Duration.ofSeconds(5));

      updates.progress("C", "1.1", "step 2");
      time.runDue();

      assertThat(sent).last().isEqualTo(new Sent("1.1", "step 2", Duration.ofSeconds(5)));
    }

    @Test
    void finalCancelsPendingProgressAndGoesAtOnce() {
      updates.progress("C", "1.1", "first");
      time.runDue();
      updates.progress("C", "1.1", "second");

      updates.finish("C", "1.1", "done");
      time.runDue();

      assertThat(sent).last().isEqualTo(new Sent("1.1", "done", Duration.ZERO));
      time.advance(Duration.ofMinutes(5));
      assertThat(texts()).containsExactly("first", "done");
    }

    @Test
    void finalOfAMessageWithoutProgressIsSentAsIs() {
      updates.finish("C", "1.1", "done");
      time.runDue();

      assertThat(sent).containsExactly(new Sent("1.1", "done", Duration.ZERO));
    }

    @Test
    void aFailedProgressUpdateDoesNotStopTheNextOne() {
      List<String> tried = new CopyOnWriteArrayList<>();
      ProgressUpdates flaky =
          new ProgressUpdates(
              (channel, ts, text) -> {
                tried.add(text);
                if (text.equals("step 1")) {
                  throw new SlackDeliveryException("chat.update", "internal_error", null);
                }
              },
              Duration.ofSeconds(1),
              6000,
              time,
              time::nanoTime);

      flaky.progress("C", "1.1", "step 1");
      time.runDue();
      flaky.progress("C", "1.1", "step 2");
      time.advance(Duration.ofSeconds(1));

      assertThat(tried).containsExactly("step 1", "step 2");
    }
  }

  @Nested
  class ManyMessages {

    @Test
    void eachMessageHasItsOwnInterval() {
      ProgressUpdates updates = limiter(Duration.ofSeconds(1), 6000);

      updates.progress("C", "1.1", "a");
      updates.progress("C", "2.2", "b");
      updates.progress("D", "1.1", "c");
      time.runDue();

      assertThat(sent)
          .containsExactlyInAnyOrder(
              new Sent("1.1", "a", Duration.ZERO),
              new Sent("2.2", "b", Duration.ZERO),
              new Sent("1.1", "c", Duration.ZERO));
    }

    @Test
    void with60AMinuteAndABurstOfTenTheEleventhUpdateWaitsExactlyOneSecond() {
      ProgressUpdates updates = limiter(Duration.ofMillis(1), 60);
      for (int m = 1; m <= 11; m++) {
        updates.progress("C", "ts" + m, "p");
      }

      time.runDue();
      assertThat(sent).hasSize(10).allMatch(s -> s.at().isZero());

      time.advance(Duration.ofSeconds(1).minus(NANO));
      assertThat(sent).hasSize(10);

      time.advance(NANO);
      assertThat(sent).hasSize(11).last().isEqualTo(new Sent("ts11", "p", Duration.ofSeconds(1)));
    }

    @Test
    void afterTheBurstTheAppWideBudgetAllowsOneUpdateASecondAcrossMessages() {
      ProgressUpdates updates = limiter(Duration.ofMillis(1), 60);
      for (int m = 1; m <= 30; m++) {
        updates.progress("C", "ts" + m, "p");
      }

      time.advance(Duration.ofSeconds(5));

      assertThat(sent)
          .extracting(Sent::at)
          .containsExactly(
              Duration.ZERO,
              Duration.ZERO,
              Duration.ZERO,
              Duration.ZERO,
              Duration.ZERO,
              Duration.ZERO,
              Duration.ZERO,
              Duration.ZERO,
              Duration.ZERO,
              Duration.ZERO,
              Duration.ofSeconds(1),
              Duration.ofSeconds(2),
              Duration.ofSeconds(3),
              Duration.ofSeconds(4),
              Duration.ofSeconds(5));
    }

    @Test
    void theDefaultBudgetOf50AMinuteSpacesUpdates1200MillisecondsApartAfterABurstOfEight() {
      ProgressUpdates updates = limiter(Duration.ofSeconds(1), 50);
      for (int m = 1; m <= 10; m++) {
        updates.progress("C", "ts" + m, "p");
      }

      time.advance(Duration.ofSeconds(3));

      assertThat(sent)
          .extracting(Sent::at)
          .containsExactly(
              Duration.ZERO,
              Duration.ZERO,
              Duration.ZERO,
              Duration.ZERO,
              Duration.ZERO,
              Duration.ZERO,
              Duration.ZERO,
              Duration.ZERO,
              Duration.ofMillis(1200),
              Duration.ofMillis(2400));
    }

    @Test
    void finalIsNotHeldBackByTheAppWideBudget() {
      ProgressUpdates updates = limiter(Duration.ofMillis(1), 60);
      for (int m = 1; m <= 30; m++) {
        updates.progress("C", "ts" + m, "p");
      }
      time.runDue();

      updates.finish("C", "ts30", "done");
      time.runDue();

      assertThat(sent).last().isEqualTo(new Sent("ts30", "done", Duration.ZERO));
    }
  }
}
