package dev.restartbot.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/**
 * Points the app under {@code @QuarkusTest} at {@link FakeSlackApi} with a test token and secret.
 */
public class FakeSlackResource implements QuarkusTestResourceLifecycleManager {

  public static final String BOT_TOKEN = "xoxb-test-token";

  @Override
  public Map<String, String> start() {
    FakeSlackApi fake = FakeSlackApi.get();
    return Map.of(
        "slack.api-url",
        fake.baseUrl(),
        "slack.bot-token",
        BOT_TOKEN,
        "slack.signing-secret",
        SlackRequests.SIGNING_SECRET);
  }

  @Override
  public void stop() {
    // The fake is a JVM-wide singleton: other test classes (and a cached Quarkus app) still use it.
  }
}
