package dev.restartbot.slack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quarkus.runtime.configuration.ConfigurationException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class UserLimitsTest {

  /** A clock that moves only when told. */
  private static final class StepClock extends Clock {
    private Instant now = Instant.parse("2026-11-30T12:00:00Z");

    void advance(Duration d) {
      now = now.plus(d);
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  private final StepClock clock = new StepClock();
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final UserLimits limits = new UserLimits(3, Duration.ofSeconds(2), clock, meters);

  @Test
  void aBurstIsAllowedThenTheNextWaitsForItsToken() {
    for (int i = 0; i < 3; i++) {
      assertThat(limits.take("U1", "command").allowed()).as("#%d", i).isTrue();
    }

    UserLimits.Verdict refused = limits.take("U1", "command");

    assertThat(refused.allowed()).isFalse();
    assertThat(refused.retryAfter()).isEqualTo(Duration.ofSeconds(2));
    assertThat(meters.counter("restartbot.slack.throttled", "kind", "command").count())
        .isEqualTo(1);
  }

  @Test
  void oneTokenComesBackPerPeriod() {
    for (int i = 0; i < 3; i++) {
      limits.take("U1", "click");
    }
    clock.advance(Duration.ofMillis(1500));
    UserLimits.Verdict early = limits.take("U1", "click");
    clock.advance(Duration.ofMillis(500));

    assertThat(early.allowed()).isFalse();
    assertThat(early.retryAfter()).isEqualTo(Duration.ofMillis(500));
    assertThat(limits.take("U1", "click").allowed()).isTrue();
    assertThat(limits.take("U1", "click").allowed()).isFalse();
  }

  @Test
  void eachUserHasABucketOfTheirOwn() {
    for (int i = 0; i < 3; i++) {
      limits.take("U1", "command");
    }

    assertThat(limits.take("U1", "command").allowed()).isFalse();
    assertThat(limits.take("U2", "command").allowed()).isTrue();
  }

  @Test
  void aThrottledUserIsToldOncePerPeriodNotOnEveryClick() {
    for (int i = 0; i < 3; i++) {
      limits.take("U1", "click");
    }

    assertThat(limits.take("U1", "click").tell()).isTrue();
    assertThat(limits.take("U1", "click").tell()).isFalse();
    clock.advance(Duration.ofSeconds(1));
    assertThat(limits.take("U1", "click").tell()).isFalse();
  }

  @Test
  void usersWhoseBucketFilledUpAgainAreForgotten() {
    for (int i = 0; i < 1000; i++) {
      limits.take("U" + i, "command");
    }
    clock.advance(Duration.ofSeconds(10));

    limits.take("U-now", "command");

    assertThat(limits.tracked()).isEqualTo(1);
  }

  @Test
  void aBurstBelowOneOrAZeroPeriodStopsTheStartNamingTheSettings() {
    assertThatThrownBy(() -> new UserLimits(0, Duration.ofSeconds(1), clock, meters))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("slack.user-limit.burst (SLACK_USER_LIMIT_BURST)");
    assertThatThrownBy(() -> new UserLimits(10, Duration.ZERO, clock, meters))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("slack.user-limit.every (SLACK_USER_LIMIT_EVERY)");
  }

  @Test
  void theSlowDownAnswerSaysWhenToTryAgain() {
    assertThat(Messages.slowDown(Duration.ofMillis(1200)))
        .contains("Slow down")
        .contains("Try again in 2 seconds.");
    assertThat(Messages.slowDown(Duration.ofMillis(300))).contains("Try again in 1 second.");
  }
}
