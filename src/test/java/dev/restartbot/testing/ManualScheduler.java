package dev.restartbot.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.Delayed;
import java.util.concurrent.Executors;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.RunnableScheduledFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A scheduler and a monotonic clock that move only when a test says so: {@link #advance} runs what
 * falls due, in time order (ties in the order they were scheduled), each at its own instant, so a
 * test states "exactly one second later" instead of sleeping and hoping.
 *
 * <p>Tasks run on the thread that advances time. {@link #execute} runs a task at the current
 * instant, on the next {@link #advance} or {@link #runDue}; its exceptions reach that caller, as an
 * uncaught exception would reach a real thread's handler. Thread-safe: code under test may schedule
 * from other threads while a test advances.
 */
public final class ManualScheduler extends AbstractExecutorService
    implements ScheduledExecutorService {

  private final PriorityQueue<Task<?>> queue = new PriorityQueue<>();
  private long now;
  private long sequence;
  private boolean shutdown;

  /** The fake {@link System#nanoTime()}: starts at 0, moves only with {@link #advance}. */
  public synchronized long nanoTime() {
    return now;
  }

  /** How long the fake time has moved since the start. */
  public Duration elapsed() {
    return Duration.ofNanos(nanoTime());
  }

  /** Runs what is due now, and what that schedules for now, without moving time. */
  public void runDue() {
    advance(Duration.ZERO);
  }

  /**
   * Moves time forward by {@code step}, running each task when its time comes (time stands at the
   * task's instant while it runs); time then stands at the end of the step.
   */
  public void advance(Duration step) {
    if (step.isNegative()) {
      throw new IllegalArgumentException("time does not go back: " + step);
    }
    long end;
    synchronized (this) {
      end = now + step.toNanos();
    }
    while (true) {
      Task<?> next;
      synchronized (this) {
        next = queue.peek();
        if (next == null || next.at - end > 0) {
          now = end;
          return;
        }
        queue.poll();
        now = next.at;
      }
      next.run();
      next.rethrowIfUnobserved();
    }
  }

  /** The tasks waiting for their time (cancelled ones are forgotten). */
  public synchronized int queued() {
    return queue.size();
  }

  @Override
  public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
    return enqueue(new Task<Void>(command, null, delay(delay, unit), 0, false));
  }

  @Override
  public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
    return enqueue(new Task<>(callable, delay(delay, unit), false));
  }

  @Override
  public ScheduledFuture<?> scheduleAtFixedRate(
      Runnable command, long initialDelay, long period, TimeUnit unit) {
    return enqueue(
        new Task<Void>(command, null, delay(initialDelay, unit), positive(period, unit), false));
  }

  @Override
  public ScheduledFuture<?> scheduleWithFixedDelay(
      Runnable command, long initialDelay, long delay, TimeUnit unit) {
    return enqueue(
        new Task<Void>(command, null, delay(initialDelay, unit), -positive(delay, unit), false));
  }

  @Override
  public void execute(Runnable command) {
    enqueue(new Task<Void>(command, null, 0, 0, true));
  }

  @Override
  public synchronized void shutdown() {
    shutdown = true;
  }

  @Override
  public synchronized List<Runnable> shutdownNow() {
    shutdown = true;
    List<Runnable> never = new ArrayList<>(queue);
    queue.clear();
    return never;
  }

  @Override
  public synchronized boolean isShutdown() {
    return shutdown;
  }

  @Override
  public synchronized boolean isTerminated() {
    return shutdown && queue.isEmpty();
  }

  /** Nothing runs by itself here, so there is nothing to wait for. */
  @Override
  public boolean awaitTermination(long timeout, TimeUnit unit) {
    return isTerminated();
  }

  private static long delay(long delay, TimeUnit unit) {
    return Math.max(0, unit.toNanos(delay));
  }

  private static long positive(long period, TimeUnit unit) {
    if (period <= 0) {
      throw new IllegalArgumentException("period must be positive: " + period + " " + unit);
    }
    return unit.toNanos(period);
  }

  private synchronized <V> Task<V> enqueue(Task<V> task) {
    if (shutdown) {
      throw new RejectedExecutionException("the scheduler is shut down");
    }
    task.at = now + task.initialDelay;
    task.order = sequence++;
    queue.add(task);
    return task;
  }

  private synchronized void forget(Task<?> task) {
    queue.remove(task);
  }

  /** One task: one-shot ({@code period} 0), fixed rate (positive) or fixed delay (negative). */
  private final class Task<V> extends FutureTask<V> implements RunnableScheduledFuture<V> {
    private final long initialDelay;
    private final long period;
    private final boolean unobserved;
    private Throwable failure;
    long at;
    long order;

    Task(Runnable command, V result, long initialDelay, long period, boolean unobserved) {
      this(Executors.callable(command, result), initialDelay, period, unobserved);
    }

    Task(Callable<V> callable, long initialDelay, boolean unobserved) {
      this(callable, initialDelay, 0, unobserved);
    }

    private Task(Callable<V> callable, long initialDelay, long period, boolean unobserved) {
      super(callable);
      this.initialDelay = initialDelay;
      this.period = period;
      this.unobserved = unobserved;
    }

    @Override
    public boolean isPeriodic() {
      return period != 0;
    }

    @Override
    public void run() {
      if (!isPeriodic()) {
        super.run();
        return;
      }
      if (runAndReset()) {
        synchronized (ManualScheduler.this) {
          at = period > 0 ? at + period : now - period;
          order = sequence++;
          if (!shutdown) {
            queue.add(this);
          }
        }
      }
    }

    @Override
    protected void setException(Throwable t) {
      failure = t;
      super.setException(t);
    }

    /** A task given to {@link #execute} has no future to look at: its failure goes up. */
    void rethrowIfUnobserved() {
      if (unobserved && failure != null) {
        if (failure instanceof RuntimeException e) {
          throw e;
        }
        if (failure instanceof Error e) {
          throw e;
        }
        throw new IllegalStateException(failure);
      }
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
      boolean cancelled = super.cancel(mayInterruptIfRunning);
      if (cancelled) {
        forget(this);
      }
      return cancelled;
    }

    @Override
    public long getDelay(TimeUnit unit) {
      synchronized (ManualScheduler.this) {
        return unit.convert(at - now, TimeUnit.NANOSECONDS);
      }
    }

    @Override
    public int compareTo(Delayed other) {
      if (other instanceof Task<?> task) {
        int byTime = Long.compare(at, task.at);
        return byTime != 0 ? byTime : Long.compare(order, task.order);
      }
      return Long.compare(getDelay(TimeUnit.NANOSECONDS), other.getDelay(TimeUnit.NANOSECONDS));
    }
  }
}
