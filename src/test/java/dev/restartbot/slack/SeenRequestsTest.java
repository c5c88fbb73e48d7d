package dev.restartbot.slack;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class SeenRequestsTest {

  private static final Instant NOW = Instant.parse("2026-11-30T12:00:00Z");

  private static String at(long offsetSeconds) {
    return Long.toString(NOW.getEpochSecond() + offsetSeconds);
  }

  @Test
  void theSameTimestampAndSignatureAreTakenOnce() {
    SeenRequests seen = new SeenRequests(Clock.fixed(NOW, ZoneOffset.UTC));

    assertThat(seen.remember(at(0), "v0=aa")).isEqualTo(SeenRequests.Verdict.FIRST);
    assertThat(seen.remember(at(0), "v0=aa")).isEqualTo(SeenRequests.Verdict.REPEATED);
    assertThat(seen.remember(at(0), "v0=bb")).isEqualTo(SeenRequests.Verdict.FIRST);
    assertThat(seen.remember(at(1), "v0=aa")).isEqualTo(SeenRequests.Verdict.FIRST);
  }

  @Test
  void whatLeftTheWindowIsForgottenSoMemoryFollowsTheLastFiveMinutes() {
    Instant[] now = {NOW};
    Clock moving =
        new Clock() {
          @Override
          public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
          }

          @Override
          public Clock withZone(java.time.ZoneId zone) {
            return this;
          }

          @Override
          public Instant instant() {
            return now[0];
          }
        };
    SeenRequests seen = new SeenRequests(moving);
    for (int i = 0; i < 1000; i++) {
      seen.remember(at(0), "v0=" + i);
    }
    assertThat(seen.size()).isEqualTo(1000);

    // Six minutes on, those signatures are stale: the signature check refuses them anyway.
    now[0] = NOW.plusSeconds(360);
    seen.remember(at(360), "v0=new");

    assertThat(seen.size()).isEqualTo(1);
  }
}
