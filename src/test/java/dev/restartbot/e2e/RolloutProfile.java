package dev.restartbot.e2e;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.Map;

/** The app as deployed: every rollout followed to its end, with short limits for tests. */
public class RolloutProfile implements QuarkusTestProfile {

  @Override
  public Map<String, String> getConfigOverrides() {
    return Map.of(
        "restart.rollout.wait", "true",
        "restart.rollout.timeout", "30s",
        "slack.progress-interval", "300ms");
  }
}
