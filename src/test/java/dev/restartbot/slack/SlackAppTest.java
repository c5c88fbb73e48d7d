package dev.restartbot.slack;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quarkus.runtime.configuration.ConfigurationException;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SlackAppTest {

  private static SlackSettings settings(String token, String secret) {
    return new SlackSettings() {
      public Optional<String> botToken() {
        return Optional.ofNullable(token);
      }

      public Optional<String> signingSecret() {
        return Optional.ofNullable(secret);
      }

      public Optional<String> appToken() {
        return Optional.empty();
      }

      public String apiUrl() {
        return "http://127.0.0.1:9/api/";
      }

      public Duration directoryTtl() {
        return Duration.ofMinutes(5);
      }

      public int progressUpdatesPerMinute() {
        return 50;
      }

      public Duration progressInterval() {
        return Duration.ofSeconds(1);
      }

      public Duration ackBudget() {
        return Duration.ofSeconds(2);
      }
    };
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
}
