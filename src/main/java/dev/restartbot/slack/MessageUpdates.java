package dev.restartbot.slack;

import jakarta.annotation.PreDestroy;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.jboss.logging.Logger;

/**
 * The one app-wide limiter for in-place progress updates: at most one update a second per message
 * and {@code slack.progress-updates-per-minute} in all, coalescing to the newest text. A final
 * update never queues behind progress or the budget: it supersedes what is pending and goes at
 * once.
 *
 * <p>Each message has a single writer: at most one {@code chat.update} of it is in flight, and no
 * lock is held while Slack answers (a call may retry with backoff for seconds). So neither {@link
 * #progress} nor {@link #finish} ever waits for Slack; a final that arrives while a progress update
 * of its message is in flight is sent right after that one returns, and nothing of the message is
 * sent after it: the final is always the last write Slack sees.
 */
@Singleton
public class ProgressUpdates {

  /** Sends one {@code chat.update}; tests count them. */
  @FunctionalInterface
  interface Sender {
    void update(String channel, String ts, String text);
  }

  private static final Logger LOG = Logger.getLogger(ProgressUpdates.class);

  /**
   * How long a finished message is remembered, so that progress arriving after its final (from a
   * racing producer) is dropped instead of overwriting the result.
   */
  static final Duration REMEMBER_FINISHED = Duration.ofMinutes(1);

  /** The final text and what to do if Slack will not take it. */
  private record Final(String text, Runnable onFailure) {}

  /** One message's state, guarded by its monitor, which is never held while Slack answers. */
  private static final class Slot {
    final String channel;
    final String ts;
    final String key;

    /** The newest progress not sent yet. */
    String progress;

    /** A final accepted and not sent yet. */
    Final pendingFinal;

    /** A final was accepted: progress is dropped from now on. */
    boolean closed;

    /** A send of this message is in flight; whoever sends also sends what is due next. */
    boolean writing;

    /** The next progress send, when one is planned. */
    ScheduledFuture<?> flush;

    boolean progressSent;
    long progressSentAt;

    Slot(String channel, String ts, String key) {
      this.channel = channel;
      this.ts = ts;
      this.key = key;
    }
  }

  private final Sender sender;
  private final long intervalNanos;
  private final long spacingNanos;
  private final long burstNanos;
  private final ScheduledExecutorService timers;
  private final Executor sends;
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
        Production.timers(),
        Production.sends(),
        System::nanoTime);
  }

  /**
   * {@code timers} plans progress sends (its tasks are short); {@code sends} runs the {@code
   * chat.update} calls, so that a slow one delays no other message. {@code timers}, {@code sends}
   * and {@code nanoTime} are the seam through which tests drive time.
   */
  ProgressUpdates(
      Sender sender,
      Duration interval,
      int perMinute,
      ScheduledExecutorService timers,
      Executor sends,
      LongSupplier nanoTime) {
    this.sender = sender;
    this.intervalNanos = interval.toNanos();
    int rate = Math.max(1, perMinute);
    this.spacingNanos = Duration.ofMinutes(1).toNanos() / rate;
    // A small burst is fine (ten seconds' worth); the sustained rate is what Slack limits.
    this.burstNanos = (Math.max(1, rate / 6) - 1) * spacingNanos;
    this.timers = timers;
    this.sends = sends;
    this.nanoTime = nanoTime;
    this.budgetFreeAt = nanoTime.getAsLong();
  }

  /** Shows {@code text} on the message soon, unless newer progress or the final replaces it. */
  public void progress(String channel, String ts, String text) {
    Slot slot = slot(channel, ts);
    synchronized (slot) {
      if (slot.closed) {
        return;
      }
      slot.progress = text;
      if (!slot.writing && slot.flush == null) {
        planFlush(slot, untilIntervalEnds(slot));
      }
    }
  }

  /**
   * Replaces whatever progress is pending with the final text, sent at once (right after a send of
   * this message that is already in flight). Returns without waiting for Slack; if Slack will not
   * take it, the failure is logged.
   */
  public void finish(String channel, String ts, String text) {
    finish(
        channel,
        ts,
        text,
        () -> LOG.warnf("the final update of message %s in %s was not delivered", ts, channel));
  }

  /**
   * As {@link #finish(String, String, String)}, and runs {@code onFailure} (on a sending thread,
   * once) if Slack will not take the final text even after retries, so that the caller can deliver
   * the result another way.
   */
  public void finish(String channel, String ts, String text, Runnable onFailure) {
    Slot slot = slot(channel, ts);
    Final next;
    synchronized (slot) {
      slot.closed = true;
      slot.progress = null;
      if (slot.flush != null) {
        slot.flush.cancel(false);
        slot.flush = null;
      }
      // A second final of the same message replaces the first if that has not gone yet.
      slot.pendingFinal = new Final(text, onFailure);
      if (slot.writing) {
        return;
      }
      next = slot.pendingFinal;
      slot.pendingFinal = null;
      slot.writing = true;
    }
    sends.execute(() -> write(slot, next.text(), next));
  }

  /** The messages with pending or recent updates (finished ones are forgotten after a while). */
  int tracked() {
    return slots.size();
  }

  private Slot slot(String channel, String ts) {
    String key = channel + "/" + ts;
    return slots.computeIfAbsent(key, k -> new Slot(channel, ts, k));
  }

  private long untilIntervalEnds(Slot slot) {
    if (!slot.progressSent) {
      return 0;
    }
    return Math.max(0, slot.progressSentAt + intervalNanos - nanoTime.getAsLong());
  }

  /** Called with the slot's monitor held. */
  private void planFlush(Slot slot, long delayNanos) {
    slot.flush = timers.schedule(() -> flush(slot), delayNanos, TimeUnit.NANOSECONDS);
  }

  /** The planned progress send: takes from the budget (or plans again) and hands over the text. */
  private void flush(Slot slot) {
    String text;
    synchronized (slot) {
      slot.flush = null;
      if (slot.closed || slot.writing || slot.progress == null) {
        return;
      }
      long wait = takeToken();
      if (wait > 0) {
        planFlush(slot, wait);
        return;
      }
      text = slot.progress;
      slot.progress = null;
      slot.writing = true;
      slot.progressSent = true;
      slot.progressSentAt = nanoTime.getAsLong();
    }
    sends.execute(() -> write(slot, text, null));
  }

  /**
   * The message's single writer: sends {@code text} ({@code fin} when it is the final), then
   * whatever final came in meanwhile, and only then lets the next progress be planned.
   */
  private void write(Slot slot, String text, Final fin) {
    while (true) {
      Runnable failed = send(slot, text, fin);
      Final next;
      synchronized (slot) {
        next = slot.pendingFinal;
        slot.pendingFinal = null;
        slot.writing = next != null;
        if (next == null) {
          if (slot.closed) {
            forgetLater(slot);
          } else if (slot.progress != null && slot.flush == null) {
            planFlush(slot, untilIntervalEnds(slot));
          }
        }
      }
      if (failed != null) {
        failed.run();
      }
      if (next == null) {
        return;
      }
      text = next.text();
      fin = next;
    }
  }

  /** One chat.update; answers what to run if it was a final that Slack did not take. */
  private Runnable send(Slot slot, String text, Final fin) {
    try {
      sender.update(slot.channel, slot.ts, text);
      return null;
    } catch (RuntimeException e) {
      if (fin == null) {
        LOG.debugf("a progress update of %s failed: %s", slot.ts, e.getMessage());
        return null;
      }
      LOG.debugf("the final update of %s failed: %s", slot.ts, e.getMessage());
      return () -> {
        try {
          fin.onFailure().run();
        } catch (RuntimeException again) {
          LOG.warnf(again, "handling the undelivered final update of %s failed", slot.ts);
        }
      };
    }
  }

  /** Called with the slot's monitor held, once its final is sent. */
  private void forgetLater(Slot slot) {
    timers.schedule(
        () -> slots.remove(slot.key, slot), REMEMBER_FINISHED.toNanos(), TimeUnit.NANOSECONDS);
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

  @PreDestroy
  void stop() {
    timers.shutdownNow();
    // A final already on its way may still reach Slack; nothing new is taken.
    if (sends instanceof ExecutorService pool) {
      pool.shutdown();
    }
  }

  /** The threads of the running app. */
  private static final class Production {

    /** One thread plans every message's sends; its tasks never wait on Slack. */
    static ScheduledExecutorService timers() {
      ScheduledThreadPoolExecutor timers =
          new ScheduledThreadPoolExecutor(1, daemon("slack-progress"));
      // Superseded progress is cancelled often; do not keep it queued until its time.
      timers.setRemoveOnCancelPolicy(true);
      return timers;
    }

    /**
     * The sends themselves. One writer per message, so there are at most as many threads as
     * messages being updated at once (one per running target), and idle ones go after a minute.
     */
    static ExecutorService sends() {
      return Executors.newCachedThreadPool(daemon("slack-progress-send"));
    }

    private static ThreadFactory daemon(String name) {
      return r -> {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
      };
    }
  }
}
