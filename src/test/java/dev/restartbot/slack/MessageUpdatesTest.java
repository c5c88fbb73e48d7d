package dev.restartbot.slack;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.restartbot.testing.ManualScheduler;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
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
    void finishHandsTheFinalOverAndReturnsWithoutWaitingForSlack() {
      updates.finish("C", "1.1", "done");
      assertThat(sent).isEmpty();

      time.runDue();
      assertThat(sent).containsExactly(new Sent("1.1", "done", Duration.ZERO));
    }

    @Test
    void progressAfterTheFinalIsDropped() {
      updates.progress("C", "1.1", "first");
      time.runDue();
      updates.finish("C", "1.1", "done");
      updates.progress("C", "1.1", "late, before the final went");
      time.runDue();

      updates.progress("C", "1.1", "late, after the final went");
      time.advance(Duration.ofSeconds(30));

      assertThat(texts()).containsExactly("first", "done");
    }

    @Test
    void aFinishedMessageIsForgottenAMinuteAfterItsFinal() {
      updates.progress("C", "1.1", "first");
      updates.finish("C", "1.1", "done");
      time.runDue();

      time.advance(ProgressUpdates.REMEMBER_FINISHED.minus(NANO));
      assertThat(updates.tracked()).isEqualTo(1);

      time.advance(NANO);
      assertThat(updates.tracked()).isZero();
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
  class UndeliveredFinal {

    private final List<String> attempts = new CopyOnWriteArrayList<>();
    private final List<String> fallbacks = new CopyOnWriteArrayList<>();
    private final ProgressUpdates refused =
        new ProgressUpdates(
            (channel, ts, text) -> {
              attempts.add(text);
              throw new SlackDeliveryException("chat.update", "message_not_found", null);
            },
            Duration.ofSeconds(1),
            6000,
            time,
            time,
            time::nanoTime);

    @Test
    void aFinalThatSlackRefusesRunsItsFailureCallbackOnce() {
      refused.progress("C", "1.1", "step 1");
      refused.finish("C", "1.1", "done", () -> fallbacks.add("post done as a new reply"));

      time.advance(Duration.ofMinutes(2));

      assertThat(attempts).containsExactly("done");
      assertThat(fallbacks).containsExactly("post done as a new reply");
    }

    @Test
    void aFinalWithoutACallbackThatSlackRefusesIsLoggedAndGoesNoFurther() {
      refused.finish("C", "1.1", "done");

      // The manual scheduler would rethrow anything that escaped the sending task.
      time.runDue();

      assertThat(attempts).containsExactly("done");
    }

    @Test
    void aFailingCallbackDoesNotEscapeTheSendingThread() {
      refused.finish(
          "C",
          "1.1",
          "done",
          () -> {
            throw new IllegalStateException("the fallback failed too");
          });

      time.runDue();

      assertThat(attempts).containsExactly("done");
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

      // Milliseconds on the fake clock: ten at once, then one a second.
      assertThat(sent)
          .extracting(s -> s.at().toMillis())
          .containsExactly(
              0L, 0L, 0L, 0L, 0L, 0L, 0L, 0L, 0L, 0L, 1000L, 2000L, 3000L, 4000L, 5000L);
    }

    @Test
    void theDefaultBudgetOf50AMinuteSpacesUpdates1200MillisecondsApartAfterABurstOfEight() {
      ProgressUpdates updates = limiter(Duration.ofSeconds(1), 50);
      for (int m = 1; m <= 10; m++) {
        updates.progress("C", "ts" + m, "p");
      }

      time.advance(Duration.ofSeconds(3));

      assertThat(sent)
          .extracting(s -> s.at().toMillis())
          .containsExactly(0L, 0L, 0L, 0L, 0L, 0L, 0L, 0L, 1200L, 2400L);
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

  /**
   * A progress update that Slack is slow to take (chat.update retrying with backoff, say) is in
   * flight on its own thread while the sequence finishes the message.
   */
  @Nested
  class WhileAProgressUpdateIsInFlight {

    private final CountDownLatch inFlight = new CountDownLatch(1);
    private final CountDownLatch slackAnswers = new CountDownLatch(1);
    private final List<String> seen = new CopyOnWriteArrayList<>();
    private final ExecutorService progressThread = Executors.newSingleThreadExecutor();
    private final ProgressUpdates updates =
        new ProgressUpdates(
            (channel, ts, text) -> {
              seen.add("start " + text);
              if (text.equals("slow")) {
                inFlight.countDown();
                awaitQuietly(slackAnswers);
              }
              seen.add("end " + text);
            },
            Duration.ofSeconds(1),
            6000,
            time,
            time,
            time::nanoTime);

    @AfterEach
    void tearDown() {
      slackAnswers.countDown();
      progressThread.shutdownNow();
    }

    private Future<?> slowProgressInFlight() throws InterruptedException {
      updates.progress("C", "1.1", "slow");
      Future<?> sending = progressThread.submit(time::runDue);
      assertThat(inFlight.await(10, SECONDS)).isTrue();
      return sending;
    }

    @Test
    void progressAndFinishReturnAtOnceAndTheFinalIsTheLastWriteRightAfterTheSendInFlight()
        throws Exception {
      Future<?> sending = slowProgressInFlight();

      // Unbounded, a call that waits for the slow send would hang the test instead of failing it.
      assertTimeoutPreemptively(
          Duration.ofSeconds(10),
          () -> {
            updates.progress("C", "1.1", "newer");
            updates.finish("C", "1.1", "done");
          });
      assertThat(seen).containsExactly("start slow");

      slackAnswers.countDown();
      sending.get(10, SECONDS);
      time.runDue();

      assertThat(seen).containsExactly("start slow", "end slow", "start done", "end done");
    }

    @Test
    void progressThatArrivesDuringASendGoesAfterItOneIntervalLater() throws Exception {
      Future<?> sending = slowProgressInFlight();
      assertTimeoutPreemptively(
          Duration.ofSeconds(10), () -> updates.progress("C", "1.1", "newer"));

      slackAnswers.countDown();
      sending.get(10, SECONDS);
      time.advance(Duration.ofSeconds(1).minus(NANO));
      assertThat(seen).containsExactly("start slow", "end slow");

      time.advance(NANO);
      assertThat(seen).containsExactly("start slow", "end slow", "start newer", "end newer");
    }
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
