package dev.restartbot.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import org.jboss.logmanager.ExtHandler;
import org.jboss.logmanager.ExtLogRecord;
import org.jboss.logmanager.handlers.AsyncHandler;
import org.junit.jupiter.api.Test;

/** The log queue written out at exit, behind a console slower than the app. */
class LogDrainTest {

  @Test
  void everyLineQueuedBeforeTheDrainIsWrittenWhenItReturns() {
    List<String> written = new CopyOnWriteArrayList<>();
    AsyncHandler queue = new AsyncHandler(1024);
    queue.addHandler(console(written, new CountDownLatch(0), 1));
    for (int i = 0; i < 200; i++) {
      queue.publish(line("audit line " + i));
    }

    boolean drained = LogDrain.drain(queue, deadline(Duration.ofSeconds(30)));

    assertThat(drained).isTrue();
    assertThat(written).hasSize(201).startsWith("audit line 0").endsWith(LogDrain.MARKER);
    assertThat(written.get(199)).isEqualTo("audit line 199");
    queue.close();
  }

  @Test
  void aConsoleThatNeverMovesHoldsTheExitNoLongerThanThePatience() throws InterruptedException {
    CountDownLatch stuck = new CountDownLatch(1);
    AsyncHandler queue = new AsyncHandler(4);
    queue.addHandler(console(new CopyOnWriteArrayList<>(), stuck, 0));
    // The writer holds the first line for ever; the queue is then full or nearly.
    for (int i = 0; i < 4; i++) {
      queue.publish(line("audit line " + i));
    }

    long start = System.nanoTime();
    boolean drained = LogDrain.drain(queue, deadline(Duration.ofMillis(300)));
    long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

    assertThat(drained).isFalse();
    assertThat(waited).isBetween(250L, 5_000L);
    stuck.countDown();
    queue.close();
  }

  /** A console that writes each message after {@code gate} opens, {@code millis} each. */
  private static ExtHandler console(List<String> written, CountDownLatch gate, long millis) {
    return new ExtHandler() {
      @Override
      protected void doPublish(ExtLogRecord record) {
        try {
          gate.await();
          Thread.sleep(millis);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        written.add(record.getMessage());
      }
    };
  }

  private static ExtLogRecord line(String message) {
    ExtLogRecord record = new ExtLogRecord(Level.INFO, message, LogDrainTest.class.getName());
    record.setLoggerName(AuditLog.CATEGORY);
    return record;
  }

  private static long deadline(Duration patience) {
    return System.nanoTime() + patience.toNanos();
  }
}
