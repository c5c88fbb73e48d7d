package dev.restartbot.slack;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.Duration;

/**
 * Buckets for how fast {@code /slack/events} answers. Slack gives up on a request after 3 seconds,
 * and Quarkus times its HTTP requests without a histogram: this adds one to that route alone, with
 * a bucket at exactly 3 s, so that {@code http_server_requests_seconds_bucket{uri="/slack/events"}}
 * yields percentiles and the share of acks Slack did not wait for.
 */
@Singleton
public class AckLatency {

  static final String URI = "/slack/events";
  static final Duration SLACK_GIVES_UP = Duration.ofSeconds(3);

  @Produces
  @Singleton
  MeterFilter slackEventsHistogram() {
    return new MeterFilter() {
      @Override
      public DistributionStatisticConfig configure(
          Meter.Id id, DistributionStatisticConfig config) {
        if (!"http.server.requests".equals(id.getName()) || !URI.equals(id.getTag("uri"))) {
          return config;
        }
        return DistributionStatisticConfig.builder()
            .percentilesHistogram(true)
            .serviceLevelObjectives(SLACK_GIVES_UP.toNanos())
            .maximumExpectedValue((double) Duration.ofSeconds(10).toNanos())
            .build()
            .merge(config);
      }
    };
  }
}
