package dev.restartbot.restart;

import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;

/**
 * Where sequences of restarts run: threads of their own, apart from the pool that serves HTTP and
 * Slack, so that neither can starve the other. A sequence that fails is logged, never swallowed.
 *
 * <p>On shutdown ({@link #drain}) it starts no new sequence and tells the running ones to stop
 * before their next target ({@link #stopping()}), then waits for them within a grace period.
 */
public final class Sequences {

  private static final Logger LOG = Logger.getLogger(Sequences.class);

  private final Executor executor;
  private final AtomicInteger running = new AtomicInteger();
  private volatile boolean stopping;

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

  /**
   * Runs {@code sequence} for {@code requestId} in the background; answers false, starting nothing,
   * once the bot is shutting down (the sweep of another replica starts it instead).
   */
  public boolean start(String requestId, Runnable sequence) {
    if (stopping) {
      LOG.infof("request %s not started here: this replica is shutting down", requestId);
      return false;
    }
    running.incrementAndGet();
    try {
      executor.execute(
          () -> {
            try {
              sequence.run();
            } catch (RuntimeException | Error e) {
              LOG.errorf(e, "the sequence of request %s failed", requestId);
            } finally {
              ended();
            }
          });
    } catch (RuntimeException e) {
      ended();
      LOG.errorf(e, "the sequence of request %s could not start", requestId);
      return false;
    }
    return true;
  }

  /** Whether running sequences should stop before their next target: the bot is shutting down. */
  public boolean stopping() {
    return stopping;
  }

  /** How many sequences run now. */
  public int running() {
    return running.get();
  }

  /**
   * Starts no new sequence, asks the running ones to stop before their next target, and waits up to
   * {@code grace} for them; answers whether they all ended in time.
   */
  public boolean drain(Duration grace) {
    stopping = true;
    long deadline = System.nanoTime() + grace.toNanos();
    synchronized (running) {
      while (running.get() > 0) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          LOG.warnf(
              "%d sequences still running after the shutdown grace of %s; their claims will lapse"
                  + " and another replica reports them interrupted",
              running.get(), grace);
          return false;
        }
        try {
          TimeUnit.NANOSECONDS.timedWait(running, left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return false;
        }
      }
    }
    if (executor instanceof ExecutorService service) {
      service.shutdown();
    }
    return true;
  }

  private void ended() {
    synchronized (running) {
      running.decrementAndGet();
      running.notifyAll();
    }
  }
}
