package dev.restartbot.restart;

import dev.restartbot.policy.Target;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;

/**
 * Restart and rollout figures for {@code /q/metrics}: {@code restartbot_restarts_total} by cluster,
 * kind and outcome, and {@code restartbot_rollout_duration_seconds} as a histogram.
 */
@ApplicationScoped
public class RestartMetrics {

  private final MeterRegistry registry;

  public RestartMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  void on(@Observes RequestEvent event) {
    if (event instanceof RequestEvent.TargetFinished f) {
      targetFinished(f.result().target(), f.result().outcome(), f.result().took());
    }
  }

  public void targetFinished(Target target, Outcome outcome, Duration took) {
    Counter.builder("restartbot.restarts")
        .description("Targets handled, by outcome")
        .tag("cluster", target.cluster())
        .tag("kind", target.kind().singular())
        .tag("outcome", outcome.code())
        .register(registry)
        .increment();
    if (outcome instanceof Outcome.RolledOut
        || outcome instanceof Outcome.RolloutFailed
        || outcome instanceof Outcome.TimedOut) {
      Timer.builder("restartbot.rollout.duration")
          .description("From the restart patch to the end of the rollout")
          .tag("cluster", target.cluster())
          .tag("kind", target.kind().singular())
          .tag("outcome", outcome.code())
          .publishPercentileHistogram()
          // A timer's buckets stop at 30 s; rollouts take minutes (restart.rollout.timeout, 10m).
          .maximumExpectedValue(Duration.ofHours(1))
          .register(registry)
          .record(took);
    }
  }
}
