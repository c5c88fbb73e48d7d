package dev.restartbot.slack;

import dev.restartbot.restart.RequestLifecycle;
import dev.restartbot.restart.RestartRequest;
import io.quarkus.scheduler.Scheduled;
import jakarta.inject.Singleton;

/**
 * The periodic sweep: expires requests nobody decided in time and marks runs whose replica died as
 * interrupted, saying so in the channel. Safe on every replica at once: each change is a
 * compare-and-set, and only the replica that made it speaks.
 */
@Singleton
public class RequestSweep {

  private final RequestLifecycle lifecycle;
  private final RequestThread thread;

  RequestSweep(RequestLifecycle lifecycle, RequestThread thread) {
    this.lifecycle = lifecycle;
    this.thread = thread;
  }

  @Scheduled(
      every = "${restart.approval.sweep-every:30s}",
      concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
  public void sweep() {
    for (RestartRequest expired : lifecycle.expireDue()) {
      thread.showState(expired);
    }
    for (RestartRequest interrupted : lifecycle.interruptAbandoned()) {
      thread.interrupted(interrupted);
    }
  }
}
