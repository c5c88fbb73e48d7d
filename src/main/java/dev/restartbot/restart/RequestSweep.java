package dev.restartbot.restart;

import io.quarkus.scheduler.Scheduled;
import jakarta.inject.Singleton;
import java.time.Duration;

/**
 * Runs the sweep ({@link RequestLifecycle#sweep}) every {@code restart.approval.sweep-every}: what
 * it changes is published as request events, and the Slack edge renders them.
 */
@Singleton
public class RequestSweep {

  private final RequestLifecycle lifecycle;
  private final Duration retention;

  RequestSweep(RequestLifecycle lifecycle, RestartConfig config) {
    this.lifecycle = lifecycle;
    this.retention = config.storeRetention();
  }

  // The interval is PolicyConfig.approval().sweepEvery(): the mapping declares the key and its
  // default, and the scheduler reads the same key.
  @Scheduled(
      every = "${restart.approval.sweep-every}",
      concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
  public void sweep() {
    lifecycle.sweep(retention);
  }
}
