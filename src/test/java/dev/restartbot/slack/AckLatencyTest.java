package dev.restartbot.slack;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class AckLatencyTest {

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  {
    registry.config().meterFilter(new AckLatency().slackEventsHistogram());
  }

  private Timer requests(String uri) {
    return Timer.builder("http.server.requests").tag("uri", uri).register(registry);
  }

  @Test
  void slackEventsCountsTheAcksSlackDidNotWaitFor() {
    Timer events = requests("/slack/events");
    events.record(Duration.ofMillis(2_900));
    events.record(Duration.ofMillis(3_100));

    CountAtBucket atThreeSeconds =
        Arrays.stream(events.takeSnapshot().histogramCounts())
            .filter(b -> b.bucket(TimeUnit.SECONDS) == 3.0)
            .findFirst()
            .orElseThrow();
    assertThat(atThreeSeconds.count()).isEqualTo(1);
  }

  @Test
  void otherRoutesKeepQuarkussDefaultOfNoBuckets() {
    Timer health = requests("/q/health/ready");
    health.record(Duration.ofMillis(5));

    assertThat(health.takeSnapshot().histogramCounts()).isEmpty();
  }
}
