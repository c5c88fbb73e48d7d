package dev.restartbot.slack;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A sweep of 1,000 expirations against a fake Slack that answers 429 past 50 {@code chat.update}
 * calls in any minute, on a manual clock ({@link ExpirySweep}): an unrelated request's messages
 * keep flowing, every message ends right, and Slack's budget is never exceeded.
 */
class ExpirySweepTest {

  private static ExpirySweep.Result sweep;

  @BeforeAll
  static void sweepOf1000At50AMinute() {
    sweep = ExpirySweep.run(1_000, 50);
  }

  @Test
  void everyMessageEndsWithItsRequestsFinalState() {
    assertThat(sweep.wrong()).isEmpty();
  }

  @Test
  void theBudgetIsNeverExceededInAnyMinuteAndSlackNeverAnswers429() {
    assertThat(sweep.maxInAnyMinute()).isLessThanOrEqualTo(50);
    assertThat(sweep.rateLimited()).isZero();
  }

  @Test
  void aDecisionARunStartingAndAResultEachGoAtTheBudgetsNextTurnAheadOfTheExpiries() {
    // The budget's spacing at 50 a minute with a burst of 5: 60 s / 46.
    Duration turn = Duration.ofNanos(Duration.ofMinutes(1).toNanos() / 46 + 1);
    assertThat(sweep.otherRequest().values()).allSatisfy(d -> assertThat(d).isLessThan(turn));
    assertThat(sweep.expiriesBetweenOtherRequestsUpdates()).isZero();
  }

  @Test
  void theSweepTakesAboutTwentyTwoMinutesAtSlacksRate() {
    // 1,000 expiries and 4 updates of the other request, 5 at once, then 46 a minute.
    assertThat(sweep.sweep()).isBetween(Duration.ofMinutes(21), Duration.ofMinutes(23));
  }

  @Test
  void eachMessagesUpdatesLandInTheOrderTheyWereMade() {
    List<String> other =
        sweep.landed().stream()
            .filter(l -> l.ts().equals(ExpirySweep.OTHER_MESSAGE))
            .map(ExpirySweep.Landed::text)
            .toList();
    assertThat(other).hasSize(3);
    assertThat(other.get(0)).contains("Approved by");
    assertThat(other.get(1)).contains("restarting");
    assertThat(other.get(2)).doesNotContain("restarting");
  }
}
