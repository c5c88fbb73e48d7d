package dev.restartbot.restart;

import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Who runs a request. The replica that runs a request holds a claim on it from before the request
 * is RUNNING until it ends, and keeps renewing it. Every other replica judges the claim on its own
 * clock: a claim nobody renewed for its whole duration has lapsed (its runner died), a claim handed
 * back (a runner shutting down) may be taken to resume the run, and anything else is left alone.
 */
public interface RunOwnership {

  /** What this replica sees of the claim on a request's run. */
  enum Holding {
    /** Held, or not watched long enough to tell: leave the request alone for now. */
    LIVE,
    /** Handed back by a runner that stopped between targets: another may resume the run. */
    RELEASED,
    /** Not renewed (or absent) for a whole claim duration, as this replica's clock measures it. */
    LAPSED
  }

  /**
   * Claims the run of {@code requestId} for this replica, before it moves to RUNNING; empty when
   * another replica holds it (or this one already does).
   */
  Optional<Claim> claim(String requestId);

  /** What this replica sees of the claim on {@code requestId}, judged on its own clock. */
  Holding observe(String requestId);

  /** Whether another replica can resume a run this one hands back (false with one replica). */
  boolean canHandBack();

  /**
   * Deletes claims left behind by runners that died, for requests not in {@code active}; answers
   * how many. Called by the sweep.
   */
  int removeLeftovers(Set<String> active);

  /** A held claim. */
  interface Claim extends AutoCloseable {

    /**
     * Whether this replica still holds the claim: false once it lost it, or could not renew it for
     * half its duration. A runner that no longer holds its claim starts no further target.
     */
    boolean held();

    /** Stops renewing and leaves the claim for another replica to take and resume the run. */
    void handBack();

    /** Stops renewing and removes the claim: the run is over. */
    @Override
    void close();
  }

  /** One replica with requests in memory: claims live in this process. */
  static RunOwnership local(Duration duration, LongSupplier nanoTime) {
    return new Local(duration, nanoTime);
  }

  /** Claims in memory, for one replica. */
  final class Local implements RunOwnership {
    private final Set<String> claimed = ConcurrentHashMap.newKeySet();
    private final Sightings unclaimed;
    private final Duration duration;

    Local(Duration duration, LongSupplier nanoTime) {
      this.duration = duration;
      this.unclaimed = new Sightings(nanoTime);
    }

    @Override
    public Optional<Claim> claim(String requestId) {
      if (!claimed.add(requestId)) {
        return Optional.empty();
      }
      unclaimed.forget(requestId);
      return Optional.of(
          new Claim() {
            @Override
            public boolean held() {
              return claimed.contains(requestId);
            }

            @Override
            public void handBack() {
              claimed.remove(requestId);
            }

            @Override
            public void close() {
              claimed.remove(requestId);
            }
          });
    }

    @Override
    public Holding observe(String requestId) {
      if (claimed.contains(requestId)) {
        unclaimed.forget(requestId);
        return Holding.LIVE;
      }
      return unclaimed.unchangedFor(requestId, "", duration) ? Holding.LAPSED : Holding.LIVE;
    }

    @Override
    public boolean canHandBack() {
      return false;
    }

    @Override
    public int removeLeftovers(Set<String> active) {
      unclaimed.retainOnly(active);
      return 0;
    }
  }
}
