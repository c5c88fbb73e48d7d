package dev.restartbot.restart;

import static org.assertj.core.api.Assertions.assertThat;

import dev.restartbot.policy.Target;
import dev.restartbot.policy.WorkloadKind;
import io.micrometer.prometheus.PrometheusConfig;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class RestartMetricsTest {

  @Test
  void rolloutDurationsHaveBucketsForRolloutsOfMinutes() {
    PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    new RestartMetrics(prometheus)
        .targetFinished(
            new Target(WorkloadKind.DEPLOYMENT, "ns", "api"),
            new Outcome.RolledOut("2026-11-26T10:00:00Z", "rolled out"),
            Duration.ofMinutes(4));

    String scrape = prometheus.scrape();
    List<Double> bounds =
        Pattern.compile(
                "restartbot_rollout_duration_seconds_bucket\\{cluster=\"default\",kind=\"deployment\",outcome=\"rolled_out\",le=\"([0-9.E+]+)\",?\\} (\\S+)")
            .matcher(scrape)
            .results()
            .filter(m -> Double.parseDouble(m.group(2)) == 0)
            .map(m -> Double.parseDouble(m.group(1)))
            .toList();
    assertThat(scrape)
        .contains(
            "restartbot_restarts_total{cluster=\"default\",kind=\"deployment\",outcome=\"rolled_out\",}"
                + " 1.0");
    // Buckets below 4 minutes are empty; some of them lie above 30 s, where a timer's stop.
    assertThat(bounds).anyMatch(b -> b > 60 && b < 240);
  }
}
