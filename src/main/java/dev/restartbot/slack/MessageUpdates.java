package dev.restartbot.slack;

import com.slack.api.model.block.LayoutBlock;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
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
 * The one app-wide budget of {@code chat.update}: every in-place edit the bot makes (a target's
 * progress and result, the approval message's state, an expiry) waits here for its turn, and never
 * on a thread that sleeps. {@code slack.progress-updates-per-minute} in all (Slack allows about 50
 * a minute per method), never more in any 60 seconds, shared by every message.
 *
 * <p>Who goes first when the budget is short: {@link Priority#STATE} (a decision someone just made,
 * a run starting or ending, a target's result), then {@link Priority#EXPIRY} (a sweep may expire a
 * thousand requests at once), then {@link Priority#PROGRESS}; within a priority, first come first
 * served. A message has one pending update at most: a newer one of the same message replaces the
 * one not sent yet, and takes the better of their two places. Progress of one message goes at most
 * once per {@code slack.progress-interval}; once a message's final is accepted, its progress is
 * dropped.
 *
 * <p>Each message has a single writer: at most one {@code chat.update} of it is in flight, and no
 * lock is held while Slack answers. So no caller ever waits for Slack, and a message's updates
 * reach Slack in the order they were made; its final is the last write Slack sees.
 *
 * <p>The budget is a GCRA (a token bucket in whole nanoseconds) whose burst is paid for by a slower
 * sustained rate: after {@code burst} updates at once, one every {@code 60 s / (perMinute - burst +
 * 1)}, so that no 60 seconds ever hold more than {@code perMinute} updates. A 429 from Slack pauses
 * the whole budget for its Retry-After, and the refused update goes first when it ends.
 */
@Singleton
public class MessageUpdates {

  /** Which updates go first when the budget is short; the order of the constants is the order. */
  public enum Priority {
    /** A state someone is waiting to see: a decision, a run starting or ending, a result. */
    STATE,
    /** An expiry: a sweep may bring a thousand at once. */
    EXPIRY,
    /** A rollout's progress: only the newest matters, and it may wait. */
    PROGRESS
  }

  /** Sends one {@code chat.update}; a rate-limited answer carries its Retry-After. */
  @FunctionalInterface
  interface Sender {
    void update(String channel, String ts, String text, List<LayoutBlock> blocks);
  }

  private static final Logger LOG = Logger.getLogger(MessageUpdates.class);

  /**
   * How long a finished message is remembered, so that progress arriving after its final (from a
   * racing producer) is dropped instead of overwriting the result.
   */
  static final Duration REMEMBER_FINISHED = Duration.ofMinutes(1);

  /** How long the app's stop waits for states and results still on their way. */
  static final Duration DRAIN = Duration.ofSeconds(5);

  /** A Retry-After that Slack did not give, or gave as nothing. */
  static final Duration DEFAULT_PAUSE = Duration.ofSeconds(1);

  /** One update waiting: what to show, its priority, and what to do if Slack will not take it. */
  private record Update(
      String text, List<LayoutBlock> blocks, Priority priority, Runnable onFailure) {

    boolean isProgress() {
      return priority == Priority.PROGRESS;
    }
  }

  /** A message's place in the queue for the budget. */
  private record Ticket(Priority priority, long order, Slot slot) {}

  /** One message's state, guarded by the limiter's monitor, which is never held during a call. */
  private static final class Slot {
    final String channel;
    final String ts;
    final String key;

    /** The newest update not sent yet. */
    Update pending;

    /** Its place in the queue for the budget, when it has one. */
    Ticket ticket;

    /** A final was accepted: progress is dropped from now on. */
    boolean closed;

    /** A send of this message is in flight; when it ends, what is pending is queued. */
    boolean writing;

    /** Progress waiting for the message's interval to end. */
    ScheduledFuture<?> interval;

    boolean progressSent;
    long progressSentAt;

    Slot(String channel, String ts, String key) {
      this.channel = channel;
      this.ts = ts;
      this.key = key;
    }
  }

  private static final Comparator<Ticket> TURN =
      Comparator.comparing(Ticket::priority).thenComparingLong(Ticket::order);

  private final Sender sender;
  private final long intervalNanos;
  private final long spacingNanos;
  private final long burstNanos;
  private final ScheduledExecutorService timers;
  private final Executor sends;
  private final LongSupplier nanoTime;

  // Everything below is guarded by this object's monitor.
  private final Map<String, Slot> slots = new HashMap<>();
  private final TreeSet<Ticket> queue = new TreeSet<>(TURN);
  private long arrivals;
  private int inFlight;

  /** GCRA's theoretical arrival time of the next update. */
  private long budgetFreeAt;

  /** Nothing is sent before this, after a 429. */
  private long pausedUntil;

  private boolean paused;

  /** The planned turn of the queue, and when. */
  private ScheduledFuture<?> nextTurn;

  private long nextTurnAt;

  @Inject
  MessageUpdates(SlackClient slack, SlackSettings settings) {
    this(
        slack::updateUnlessRateLimited,
        settings.progressInterval(),
        settings.progressUpdatesPerMinute(),
        Production.timers(),
        Production.sends(),
        System::nanoTime);
  }

  /**
   * {@code timers} plans the turns (its tasks are short); {@code sends} runs the {@code
   * chat.update} calls, so that a slow one delays no other message. {@code timers}, {@code sends}
   * and {@code nanoTime} are the seam through which tests drive time.
   */
  MessageUpdates(
      Sender sender,
      Duration interval,
      int perMinute,
      ScheduledExecutorService timers,
      Executor sends,
      LongSupplier nanoTime) {
    this.sender = sender;
    this.intervalNanos = interval.toNanos();
    int rate = Math.max(1, perMinute);
    int burst = burst(rate);
    long minute = Duration.ofMinutes(1).toNanos();
    int sustained = rate - burst + 1;
    // Rounded up, so that 60 s never hold more than the budget.
    this.spacingNanos = (minute + sustained - 1) / sustained;
    this.burstNanos = (burst - 1) * spacingNanos;
    this.timers = timers;
    this.sends = sends;
    this.nanoTime = nanoTime;
    this.budgetFreeAt = nanoTime.getAsLong();
  }

  /** How many updates may go at once from a full budget: a tenth of it. */
  static int burst(int perMinute) {
    return Math.max(1, perMinute / 10);
  }

  /** Shows {@code text} on the message soon, unless newer progress or the final replaces it. */
  public void progress(String channel, String ts, String text) {
    synchronized (this) {
      Slot slot = slot(channel, ts);
      if (slot.closed) {
        return;
      }
      slot.pending = new Update(text, null, Priority.PROGRESS, null);
      if (!slot.writing && slot.ticket == null && slot.interval == null) {
        queueProgress(slot);
      }
    }
  }

  /**
   * Replaces whatever progress is pending with the final text, sent first of everything waiting
   * (right after a send of this message that is already in flight). Returns without waiting for
   * Slack; if Slack will not take it, the failure is logged.
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
    finish(channel, ts, text, null, onFailure);
  }

  /**
   * As {@link #finish(String, String, String, Runnable)}, with blocks (a button) under the text.
   */
  public void finish(
      String channel, String ts, String text, List<LayoutBlock> blocks, Runnable onFailure) {
    synchronized (this) {
      Slot slot = slot(channel, ts);
      slot.closed = true;
      if (slot.interval != null) {
        slot.interval.cancel(false);
        slot.interval = null;
      }
      replace(slot, new Update(text, blocks, Priority.STATE, onFailure));
    }
  }

  /**
   * Shows a state of the message ({@code text} and {@code blocks}) with {@code priority}, replacing
   * one of the same message not sent yet. Returns at once; a failure is logged.
   */
  public void show(
      String channel, String ts, String text, List<LayoutBlock> blocks, Priority priority) {
    if (priority == Priority.PROGRESS) {
      throw new IllegalArgumentException("progress goes through progress()");
    }
    Runnable failed =
        () -> LOG.warnf("could not update message %s in %s to show %s", ts, channel, text);
    synchronized (this) {
      replace(slot(channel, ts), new Update(text, blocks, priority, failed));
    }
  }

  /** The messages with pending or recent updates (finished ones are forgotten after a while). */
  synchronized int tracked() {
    return slots.size();
  }

  /** The updates waiting for the budget. */
  synchronized int waiting() {
    return queue.size();
  }

  private Slot slot(String channel, String ts) {
    String key = channel + "/" + ts;
    return slots.computeIfAbsent(key, k -> new Slot(channel, ts, k));
  }

  /** Called with the monitor held: {@code next} becomes the message's pending update. */
  private void replace(Slot slot, Update next) {
    Update older = slot.pending;
    if (older != null && !older.isProgress() && older.priority().compareTo(next.priority()) < 0) {
      // The newer state keeps the better place: it is what the older one would have shown.
      next = new Update(next.text(), next.blocks(), older.priority(), next.onFailure());
    }
    slot.pending = next;
    if (slot.writing) {
      return; // queued when the send in flight ends
    }
    if (slot.ticket != null && slot.ticket.priority().compareTo(next.priority()) <= 0) {
      return; // already waiting at a place as good
    }
    enqueue(slot, next.priority(), arrivals++);
  }

  /** Called with the monitor held: queues progress now, or when the message's interval ends. */
  private void queueProgress(Slot slot) {
    long wait = slot.progressSent ? slot.progressSentAt + intervalNanos - now() : 0;
    if (wait > 0) {
      slot.interval = timers.schedule(() -> intervalEnded(slot), wait, TimeUnit.NANOSECONDS);
    } else {
      enqueue(slot, Priority.PROGRESS, arrivals++);
    }
  }

  private synchronized void intervalEnded(Slot slot) {
    slot.interval = null;
    if (slot.pending != null && !slot.writing && slot.ticket == null) {
      enqueue(slot, slot.pending.priority(), arrivals++);
    }
  }

  /** Called with the monitor held. */
  private void enqueue(Slot slot, Priority priority, long order) {
    if (slot.ticket != null) {
      queue.remove(slot.ticket);
    }
    slot.ticket = new Ticket(priority, order, slot);
    queue.add(slot.ticket);
    // On the timers' thread, soon: what the caller adds next in the same breath (a final after
    // progress) still replaces this, and the caller never hands anything to Slack itself.
    planTurn(0);
  }

  /**
   * Called with the monitor held: hands the first updates in the queue to {@code sends} while the
   * budget allows, then plans the next turn for when it allows again.
   */
  private void turn() {
    while (!queue.isEmpty()) {
      long wait = takeToken();
      if (wait > 0) {
        planTurn(wait);
        return;
      }
      Ticket first = queue.pollFirst();
      Slot slot = first.slot();
      slot.ticket = null;
      Update update = slot.pending;
      slot.pending = null;
      slot.writing = true;
      if (update.isProgress()) {
        slot.progressSent = true;
        slot.progressSentAt = now();
      }
      long order = first.order();
      inFlight++;
      sends.execute(() -> write(slot, update, order));
    }
  }

  private void planTurn(long wait) {
    long at = now() + wait;
    if (nextTurn != null && !nextTurn.isDone() && nextTurnAt - at <= 0) {
      return; // one is planned already, soon enough
    }
    if (nextTurn != null) {
      nextTurn.cancel(false);
    }
    nextTurnAt = at;
    nextTurn = timers.schedule(this::plannedTurn, wait, TimeUnit.NANOSECONDS);
  }

  private synchronized void plannedTurn() {
    nextTurn = null;
    turn();
  }

  /** On a sending thread: one {@code chat.update}, then whatever the message has next. */
  private void write(Slot slot, Update update, long order) {
    Runnable failed = null;
    Duration pause = null;
    try {
      sender.update(slot.channel, slot.ts, update.text(), update.blocks());
    } catch (SlackDeliveryException e) {
      if (e.retryAfter().isPresent()) {
        pause = e.retryAfter().get();
      } else {
        failed = failure(slot, update, e);
      }
    } catch (RuntimeException e) {
      failed = failure(slot, update, e);
    }
    synchronized (this) {
      inFlight--;
      slot.writing = false;
      if (pause != null) {
        pause(pause);
        if (slot.pending == null) {
          slot.pending = update;
        }
        // The refused update keeps its place: it goes first of its priority when the pause ends.
        enqueue(slot, better(slot.pending.priority(), update.priority()), order);
      } else if (slot.pending != null) {
        if (slot.pending.isProgress()) {
          queueProgress(slot);
        } else {
          enqueue(slot, slot.pending.priority(), arrivals++);
        }
      } else if (slot.closed) {
        forgetLater(slot);
      } else if (!update.isProgress()) {
        forgetLater(slot);
      }
    }
    if (failed != null) {
      failed.run();
    }
  }

  private static Priority better(Priority a, Priority b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  /** What to run when Slack did not take {@code update}: nothing for progress, else its handler. */
  private static Runnable failure(Slot slot, Update update, RuntimeException e) {
    if (update.onFailure() == null) {
      LOG.debugf("a progress update of %s failed: %s", slot.ts, e.getMessage());
      return null;
    }
    LOG.debugf("an update of %s failed: %s", slot.ts, e.getMessage());
    return () -> {
      try {
        update.onFailure().run();
      } catch (RuntimeException again) {
        LOG.warnf(again, "handling the undelivered update of %s failed", slot.ts);
      }
    };
  }

  /** Called with the monitor held: nothing goes for {@code pause}, then one at a time again. */
  private void pause(Duration pause) {
    long duration =
        pause.isZero() || pause.isNegative() ? DEFAULT_PAUSE.toNanos() : pause.toNanos();
    long until = now() + duration;
    if (!paused || until - pausedUntil > 0) {
      pausedUntil = until;
      paused = true;
    }
    LOG.debugf("Slack rate-limited chat.update: every update waits %s", pause);
    // After the pause, no burst: Slack has just said that the budget is spent.
    if (budgetFreeAt - (pausedUntil + burstNanos) < 0) {
      budgetFreeAt = pausedUntil + burstNanos;
    }
  }

  /** Called with the monitor held, once a message's last update is sent. */
  private void forgetLater(Slot slot) {
    timers.schedule(
        () -> {
          synchronized (this) {
            if (slot.pending == null && !slot.writing && slot.ticket == null) {
              slots.remove(slot.key, slot);
            }
          }
        },
        REMEMBER_FINISHED.toNanos(),
        TimeUnit.NANOSECONDS);
  }

  /**
   * Called with the monitor held: takes one update from the app-wide budget (answers 0), or answers
   * how long until one is free.
   */
  private long takeToken() {
    long now = now();
    if (paused) {
      if (pausedUntil - now > 0) {
        return pausedUntil - now;
      }
      paused = false;
    }
    long freeAt = budgetFreeAt - now > 0 ? budgetFreeAt : now;
    long wait = freeAt - now - burstNanos;
    if (wait > 0) {
      return wait;
    }
    budgetFreeAt = freeAt + spacingNanos;
    return 0;
  }

  private long now() {
    return nanoTime.getAsLong();
  }

  /**
   * Whether a state or a result is still waiting or on its way (expiries and progress do not count:
   * nobody waits for them at shutdown).
   */
  synchronized boolean statesPending() {
    return inFlight > 0 || (!queue.isEmpty() && queue.first().priority() == Priority.STATE);
  }

  @PreDestroy
  void stop() {
    // States and results queued by the last deliveries (an interrupted run, say) get a few
    // seconds to reach Slack, as OrderedDelivery's own deliveries do.
    long deadline = System.nanoTime() + DRAIN.toNanos();
    while (statesPending() && System.nanoTime() - deadline < 0) {
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    timers.shutdownNow();
    // An update already on its way may still reach Slack; nothing new is taken.
    if (sends instanceof ExecutorService pool) {
      pool.shutdown();
    }
  }

  /** The threads of the running app. */
  private static final class Production {

    /** One thread plans every turn; its tasks never wait on Slack. */
    static ScheduledExecutorService timers() {
      ScheduledThreadPoolExecutor timers =
          new ScheduledThreadPoolExecutor(1, daemon("slack-updates"));
      // Planned turns are cancelled often; do not keep them queued until their time.
      timers.setRemoveOnCancelPolicy(true);
      return timers;
    }

    /**
     * The sends themselves. One writer per message, and the budget lets only a few go at once, so
     * there are few threads; idle ones go after a minute.
     */
    static ExecutorService sends() {
      return Executors.newCachedThreadPool(daemon("slack-updates-send"));
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
