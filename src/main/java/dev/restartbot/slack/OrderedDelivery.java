package dev.restartbot.slack;

import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;

/**
 * Slack deliveries on threads of their own, in order per key (a request, the audit channel): what
 * is said about one request arrives in the order it happened, while the code that made it happen
 * goes on at once. Different keys do not wait for each other.
 */
@Singleton
public class OrderedDelivery {

  private static final Logger LOG = Logger.getLogger(OrderedDelivery.class);
  private static final int THREADS = 8;

  private final Executor pool;
  private final Map<String, CompletableFuture<Void>> tails = new ConcurrentHashMap<>();

  OrderedDelivery() {
    this(
        Executors.newFixedThreadPool(
            THREADS,
            new java.util.concurrent.ThreadFactory() {
              private final AtomicInteger n = new AtomicInteger();

              @Override
              public Thread newThread(Runnable r) {
                Thread t = new Thread(r, "slack-delivery-" + n.incrementAndGet());
                t.setDaemon(true);
                return t;
              }
            }));
  }

  /** With {@code Runnable::run}, deliveries happen on the caller's thread (tests). */
  OrderedDelivery(Executor pool) {
    this.pool = pool;
  }

  /** Runs {@code delivery} after every earlier delivery of {@code key}; failures are logged. */
  public void submit(String key, Runnable delivery) {
    CompletableFuture<Void> tail =
        tails.compute(
            key,
            (k, previous) ->
                (previous == null ? CompletableFuture.<Void>completedFuture(null) : previous)
                    .thenRunAsync(() -> safely(key, delivery), pool));
    tail.whenComplete((ok, e) -> tails.remove(key, tail));
  }

  private static void safely(String key, Runnable delivery) {
    try {
      delivery.run();
    } catch (RuntimeException e) {
      LOG.warnf(e, "a Slack delivery for %s failed", key);
    }
  }

  /**
   * Waits until everything queued so far is delivered, or {@code timeout} passes; answers whether
   * it all was.
   */
  public boolean awaitIdle(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      CompletableFuture<?>[] pending =
          tails.values().stream().filter(f -> !f.isDone()).toArray(CompletableFuture[]::new);
      if (pending.length == 0) {
        return true;
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      try {
        CompletableFuture.allOf(pending).get(left, TimeUnit.NANOSECONDS);
      } catch (TimeoutException e) {
        return false;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      } catch (ExecutionException e) {
        // Deliveries log their own failures; look again at what is still pending.
      }
    }
  }

  /** Delivers what is queued before the app stops, within a few seconds. */
  @PreDestroy
  void drain() {
    awaitIdle(Duration.ofSeconds(5));
    if (pool instanceof ExecutorService service) {
      service.shutdown();
    }
  }
}
