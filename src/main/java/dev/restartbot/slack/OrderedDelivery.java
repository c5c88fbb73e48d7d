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
 * goes on at once. Different keys do not wait for each other. Their retries sleep here, never on
 * the threads that serve {@code /slack/events}.
 *
 * <p>Bounded where people can make work: {@link #offer} (refusals and other ephemeral answers,
 * audit copies of refusals) takes a delivery only while fewer than {@value #MAX_OPTIONAL} are
 * waiting in all, and drops it with a logged error otherwise. {@link #submit} (what a request says
 * in its channel and thread: approval messages, results, summaries) is never dropped; it is bounded
 * by the requests themselves, which the per-user limit and the target locks bound.
 */
@Singleton
public class OrderedDelivery {

  private static final Logger LOG = Logger.getLogger(OrderedDelivery.class);
  private static final int THREADS = 8;
  static final int MAX_OPTIONAL = 1_000;

  private final Executor pool;
  private final Map<String, CompletableFuture<Void>> tails = new ConcurrentHashMap<>();
  private final AtomicInteger optionalWaiting = new AtomicInteger();

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

  /**
   * Runs {@code delivery} after every earlier delivery of {@code key}, unless {@value
   * #MAX_OPTIONAL} optional deliveries are waiting already: then it is dropped, with a logged
   * error. Answers whether it was taken.
   */
  public boolean offer(String key, Runnable delivery) {
    if (optionalWaiting.incrementAndGet() > MAX_OPTIONAL) {
      optionalWaiting.decrementAndGet();
      LOG.errorf("dropped a Slack delivery for %s: %d are waiting already", key, MAX_OPTIONAL);
      return false;
    }
    submit(
        key,
        () -> {
          try {
            delivery.run();
          } finally {
            optionalWaiting.decrementAndGet();
          }
        });
    return true;
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
