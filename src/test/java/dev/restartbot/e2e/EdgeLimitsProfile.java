package dev.restartbot.e2e;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.Map;

/**
 * Limits small enough to reach in a test: a per-user limit of three at once, then one an hour; and
 * a worker pool (the one that serves {@code /slack/events}) of eight threads.
 */
public class EdgeLimitsProfile implements QuarkusTestProfile {

  @Override
  public Map<String, String> getConfigOverrides() {
    return Map.of(
        "slack.user-limit.burst", "3",
        "slack.user-limit.every", "1h",
        "quarkus.thread-pool.max-threads", "8");
  }
}
