package dev.restartbot.restart;

import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;

/**
 * Where sequences of restarts run: threads of their own, apart from the pool that serves HTTP and
 * Slack, so that neither can starve the other. A sequence that fails is logged, never swallowed.
 */
public final class Sequences {

  private static final Logger LOG = Logger.getLogger(Sequences.class);

  private final Executor executor;

  public Sequences(Executor executor) {
    this.executor = executor;
  }

  /** One thread per running sequence: sequences wait on rollouts, not on the CPU. */
  static Sequences threads() {
    AtomicInteger n = new AtomicInteger();
    return new Sequences(
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "restart-sequence-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            }));
  }

  /** Runs {@code sequence} for {@code requestId} in the background. */
  public void start(String requestId, Runnable sequence) {
    executor.execute(
        () -> {
          try {
            sequence.run();
          } catch (RuntimeException | Error e) {
            LOG.errorf(e, "the sequence of request %s failed", requestId);
          }
        });
  }

  /** Lets running sequences go on, and starts no new one. */
  void stop() {
    if (executor instanceof ExecutorService service) {
      service.shutdown();
    }
  }
}
