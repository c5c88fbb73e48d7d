package dev.restartbot.slack;

import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The signed requests of the last five minutes, by {@code (timestamp, signature)}: a request whose
 * signature is valid but was already seen is a replay (or a duplicate delivery), and is answered
 * without doing anything again.
 *
 * <p>Memory is bounded by time: an entry is kept only while its timestamp is inside the window of
 * {@link SignatureVerification}; once it is out, the signature check refuses the request anyway, so
 * the entry is dropped. Only verified requests are remembered, so only Slack (or a holder of the
 * signing secret) can add entries, at the rate it sends requests. {@link #MAX_ENTRIES} caps it all
 * the same; at the cap a new request is refused rather than forgotten.
 *
 * <p>Per replica: a replay sent to another replica is not caught here, but the target locks of the
 * cluster store still refuse a second request for a target while the first is pending or running.
 */
@Singleton
class SeenRequests {

  /** Far above what one workspace sends in five minutes. */
  static final int MAX_ENTRIES = 100_000;

  private final Clock clock;

  /** Key → the epoch second after which its signature is stale anyway. */
  private final Map<String, Long> seen = new LinkedHashMap<>();

  private long nextPrune;

  @Inject
  SeenRequests(Clock clock) {
    this.clock = clock;
  }

  /** What became of one verified request. */
  enum Verdict {
    FIRST,
    REPEATED,
    FULL
  }

  /**
   * Remembers a verified request; answers whether it is new. {@code timestamp} is the one the
   * signature check accepted, so it is a number within the window.
   */
  synchronized Verdict remember(String timestamp, String signature) {
    long now = clock.instant().getEpochSecond();
    long sent = Long.parseLong(timestamp);
    prune(now);
    String key = timestamp + ':' + signature;
    if (seen.containsKey(key)) {
      return Verdict.REPEATED;
    }
    if (seen.size() >= MAX_ENTRIES) {
      return Verdict.FULL;
    }
    seen.put(key, sent + SignatureVerification.WINDOW_SECONDS);
    return Verdict.FIRST;
  }

  synchronized int size() {
    return seen.size();
  }

  /** Drops what is out of the window, at most once a second (and whenever the map is full). */
  private void prune(long now) {
    if (now < nextPrune && seen.size() < MAX_ENTRIES) {
      return;
    }
    nextPrune = now + 1;
    for (Iterator<Long> it = seen.values().iterator(); it.hasNext(); ) {
      if (it.next() < now) {
        it.remove();
      }
    }
  }
}
