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
  private final double perNano;
  private final double capacity;
  private final ScheduledExecutorService scheduler;
  private final Map<String, Slot> slots = new ConcurrentHashMap<>();
  private double tokens;
  private long refilledAt = System.nanoTime();

  @Inject
  ProgressUpdates(SlackClient slack, SlackSettings settings) {
    this(
        (channel, ts, text) -> slack.update(channel, ts, text, null),
        settings.progressInterval(),
        settings.progressUpdatesPerMinute());
  }

  ProgressUpdates(Sender sender, Duration interval, int perMinute) {
    this.sender = sender;
    this.intervalNanos = interval.toNanos();
    this.perNano = perMinute / 60e9;
    // A small burst is fine; the sustained rate is what Slack limits.
    this.capacity = Math.max(1, perMinute / 6.0);
    this.tokens = capacity;
    this.scheduler =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "slack-progress");
              t.setDaemon(true);
              return t;
            });
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
        long wait = Math.max(0, slot.lastSentNanos + intervalNanos - System.nanoTime());
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
      slot.lastSentNanos = System.nanoTime();
      try {
        sender.update(channel, ts, slot.latest);
      } catch (RuntimeException e) {
        LOG.debugf("a progress update of %s failed: %s", ts, e.getMessage());
      }
    }
  }

  /** Takes a token if there is one (answers 0), or answers how long until there is. */
  private synchronized long takeToken() {
    long now = System.nanoTime();
    tokens = Math.min(capacity, tokens + (now - refilledAt) * perNano);
    refilledAt = now;
    if (tokens >= 1) {
      tokens -= 1;
      return 0;
    }
    return (long) Math.ceil((1 - tokens) / perNano);
  }

  private static String key(String channel, String ts) {
    return channel + "/" + ts;
  }

  @PreDestroy
  void stop() {
    scheduler.shutdownNow();
  }
}
