package dev.restartbot.restart;

import static dev.restartbot.testing.RequestBuilder.T0;
import static dev.restartbot.testing.RequestBuilder.request;
import static org.assertj.core.api.Assertions.assertThat;

import dev.restartbot.testing.RequestBuilder;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheus.PrometheusConfig;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class ApprovalMetricsTest {

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final ApprovalMetrics metrics = new ApprovalMetrics(registry);

  private Timer timer(String outcome) {
    return registry.find("restartbot.approval.duration").tag("outcome", outcome).timer();
  }

  @Test
  void aDecisionIsTimedFromTheRequestToTheClickByItsOutcome() {
    metrics.on(
        new RequestEvent.Decided(
            request()
                .decided(RequestState.APPROVED, "U0LEAD", "lead", T0.plusSeconds(90))
                .build()));
    metrics.on(
        new RequestEvent.Decided(
            request()
                .id("req2")
                .decided(RequestState.DENIED, "U0LEAD", "lead", T0.plusSeconds(30))
                .build()));

    assertThat(timer("approved").count()).isEqualTo(1);
    assertThat(timer("approved").totalTime(TimeUnit.SECONDS)).isEqualTo(90);
    assertThat(timer("denied").totalTime(TimeUnit.SECONDS)).isEqualTo(30);
  }

  @Test
  void anExpiredRequestWaitedItsWholeTtl() {
    metrics.on(
        new RequestEvent.Expired(
            request()
                .expiresAt(T0.plus(Duration.ofMinutes(15)))
                .state(RequestState.EXPIRED)
                .build()));

    assertThat(timer("expired").totalTime(TimeUnit.MINUTES)).isEqualTo(15);
  }

  @Test
  void aRequestThePolicyApprovedWaitedForNobodyAndIsNotTimed() {
    RestartRequest byPolicy = request().byPolicy().build();
    metrics.on(
        new RequestEvent.Decided(
            RequestBuilder.from(byPolicy)
                .decided(RequestState.WITHDRAWN, "U0REQ", "alice", T0.plusSeconds(10))
                .build()));
    metrics.on(new RequestEvent.Submitted(byPolicy));

    assertThat(registry.find("restartbot.approval.duration").timers()).isEmpty();
  }

  @Test
  void otherEventsAreNotTimed() {
    RestartRequest approved = request().approvedBy("U0LEAD").build();
    metrics.on(new RequestEvent.Submitted(request().build()));
    metrics.on(new RequestEvent.Started(approved));
    metrics.on(new RequestEvent.Finished(approved));

    assertThat(registry.find("restartbot.approval.duration").timers()).isEmpty();
  }

  @Test
  void prometheusGetsBucketsFromSecondsToADayByOutcome() {
    PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    new ApprovalMetrics(prometheus)
        .on(
            new RequestEvent.Decided(
                request()
                    .decided(RequestState.APPROVED, "U0LEAD", "lead", T0.plusSeconds(2))
                    .build()));

    List<Double> bounds =
        Pattern.compile(
                "restartbot_approval_duration_seconds_bucket\\{outcome=\"approved\",le=\"([0-9.E+]+)\"")
            .matcher(prometheus.scrape())
            .results()
            .map(m -> Double.parseDouble(m.group(1)))
            .toList();
    assertThat(bounds).isNotEmpty();
    assertThat(bounds.get(0)).isGreaterThanOrEqualTo(1);
    assertThat(bounds.get(bounds.size() - 1))
        .isGreaterThanOrEqualTo(Duration.ofDays(1).toSeconds());
    assertThat(bounds).anyMatch(b -> b > 60 && b <= 3600);
  }
}
