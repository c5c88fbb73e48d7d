package dev.restartbot.slack;

import jakarta.annotation.PreDestroy;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.jboss.logging.Logger;

/**
 * The one app-wide limiter for in-place progress updates: at most one update a second per message
 * and {@code slack.progress-updates-per-minute} in all, coalescing to the newest text. A final
 * update never queues behind progress: it cancels what is pending and goes at once.
 */
@Singleton
public class ProgressUpdates {

  /** Sends one {@code chat.update}; tests count them. */
  @FunctionalInterface
  interface Sender {
    void update(String channel, String ts, String text);
  }

  private static final Logger LOG = Logger.getLogger(ProgressUpdates.class);

  /** One message's state. Its monitor orders sends, so progress never lands after the final. */
  private static final class Slot {
    String latest;
    boolean scheduled;
    boolean closed;
    long lastSentNanos = Long.MIN_VALUE / 2;
  }

  private final Sender sender;
  private final long intervalNanos;
  private final long spacingNanos;
  private final long burstNanos;
  private final ScheduledExecutorService scheduler;
  private final LongSupplier nanoTime;
  private final Map<String, Slot> slots = new ConcurrentHashMap<>();

  /** When the budget is next free, were updates spaced evenly (GCRA's theoretical arrival). */
  private long budgetFreeAt;

  @Inject
  ProgressUpdates(SlackClient slack, SlackSettings settings) {
    this(
        (channel, ts, text) -> slack.update(channel, ts, text, null),
        settings.progressInterval(),
        settings.progressUpdatesPerMinute(),
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "slack-progress");
              t.setDaemon(true);
              return t;
            }),
        System::nanoTime);
  }

  /** {@code scheduler} and {@code nanoTime} are the seam through which tests drive time. */
  ProgressUpdates(
      Sender sender,
      Duration interval,
      int perMinute,
      ScheduledExecutorService scheduler,
      LongSupplier nanoTime) {
    this.sender = sender;
    this.intervalNanos = interval.toNanos();
    int rate = Math.max(1, perMinute);
    this.spacingNanos = Duration.ofMinutes(1).toNanos() / rate;
    // A small burst is fine (ten seconds' worth); the sustained rate is what Slack limits.
    this.burstNanos = (Math.max(1, rate / 6) - 1) * spacingNanos;
    this.scheduler = scheduler;
    this.nanoTime = nanoTime;
    this.budgetFreeAt = nanoTime.getAsLong();
  }

  /** Shows {@code text} on the message soon, unless newer progress or the final replaces it. */
  public void progress(String channel, String ts, String text) {
    Slot slot = slots.computeIfAbsent(key(channel, ts), k -> new Slot());
    synchronized (slot) {
      if (slot.closed) {
        return;
      }
      slot.latest = text;
      if (!slot.scheduled) {
        slot.scheduled = true;
        long wait = Math.max(0, slot.lastSentNanos + intervalNanos - nanoTime.getAsLong());
        scheduler.schedule(() -> flush(channel, ts, slot), wait, TimeUnit.NANOSECONDS);
      }
    }
  }

  /** Replaces whatever progress is pending with the final text, sent now. */
  public void finish(String channel, String ts, String text) {
    Slot slot = slots.remove(key(channel, ts));
    if (slot == null) {
      sender.update(channel, ts, text);
      return;
    }
    synchronized (slot) {
      slot.closed = true;
      sender.update(channel, ts, text);
    }
  }

  private void flush(String channel, String ts, Slot slot) {
    synchronized (slot) {
      if (slot.closed) {
        return;
      }
      long wait = takeToken();
      if (wait > 0) {
        scheduler.schedule(() -> flush(channel, ts, slot), wait, TimeUnit.NANOSECONDS);
        return;
      }
      slot.scheduled = false;
      slot.lastSentNanos = nanoTime.getAsLong();
      try {
        sender.update(channel, ts, slot.latest);
      } catch (RuntimeException e) {
        LOG.debugf("a progress update of %s failed: %s", ts, e.getMessage());
      }
    }
  }

  /**
   * Takes one update from the app-wide budget (answers 0), or answers how long until one is free. A
   * token bucket in whole nanoseconds, so that a wait comes out exact.
   */
  private synchronized long takeToken() {
    long now = nanoTime.getAsLong();
    long freeAt = budgetFreeAt - now > 0 ? budgetFreeAt : now;
    long wait = freeAt - now - burstNanos;
    if (wait > 0) {
      return wait;
    }
    budgetFreeAt = freeAt + spacingNanos;
    return 0;
  }

  private static String key(String channel, String ts) {
    return channel + "/" + ts;
  }

  @PreDestroy
  void stop() {
    scheduler.shutdownNow();
  }
}
