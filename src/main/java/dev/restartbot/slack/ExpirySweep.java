package dev.restartbot.slack;

import dev.restartbot.restart.RequestLifecycle;
import dev.restartbot.restart.RestartRequest;
import io.quarkus.scheduler.Scheduled;
import jakarta.inject.Singleton;

/** Expires requests nobody decided in time, and says so on their messages. */
@Singleton
public class ExpirySweep {

  private final RequestLifecycle lifecycle;
  private final RequestThread thread;

  ExpirySweep(RequestLifecycle lifecycle, RequestThread thread) {
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
  }
}
