package dev.restartbot.restart;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.time.Instant;

/**
 * How long requests wait for a person, for {@code /q/metrics}: {@code
 * restartbot_approval_duration_seconds{outcome}}, a histogram from the request to its decision
 * ({@code approved}, {@code denied}, {@code withdrawn}) or to its expiry ({@code expired}, which
 * waited the whole approval TTL).
 *
 * <p>Requests the policy approved are not counted: nobody was asked. A person's approval that is
 * later taken back is counted twice, once as approved and once as withdrawn or denied, since both
 * were decisions someone waited for.
 */
@ApplicationScoped
public class ApprovalMetrics {

  static final String NAME = "restartbot.approval.duration";

  private final MeterRegistry registry;

  public ApprovalMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  void on(@Observes RequestEvent event) {
    if (event instanceof RequestEvent.Decided d) {
      d.request().decision().ifPresent(decision -> record(d.request(), decision.at()));
    } else if (event instanceof RequestEvent.Expired e) {
      record(e.request(), e.request().expiresAt());
    }
  }

  private void record(RestartRequest request, Instant decidedAt) {
    if (!request.approvalRequired()) {
      return;
    }
    Timer.builder(NAME)
        .description("From a request to its approval, denial, withdrawal or expiry")
        .tag("outcome", request.state().label())
        .publishPercentileHistogram()
        // People take seconds to hours, not the milliseconds a timer's buckets are made for.
        .minimumExpectedValue(Duration.ofSeconds(1))
        .maximumExpectedValue(Duration.ofDays(1))
        .register(registry)
        .record(Duration.between(request.createdAt(), decidedAt));
  }
}
