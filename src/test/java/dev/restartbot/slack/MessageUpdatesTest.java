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
class MessageUpdatesTest {

  private static final Duration NANO = Duration.ofNanos(1);

  /** One chat.update as Slack saw it, and when on the fake clock. */
  private record Sent(String ts, String text, Duration at) {}

  private final ManualScheduler time = new ManualScheduler();
  private final List<Sent> sent = new CopyOnWriteArrayList<>();

  private MessageUpdates limiter(Duration interval, int perMinute) {
    return new MessageUpdates(
        (channel, ts, text, blocks) -> sent.add(new Sent(ts, text, time.elapsed())),
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

    private final MessageUpdates updates = limiter(Duration.ofSeconds(1), 6000);

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

      time.advance(MessageUpdates.REMEMBER_FINISHED.minus(NANO));
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
      MessageUpdates flaky =
          new MessageUpdates(
              (channel, ts, text, blocks) -> {
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
    private final MessageUpdates refused =
        new MessageUpdates(
            (channel, ts, text, blocks) -> {
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
      MessageUpdates updates = limiter(Duration.ofSeconds(1), 6000);

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
    void with25AMinuteTwoGoAtOnceThenOneEveryTwoAndAHalfSeconds() {
      MessageUpdates updates = limiter(Duration.ofMillis(1), 25);
      for (int m = 1; m <= 6; m++) {
        updates.progress("C", "ts" + m, "p");
      }

      time.runDue();
      assertThat(sent).hasSize(2).allMatch(s -> s.at().isZero());

      time.advance(Duration.ofMillis(2500).minus(NANO));
      assertThat(sent).hasSize(2);

      time.advance(Duration.ofSeconds(10));
      // A burst of a tenth of the budget, paid for by a slower rate: 25 / min - 2 + 1 = 24 / min.
      assertThat(sent)
          .extracting(s -> s.at().toMillis())
          .containsExactly(0L, 0L, 2500L, 5000L, 7500L, 10000L);
    }

    @Test
    void theDefaultBudgetOf50AMinuteSendsFiveAtOnceThenOneEvery1304Milliseconds() {
      MessageUpdates updates = limiter(Duration.ofSeconds(1), 50);
      for (int m = 1; m <= 8; m++) {
        updates.progress("C", "ts" + m, "p");
      }

      time.advance(Duration.ofSeconds(4));

      assertThat(sent)
          .extracting(s -> s.at().toMillis())
          .containsExactly(0L, 0L, 0L, 0L, 0L, 1304L, 2608L, 3913L);
    }

    @Test
    void finalGoesBeforeEveryProgressWaitingForTheBudget() {
      MessageUpdates updates = limiter(Duration.ofMillis(1), 60);
      for (int m = 1; m <= 30; m++) {
        updates.progress("C", "ts" + m, "p");
      }
      time.runDue();
      assertThat(sent).hasSize(6);

      updates.finish("C", "ts30", "done");
      time.advance(Duration.ofSeconds(2));

      assertThat(sent.get(6).text()).isEqualTo("done");
      assertThat(sent.get(6).ts()).isEqualTo("ts30");
    }
  }

  /** Every update, whatever it shows, shares one budget, first by priority. */
  @Nested
  class Priorities {

    private final MessageUpdates updates = limiter(Duration.ofMillis(1), 25);

    @Test
    void statesGoBeforeExpiriesAndExpiriesBeforeProgressEachFirstComeFirstServed() {
      updates.show("C", "busy1", "x", null, MessageUpdates.Priority.STATE);
      updates.show("C", "busy2", "x", null, MessageUpdates.Priority.STATE);
      time.runDue();
      assertThat(sent).hasSize(2);

      updates.progress("C", "p1", "progress 1");
      updates.show("C", "e1", "expired 1", null, MessageUpdates.Priority.EXPIRY);
      updates.show("C", "e2", "expired 2", null, MessageUpdates.Priority.EXPIRY);
      updates.progress("C", "p2", "progress 2");
      updates.show("C", "s1", "approved", null, MessageUpdates.Priority.STATE);
      updates.finish("C", "p2", "result 2");
      time.advance(Duration.ofMinutes(1));

      assertThat(texts().subList(2, texts().size()))
          .containsExactly("approved", "result 2", "expired 1", "expired 2", "progress 1");
    }

    @Test
    void aNewerStateOfAMessageReplacesTheOneNotSentYetAndKeepsItsPlace() {
      updates.show("C", "busy1", "x", null, MessageUpdates.Priority.STATE);
      updates.show("C", "busy2", "x", null, MessageUpdates.Priority.STATE);
      time.runDue();

      updates.show("C", "m", "approved", null, MessageUpdates.Priority.STATE);
      updates.show("C", "n", "approved too", null, MessageUpdates.Priority.STATE);
      updates.show("C", "m", "running", null, MessageUpdates.Priority.STATE);
      time.advance(Duration.ofMinutes(1));

      assertThat(texts().subList(2, texts().size())).containsExactly("running", "approved too");
    }
  }

  /** Slack's 429 pauses the whole budget, not a thread. */
  @Nested
  class RateLimited {

    private final List<String> refusedOnce = new CopyOnWriteArrayList<>();
    private final MessageUpdates updates =
        new MessageUpdates(
            (channel, ts, text, blocks) -> {
              if (text.equals("first") && refusedOnce.isEmpty()) {
                refusedOnce.add(text);
                throw SlackDeliveryException.rateLimited(
                    "chat.update", Duration.ofSeconds(10), null);
              }
              sent.add(new Sent(ts, text, time.elapsed()));
            },
            Duration.ofSeconds(1),
            6000,
            time,
            time,
            time::nanoTime);

    @Test
    void a429PausesEveryUpdateForItsRetryAfterAndTheRefusedOneGoesFirstAfterIt() {
      updates.show("C", "m1", "first", null, MessageUpdates.Priority.EXPIRY);
      time.runDue();
      assertThat(refusedOnce).containsExactly("first");

      updates.show("C", "m2", "a decision", null, MessageUpdates.Priority.STATE);
      updates.show("C", "m3", "another expiry", null, MessageUpdates.Priority.EXPIRY);
      time.advance(Duration.ofSeconds(10).minus(NANO));
      assertThat(sent).isEmpty();

      time.advance(Duration.ofSeconds(1));
      assertThat(sent)
          .extracting(Sent::text)
          .containsExactly("a decision", "first", "another expiry");
      assertThat(sent.get(0).at()).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void aNewerStateThatArrivedDuringThePauseIsWhatIsSentAfterIt() {
      updates.show("C", "m1", "first", null, MessageUpdates.Priority.EXPIRY);
      time.runDue();
      updates.show("C", "m1", "newer", null, MessageUpdates.Priority.STATE);

      time.advance(Duration.ofSeconds(11));

      assertThat(sent).extracting(Sent::text).containsExactly("newer");
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
    private final MessageUpdates updates =
        new MessageUpdates(
            (channel, ts, text, blocks) -> {
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
