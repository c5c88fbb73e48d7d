package dev.restartbot.slack;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.configuration.ConfigurationException;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How often one person may use the bot: a token bucket per Slack user id, in memory, taken before
 * any Slack or Kubernetes API call, so that a scripted loop of commands or clicks from one account
 * cannot keep the bot's threads and Slack's rate limits busy. Refusals are counted in {@code
 * restartbot_slack_throttled_total{kind}}.
 *
 * <p>Per replica; a user whose bucket is full again is forgotten, so memory follows the users of
 * the last few seconds.
 */
@Singleton
public class UserLimits {

  private final Clock clock;
  private final MeterRegistry meters;
  private final int burst;
  private final long everyNanos;
  private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();
  private volatile long nextPrune;

  /** Tokens in nanoseconds of refill: {@code burst × every} when full. */
  private static final class Bucket {
    long tokensNanos;
    long at;

    /** When this user was last told to slow down (nanos since epoch), or 0. */
    long toldAt;

    Bucket(long full, long now) {
      tokensNanos = full;
      at = now;
    }
  }

  @Inject
  UserLimits(SlackSettings settings, Clock clock, MeterRegistry meters) {
    this(settings.userLimit().burst(), settings.userLimit().every(), clock, meters);
  }

  UserLimits(int burst, Duration every, Clock clock, MeterRegistry meters) {
    if (burst < 1 || every.isNegative() || every.isZero()) {
      throw new ConfigurationException(
          ("slack.user-limit.burst (SLACK_USER_LIMIT_BURST) must be 1 or more and"
                  + " slack.user-limit.every (SLACK_USER_LIMIT_EVERY) above 0; they are %d and %s.")
              .formatted(burst, every));
    }
    this.burst = burst;
    this.everyNanos = every.toNanos();
    this.clock = clock;
    this.meters = meters;
  }

  /** The answer for one command or click. */
  public record Verdict(boolean allowed, Duration retryAfter, boolean tell) {}

  /**
   * Takes one token for {@code userId}. A refusal says when the next token comes, and whether to
   * tell the user ({@code tell}: once per wait, so that refusals do not become Slack calls of their
   * own).
   */
  public Verdict take(String userId, String kind) {
    long now = nanos();
    long full = burst * everyNanos;
    prune(now, full);
    Bucket bucket =
        buckets.computeIfAbsent(userId == null ? "" : userId, id -> new Bucket(full, now));
    synchronized (bucket) {
      bucket.tokensNanos = Math.min(full, bucket.tokensNanos + Math.max(0, now - bucket.at));
      bucket.at = now;
      if (bucket.tokensNanos >= everyNanos) {
        bucket.tokensNanos -= everyNanos;
        return new Verdict(true, Duration.ZERO, false);
      }
      long wait = everyNanos - bucket.tokensNanos;
      boolean tell = bucket.toldAt == 0 || now - bucket.toldAt >= everyNanos;
      if (tell) {
        bucket.toldAt = now;
      }
      meters.counter("restartbot.slack.throttled", "kind", kind).increment();
      return new Verdict(false, Duration.ofNanos(wait), tell);
    }
  }

  /** Forgets users whose bucket has filled up again, at most once a second. */
  private void prune(long now, long full) {
    if (now < nextPrune) {
      return;
    }
    nextPrune = now + 1_000_000_000L;
    for (Iterator<Bucket> it = buckets.values().iterator(); it.hasNext(); ) {
      Bucket b = it.next();
      synchronized (b) {
        if (b.tokensNanos + (now - b.at) >= full) {
          it.remove();
        }
      }
    }
  }

  int tracked() {
    return buckets.size();
  }

  private long nanos() {
    var instant = clock.instant();
    return instant.getEpochSecond() * 1_000_000_000L + instant.getNano();
  }

  /** Seconds to wait, rounded up, for the "slow down" answer. */
  static long seconds(Duration wait) {
    return Math.max(1, (wait.toMillis() + 999) / 1000);
  }
}
