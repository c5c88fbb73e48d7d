package dev.restartbot.slack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.restartbot.policy.Target;
import dev.restartbot.policy.WorkloadKind;
import dev.restartbot.restart.Outcome;
import dev.restartbot.restart.RequestEvent;
import dev.restartbot.restart.RequestState;
import dev.restartbot.restart.RestartRequest;
import dev.restartbot.restart.TargetResult;
import dev.restartbot.testing.RequestBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executor;
import org.junit.jupiter.api.Test;

/**
 * What a target of a running request hands to the Slack delivery threads: the sequence publishes
 * three events a target (started, patched, finished), and each delivery queued wakes a thread that
 * shares the cores with the sequence. Only what changes something in Slack is queued.
 */
class SequenceHandoffsTest {

  private static final Target A = new Target(WorkloadKind.DEPLOYMENT, "ns", "a");

  /**
   * Counts the deliveries handed to the pool and runs each at once (with no Slack behind them they
   * fail, and are logged).
   */
  private final List<Runnable> handedOff = new ArrayList<>();

  private final Executor pool =
      r -> {
        handedOff.add(r);
        r.run();
      };
  private final OrderedDelivery delivery = new OrderedDelivery(pool);

  private final RestartRequest running =
      RequestBuilder.request()
          .requester("U1", "alice")
          .channel("C1")
          .targets(A)
          .message("1.1")
          .decided(RequestState.RUNNING, "U2", "bob", RequestBuilder.T0)
          .build();

  private List<RequestEvent> oneTarget() {
    Outcome.Restarted patch = new Outcome.Restarted("2026-12-01T10:00:00Z", 2, "uid");
    TargetResult result = new TargetResult(A, patch, Duration.ofMillis(5));
    return List.of(
        new RequestEvent.TargetStarted(running, 0),
        new RequestEvent.TargetPatched(running, 0, patch),
        new RequestEvent.TargetFinished(running.withResult(result), 0, result, Optional.of(patch)));
  }

  @Test
  void theThreadRepliesQueueTheStartAndTheResultButNotTheAcceptedPatch() {
    RequestRenderer renderer = new RequestRenderer(null, null, null, delivery);

    oneTarget().forEach(renderer::on);

    assertThat(handedOff).hasSize(2);
  }

  @Test
  void theHomeTabQueuesNothingWhileNobodyHasOpenedIt() {
    HomeTab home = new HomeTab(null, null, null, delivery);

    oneTarget().forEach(home::on);

    assertThat(handedOff).isEmpty();
  }
}
