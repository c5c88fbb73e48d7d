package dev.restartbot.audit;

import io.quarkus.runtime.ShutdownEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import org.jboss.logmanager.ExtHandler;
import org.jboss.logmanager.ExtLogRecord;
import org.jboss.logmanager.LogContext;
import org.jboss.logmanager.handlers.AsyncHandler;

/**
 * Writes out the log queue before the app exits, so that no audit line is lost on SIGTERM.
 *
 * <p>The console log is asynchronous (a request thread only queues its line). JBoss LogManager's
 * {@code AsyncHandler} writes from a daemon thread, and nothing drains it on a normal exit: Quarkus
 * never closes it (it only sleeps 200 ms after a failed start), and its {@code close()} would not
 * wait either (it closes the console at once and drops whatever is logged after). So the last lines
 * queued, an audit line among them, would die with the JVM whenever the console is slower than the
 * app, as behind a backed-up container log pipe. This puts a marker through each asynchronous
 * handler once the other shutdown observers have logged their lines (a sequence handed back, say)
 * and waits until the writer thread has reached it: everything queued before it is then written.
 */
@Singleton
class LogDrain {

  /**
   * How long the exit waits for a stuck console. Well within the Deployment's grace (120 s, less
   * the 5 s shutdown delay and the 90 s restart.shutdown-grace): a log pipe that never moves again
   * must not keep the pod until the kubelet kills it.
   */
  static final Duration PATIENCE = Duration.ofSeconds(10);

  static final String MARKER = "log queue written out; exiting";

  void onStop(@Observes @Priority(Integer.MAX_VALUE) ShutdownEvent event) {
    drain(PATIENCE);
  }

  /** Waits until each asynchronous handler has written what was queued before this call. */
  static boolean drain(Duration patience) {
    long deadline = System.nanoTime() + patience.toNanos();
    boolean all = true;
    for (AsyncHandler queue : asyncHandlers()) {
      all &= drain(queue, deadline);
    }
    return all;
  }

  /** Waits until {@code queue} has written what it held, or until {@code deadline} (nano time). */
  static boolean drain(AsyncHandler queue, long deadline) {
    // INFO, or the handler's own level where it is set higher, so that the handler takes it.
    Level level =
        queue.getLevel().intValue() > Level.INFO.intValue() ? queue.getLevel() : Level.INFO;
    ExtLogRecord marker = new ExtLogRecord(level, MARKER, LogDrain.class.getName());
    marker.setLoggerName(LogDrain.class.getName());
    if (!queue.isLoggable(marker)) {
      return true; // a handler that is off queues nothing
    }
    CountDownLatch reached = new CountDownLatch(1);
    Handler watch =
        new ExtHandler() {
          @Override
          protected void doPublish(ExtLogRecord record) {
            if (record == marker) {
              reached.countDown();
            }
          }
        };
    queue.addHandler(watch);
    try {
      // The queue is first in, first out, with one writer: the marker comes out last. Queued from
      // a thread of its own, since a full queue blocks its caller, and the wait has a bound.
      Thread put = new Thread(() -> queue.publish(marker), "log-drain");
      put.setDaemon(true);
      put.start();
      return reached.await(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } finally {
      queue.removeHandler(watch);
    }
  }

  private static List<AsyncHandler> asyncHandlers() {
    List<AsyncHandler> found = new ArrayList<>();
    collect(LogContext.getLogContext().getLogger("").getHandlers(), found);
    return found;
  }

  private static void collect(Handler[] handlers, List<AsyncHandler> found) {
    for (Handler handler : handlers) {
      if (handler instanceof AsyncHandler async) {
        found.add(async);
      } else if (handler instanceof ExtHandler parent) {
        collect(parent.getHandlers(), found);
      }
    }
  }
}
