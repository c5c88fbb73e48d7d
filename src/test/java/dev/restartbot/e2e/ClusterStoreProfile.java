package dev.restartbot.e2e;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.Map;

/** Requests kept in the cluster, as with several replicas. */
public class ClusterStoreProfile implements QuarkusTestProfile {

  static final String NAMESPACE = "restart-bot";

  @Override
  public Map<String, String> getConfigOverrides() {
    return Map.of(
        "restart.store",
        "kubernetes",
        "restart.store-namespace",
        NAMESPACE,
        // Short, so that a test can watch a claim lapse on the sweeper's own clock.
        "restart.lease-duration",
        "2s");
  }
}
