package dev.restartbot.slack;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Values kept for a while, each loaded by one call at a time: callers that ask for a key while its
 * load runs wait for that load instead of starting their own. A failed load is not kept; its
 * waiters get its exception, and the next caller tries again.
 *
 * <p>Age is measured on a monotonic ticker (nanoseconds) from the start of the load, so a value is
 * never older than the ttl by the time it is used, whatever the wall clock does.
 */
final class SingleFlightCache<K, V> {

  private record Entry<V>(CompletableFuture<V> value, long loadedAt) {}

  private final long ttlNanos;
  private final LongSupplier ticker;
  private final ConcurrentMap<K, Entry<V>> entries = new ConcurrentHashMap<>();

  SingleFlightCache(Duration ttl, LongSupplier ticker) {
    this.ttlNanos = ttl.toNanos();
    this.ticker = ticker;
  }

  /** The kept value of {@code key}, or the one a running load brings, or a new load's. */
  V get(K key, Supplier<V> load) {
    long now = ticker.getAsLong();
    Entry<V> mine = new Entry<>(new CompletableFuture<>(), now);
    Entry<V> current =
        entries.compute(key, (k, old) -> old != null && usable(old, now) ? old : mine);
    if (current == mine) {
      try {
        mine.value().complete(load.get());
      } catch (RuntimeException | Error e) {
        entries.remove(key, mine);
        mine.value().completeExceptionally(e);
        throw e;
      }
    }
    return join(current.value());
  }

  /** Keeps {@code value}, just read, for {@code key}, and answers it. */
  V refresh(K key, V value) {
    entries.put(key, new Entry<>(CompletableFuture.completedFuture(value), ticker.getAsLong()));
    return value;
  }

  /**
   * Drops what is kept for {@code key}: the next caller loads it again. A load running now still
   * answers its own waiters, but what it brings is not kept.
   */
  void forget(K key) {
    entries.remove(key);
  }

  /** A load still running is shared; a finished one only while younger than the ttl. */
  private boolean usable(Entry<V> entry, long now) {
    return !entry.value().isDone() || now - entry.loadedAt() < ttlNanos;
  }

  private static <V> V join(CompletableFuture<V> value) {
    try {
      return value.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException cause) {
        throw cause;
      }
      if (e.getCause() instanceof Error cause) {
        throw cause;
      }
      throw e;
    }
  }
}
