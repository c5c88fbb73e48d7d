package dev.restartbot.bench;

import java.time.Duration;
import java.util.Arrays;
import java.util.Collection;

/** A set of measured durations and the figures the report shows of them. */
record Latencies(long[] sortedNanos) {

  static Latencies of(long[] nanos) {
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    return new Latencies(sorted);
  }

  static Latencies of(Collection<Duration> durations) {
    return of(durations.stream().mapToLong(Duration::toNanos).toArray());
  }

  int count() {
    return sortedNanos.length;
  }

  /** The nearest-rank percentile, in milliseconds. */
  double percentileMillis(double percent) {
    if (sortedNanos.length == 0) {
      return Double.NaN;
    }
    int rank = (int) Math.ceil(percent / 100.0 * sortedNanos.length);
    return sortedNanos[Math.max(0, Math.min(sortedNanos.length - 1, rank - 1))] / 1e6;
  }

  double medianMillis() {
    return percentileMillis(50);
  }

  double maxMillis() {
    return sortedNanos.length == 0 ? Double.NaN : sortedNanos[sortedNanos.length - 1] / 1e6;
  }
}
