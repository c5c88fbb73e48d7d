package dev.restartbot.e2e;

import dev.restartbot.testing.FakeSlackResource;
import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.List;
import java.util.Map;

/**
 * The bot serving two clusters ({@link TwoClustersResource}), staging the default. The test rules
 * admit every cluster, and one more admits {@code staging-only-*} in staging alone. Rollouts are
 * followed, for a few seconds; health is refreshed every second.
 */
public class TwoClustersProfile implements QuarkusTestProfile {

  static final String ROLLOUT_TIMEOUT = "3s";

  @Override
  public Map<String, String> getConfigOverrides() {
    return Map.ofEntries(
        Map.entry("restart.default-cluster", "staging"),
        Map.entry("restart.rules[0].clusters[0]", "*"),
        Map.entry("restart.rules[1].clusters[0]", "*"),
        Map.entry("restart.rules[2].clusters[0]", "*"),
        Map.entry("restart.rules[3].clusters[0]", "staging"),
        Map.entry("restart.rules[3].namespace", "test"),
        Map.entry("restart.rules[3].deployments[0]", "staging-only-*"),
        Map.entry("restart.rules[3].requesters[0]", "U0REQ"),
        Map.entry("restart.rules[3].approvers[0]", "U0LEAD"),
        Map.entry("restart.rules[3].channels[0]", "C0OPS"),
        Map.entry("restart.rollout.wait", "true"),
        Map.entry("restart.rollout.timeout", ROLLOUT_TIMEOUT),
        Map.entry("restart.health-refresh-every", "1s"),
        Map.entry("quarkus.kubernetes-client.request-timeout", "2s"),
        Map.entry("quarkus.kubernetes-client.request-retry-backoff-interval", "100ms"));
  }

  @Override
  public List<TestResourceEntry> testResources() {
    return List.of(
        new TestResourceEntry(TwoClustersResource.class),
        new TestResourceEntry(FakeSlackResource.class));
  }
}
