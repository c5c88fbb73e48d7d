package dev.restartbot.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The manual scheduler on its own: time moves only when told, and tasks run in time order. */
class ManualSchedulerTest {

  private final ManualScheduler time = new ManualScheduler();
  private final List<String> ran = new ArrayList<>();

  private Runnable record(String name) {
    return () -> ran.add(name + "@" + time.elapsed().toMillis());
  }

  @Test
  void nothingRunsBeforeItsTimeAndEachTaskRunsAtItsOwnInstant() {
    time.schedule(record("late"), 3, TimeUnit.SECONDS);
    time.schedule(record("early"), 1, TimeUnit.SECONDS);

    time.advance(Duration.ofMillis(999));
    assertThat(ran).isEmpty();

    time.advance(Duration.ofSeconds(5));
    assertThat(ran).containsExactly("early@1000", "late@3000");
    assertThat(time.elapsed()).isEqualTo(Duration.ofMillis(5999));
  }

  @Test
  void tasksDueAtTheSameInstantRunInTheOrderTheyWereScheduled() {
    time.schedule(record("a"), 1, TimeUnit.SECONDS);
    time.execute(record("now"));
    time.schedule(record("b"), 1000, TimeUnit.MILLISECONDS);

    time.advance(Duration.ofSeconds(1));

    assertThat(ran).containsExactly("now@0", "a@1000", "b@1000");
  }

  @Test
  void whatATaskSchedulesWithinTheStepRunsInTheSameStep() {
    time.schedule(
        () -> {
          ran.add("first@" + time.elapsed().toMillis());
          time.schedule(record("second"), 500, TimeUnit.MILLISECONDS);
        },
        1,
        TimeUnit.SECONDS);

    time.advance(Duration.ofSeconds(2));

    assertThat(ran).containsExactly("first@1000", "second@1500");
  }

  @Test
  void aCancelledTaskNeverRunsAndIsNoLongerQueued() {
    ScheduledFuture<?> task = time.schedule(record("never"), 1, TimeUnit.SECONDS);

    task.cancel(false);
    time.advance(Duration.ofSeconds(2));

    assertThat(ran).isEmpty();
    assertThat(time.queued()).isZero();
  }

  @Test
  void aFixedRateTaskRepeatsUntilCancelled() {
    ScheduledFuture<?> tick = time.scheduleAtFixedRate(record("tick"), 1, 2, TimeUnit.SECONDS);

    time.advance(Duration.ofSeconds(5));
    tick.cancel(false);
    time.advance(Duration.ofSeconds(5));

    assertThat(ran).containsExactly("tick@1000", "tick@3000", "tick@5000");
  }

  @Test
  void aScheduledCallableAnswersThroughItsFuture() throws Exception {
    ScheduledFuture<String> answer = time.schedule(() -> "done", 1, TimeUnit.SECONDS);

    assertThat(answer.getDelay(TimeUnit.MILLISECONDS)).isEqualTo(1000);
    time.advance(Duration.ofSeconds(1));

    assertThat(answer.isDone()).isTrue();
    assertThat(answer.get()).isEqualTo("done");
  }

  @Test
  void theFailureOfAnExecutedTaskReachesWhoeverMovedTime() {
    time.execute(
        () -> {
          throw new IllegalStateException("boom");
        });

    assertThatThrownBy(time::runDue).isInstanceOf(IllegalStateException.class).hasMessage("boom");
  }

  @Test
  void timeDoesNotGoBack() {
    assertThatThrownBy(() -> time.advance(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
