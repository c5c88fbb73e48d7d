package dev.restartbot.slack;

import dev.restartbot.restart.RequestLifecycle;
import dev.restartbot.restart.RestartConfig;
import dev.restartbot.restart.RestartRequest;
import io.quarkus.scheduler.Scheduled;
import jakarta.inject.Singleton;
import java.time.Duration;
import org.jboss.logging.Logger;

/**
 * The periodic sweep: expires requests nobody decided in time and marks runs whose replica died as
 * interrupted, saying so in the channel. Safe on every replica at once: each change is a
 * compare-and-set, and only the replica that made it speaks.
 */
@Singleton
public class RequestSweep {

  private static final Logger LOG = Logger.getLogger(RequestSweep.class);

  private final RequestLifecycle lifecycle;
  private final RequestThread thread;
  private final Duration retention;

  RequestSweep(RequestLifecycle lifecycle, RequestThread thread, RestartConfig config) {
    this.lifecycle = lifecycle;
    this.thread = thread;
    this.retention = config.storeRetention();
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
    int purged = lifecycle.purgeOlderThan(retention);
    if (purged > 0) {
      LOG.infof("deleted %d requests that ended more than %s ago", purged, retention);
    }
  }
}
