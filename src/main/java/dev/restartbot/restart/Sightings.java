package dev.restartbot.restart;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * How long this replica has seen something stay the same, on its own monotonic clock. This is how
 * client-go's leader election judges a lease: by how long the observed record has not changed,
 * never by comparing another pod's wall clock with ours.
 */
final class Sightings {

  private record Sighting(String value, long firstSeen) {}

  private final Map<String, Sighting> seen = new ConcurrentHashMap<>();
  private final LongSupplier nanoTime;

  Sightings(LongSupplier nanoTime) {
    this.nanoTime = nanoTime;
  }

  /**
   * Records that {@code key} shows {@code value} now; answers whether it has shown that same value
   * for at least {@code period}. A first sighting, or a changed value, starts the count again.
   */
  boolean unchangedFor(String key, String value, Duration period) {
    long now = nanoTime.getAsLong();
    Sighting sighting =
        seen.compute(
            key,
            (k, old) ->
                old != null && Objects.equals(old.value(), value) ? old : new Sighting(value, now));
    return now - sighting.firstSeen() >= period.toNanos();
  }

  void forget(String key) {
    seen.remove(key);
  }

  /** Forgets every key not in {@code keep}: what is no longer observed needs no memory. */
  void retainOnly(java.util.Set<String> keep) {
    seen.keySet().retainAll(keep);
  }
}
