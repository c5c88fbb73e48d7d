package dev.restartbot.slack;

import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The threads that handle commands and clicks after their ack: user look-ups, the policy, reading
 * the targets, posting the approval message. Their Slack calls retry with backoff and may sleep;
 * here they sleep on threads of their own, never on the pool that serves {@code /slack/events}
 * (Quarkus's worker pool, which the injected {@code ManagedExecutor} shares), so a slow Slack
 * cannot stop the bot from answering.
 *
 * <p>Bounded: {@value #THREADS} threads and {@value #QUEUE} waiting tasks. Past that, work is
 * refused ({@link RejectedExecutionException}) and the caller answers "busy" at once.
 */
@Singleton
public class EdgeWork {

  static final int THREADS = 8;
  static final int QUEUE = 200;

  private final ThreadPoolExecutor pool;

  EdgeWork() {
    AtomicInteger n = new AtomicInteger();
    pool =
        new ThreadPoolExecutor(
            THREADS,
            THREADS,
            60,
            TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(QUEUE),
            r -> {
              Thread t = new Thread(r, "slack-edge-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            },
            new ThreadPoolExecutor.AbortPolicy());
    pool.allowCoreThreadTimeOut(true);
  }

  /**
   * Runs {@code task} on the edge's threads; throws {@link RejectedExecutionException} when full.
   */
  public void run(Runnable task) {
    pool.execute(task);
  }

  /** Like {@link #run}, with the task's answer. */
  public <T> CompletableFuture<T> supply(Supplier<T> task) {
    return CompletableFuture.supplyAsync(task, pool);
  }

  @PreDestroy
  void stop() {
    pool.shutdown();
  }
}
