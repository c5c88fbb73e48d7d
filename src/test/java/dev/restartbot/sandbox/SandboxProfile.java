package dev.restartbot.sandbox;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.Map;

/**
 * The app as {@code mvn quarkus:dev} runs it (the dev profile: sandbox on, its policy), on a random
 * port. The real Slack and cluster settings point somewhere unreachable, and Socket Mode is asked
 * for: the app starts and works only if the sandbox really replaces all of them.
 */
public class SandboxProfile implements QuarkusTestProfile {

  @Override
  public String getConfigProfile() {
    return "dev";
  }

  @Override
  public Map<String, String> getConfigOverrides() {
    return Map.of(
        "quarkus.http.test-port", "0",
        "slack.api-url", "http://127.0.0.1:9/api/",
        "slack.bot-token", "xoxb-a-real-token-the-sandbox-must-ignore",
        "slack.signing-secret", "a-real-secret-the-sandbox-must-ignore",
        "slack.app-token", "xapp-1-a-real-app-token-the-sandbox-must-ignore",
        "quarkus.kubernetes-client.api-server-url", "https://127.0.0.1:9/",
        "quarkus.kubernetes-client.token", "a-real-cluster-token-the-sandbox-must-ignore",
        "restart.clusters.real.kubeconfig",
            "/nonexistent/a-real-kubeconfig-the-sandbox-must-ignore",
        "restart.default-cluster", "real");
  }
}
