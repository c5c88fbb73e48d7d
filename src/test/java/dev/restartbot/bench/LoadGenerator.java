package dev.restartbot.bench;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongFunction;
import java.util.function.Predicate;

/**
 * A closed loop: {@code connections} threads, each with its own keep-alive connection (one HTTP
 * client per thread), send the next request as soon as the previous answer is in, for a fixed time.
 */
final class LoadGenerator {

  /** What one run did: the latency of every answer, how many were wrong, and for how long. */
  record Result(int connections, Latencies latencies, long errors, Duration took) {

    double throughput() {
      return latencies.count() / (took.toNanos() / 1e9);
    }
  }

  private final LongFunction<HttpRequest> requests;
  private final Predicate<HttpResponse<String>> isRight;

  /**
   * @param requests the n-th request (numbered across all threads, so each may differ)
   * @param isRight whether an answer is the one expected; others count as errors
   */
  LoadGenerator(LongFunction<HttpRequest> requests, Predicate<HttpResponse<String>> isRight) {
    this.requests = requests;
    this.isRight = isRight;
  }

  /** Runs {@code connections} loops for {@code duration}. */
  Result run(int connections, Duration duration) {
    return run(connections, duration, Long.MAX_VALUE);
  }

  /** Sends exactly {@code count} requests over {@code connections} loops (warm-up, footprint). */
  Result runCount(int connections, long count) {
    return run(connections, Duration.ofHours(1), count);
  }

  private Result run(int connections, Duration limit, long count) {
    AtomicLong sequence = new AtomicLong();
    AtomicLong errors = new AtomicLong();
    List<Loop> loops = new ArrayList<>();
    long start = System.nanoTime();
    for (int i = 0; i < connections; i++) {
      Loop loop = new Loop(start + limit.toNanos(), sequence, errors, count);
      loops.add(loop);
      loop.thread.start();
    }
    for (Loop loop : loops) {
      try {
        loop.thread.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted", e);
      }
    }
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    long[] all = loops.stream().flatMapToLong(l -> Arrays.stream(l.samples())).toArray();
    return new Result(connections, Latencies.of(all), errors.get(), took);
  }

  /** One connection's loop. */
  private final class Loop {
    private final HttpClient http =
        HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final Thread thread;
    private long[] samples = new long[4096];
    private int size;

    Loop(long endNanos, AtomicLong sequence, AtomicLong errors, long count) {
      thread =
          new Thread(
              () -> {
                while (System.nanoTime() < endNanos) {
                  long n = sequence.getAndIncrement();
                  if (n >= count) {
                    return;
                  }
                  HttpRequest request = requests.apply(n);
                  long sent = System.nanoTime();
                  boolean right;
                  try {
                    right = isRight.test(http.send(request, HttpResponse.BodyHandlers.ofString()));
                  } catch (IOException e) {
                    right = false;
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                  }
                  add(System.nanoTime() - sent);
                  if (!right) {
                    errors.incrementAndGet();
                  }
                }
              },
              "load");
      thread.setDaemon(true);
    }

    private void add(long nanos) {
      if (size == samples.length) {
        samples = Arrays.copyOf(samples, size * 2);
      }
      samples[size++] = nanos;
    }

    long[] samples() {
      return Arrays.copyOf(samples, size);
    }
  }
}
