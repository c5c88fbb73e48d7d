package dev.restartbot.slack;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.restartbot.testing.TestConfig;
import io.quarkus.runtime.configuration.ConfigurationException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SlackAppTest {

  private static SlackSettings settings(String token, String secret) {
    return settings(token, secret, "2s");
  }

  private static SlackSettings settings(String token, String secret, String ackBudget) {
    Map<String, String> properties = new HashMap<>();
    if (token != null) {
      properties.put("slack.bot-token", token);
    }
    if (secret != null) {
      properties.put("slack.signing-secret", secret);
    }
    properties.put("slack.api-url", "http://127.0.0.1:9/api/");
    properties.put("slack.ack-budget", ackBudget);
    return TestConfig.mapping(SlackSettings.class, properties);
  }

  @Test
  void missingBotTokenStopsTheAppNamingTheVariable() {
    SlackApp producer = new SlackApp();
    SlackSettings settings = settings(null, "secret");

    assertThatThrownBy(() -> producer.app(producer.slack(settings), settings, null, null, null))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("SLACK_BOT_TOKEN is not set");
  }

  @Test
  void missingSigningSecretStopsTheAppNamingTheVariable() {
    SlackApp producer = new SlackApp();
    SlackSettings settings = settings("xoxb-1", "  ");

    assertThatThrownBy(() -> producer.app(producer.slack(settings), settings, null, null, null))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("SLACK_SIGNING_SECRET is not set");
  }

  @Test
  void anAckBudgetOfThreeSecondsOrMoreStopsTheAppNamingTheSetting() {
    SlackApp producer = new SlackApp();
    for (String budget : new String[] {"3s", "5s", "0s"}) {
      SlackSettings settings = settings("xoxb-1", "secret", budget);

      assertThatThrownBy(() -> producer.app(producer.slack(settings), settings, null, null, null))
          .as(budget)
          .isInstanceOf(ConfigurationException.class)
          .hasMessageContaining("slack.ack-budget (SLACK_ACK_BUDGET)")
          .hasMessageContaining("below 3s");
    }
  }

  @Test
  void anAckBudgetUnderThreeSecondsIsAccepted() {
    SlackApp.checkAckBudget(Duration.ofMillis(2999));
    SlackApp.checkAckBudget(Duration.ofSeconds(2));
  }
}
