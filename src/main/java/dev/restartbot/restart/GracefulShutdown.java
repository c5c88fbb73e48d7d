package dev.restartbot.restart;

import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.time.Duration;
import org.jboss.logging.Logger;

/**
 * What a replica does when it is told to stop (SIGTERM): readiness is already down (Quarkus's
 * shutdown delay), no new run starts here, and each running sequence finishes the target it is on
 * within {@code restart.shutdown-grace}, then hands the rest back for another replica to resume
 * (or, with one replica, records them as not started).
 */
@Singleton
class GracefulShutdown {

  private static final Logger LOG = Logger.getLogger(GracefulShutdown.class);

  private final Sequences sequences;
  private final Duration grace;

  GracefulShutdown(Sequences sequences, RestartConfig config) {
    this.sequences = sequences;
    this.grace = config.shutdownGrace();
  }

  void onStop(@Observes ShutdownEvent event) {
    int running = sequences.running();
    if (running > 0) {
      LOG.infof(
          "shutting down: %d sequences finish their current target (up to %s)", running, grace);
    }
    sequences.drain(grace);
  }
}
