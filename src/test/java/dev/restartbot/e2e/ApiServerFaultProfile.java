package dev.restartbot.e2e;

import dev.restartbot.testing.FakeSlackResource;
import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.List;
import java.util.Map;

/**
 * The API server behind a proxy the test can close, with a short request timeout so that a server
 * that stops answering is noticed within a test's patience. The client's own retries stay as in
 * production (three); only their first pause is shortened.
 */
public class ApiServerFaultProfile implements QuarkusTestProfile {

  static final String REQUEST_TIMEOUT = "2s";

  @Override
  public Map<String, String> getConfigOverrides() {
    return Map.of(
        "quarkus.kubernetes-client.request-timeout",
        REQUEST_TIMEOUT,
        "quarkus.kubernetes-client.request-retry-backoff-interval",
        "100ms");
  }

  @Override
  public List<TestResourceEntry> testResources() {
    return List.of(
        new TestResourceEntry(ProxiedApiServerResource.class),
        new TestResourceEntry(FakeSlackResource.class));
  }
}
