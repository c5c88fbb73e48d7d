package dev.restartbot.slack;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.Mockito.mock;

import dev.restartbot.testing.TestConfig;
import io.quarkus.runtime.configuration.ConfigurationException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SlackAppTest {

  /** Shaped as Slack issues signing secrets: 32 lower-case hex characters. */
  private static final String SECRET = "0cc175b9c0f1b6a831c399e269772661";

  private static SlackSettings settings(String token, String secret) {
    return settings(token, secret, "2s");
  }

  private static SlackSettings settings(String token, String secret, String ackBudget) {
    return settings(token, secret, ackBudget, null);
  }

  private static SlackSettings settings(
      String token, String secret, String ackBudget, String appToken) {
    Map<String, String> properties = new HashMap<>();
    if (appToken != null) {
      properties.put("slack.app-token", appToken);
    }
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
    SlackSettings settings = settings(null, SECRET);

    assertThatThrownBy(
            () ->
                producer.app(
                    producer.slack(settings), settings, null, null, null, null, null, null))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("SLACK_BOT_TOKEN is not set");
  }

  @Test
  void missingSigningSecretStopsTheAppNamingTheVariable() {
    SlackApp producer = new SlackApp();
    SlackSettings settings = settings("xoxb-1", "  ");

    assertThatThrownBy(
            () ->
                producer.app(
                    producer.slack(settings), settings, null, null, null, null, null, null))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("SLACK_SIGNING_SECRET is not set");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "REPLACE-ME",
        "your-signing-secret",
        "changeme",
        "0CC175B9C0F1B6A831C399E269772661",
        "0cc175b9c0f1b6a831c399e26977266",
        "0cc175b9c0f1b6a831c399e2697726611",
        "0cc175b9c0f1b6a831c399e26977266g"
      })
  void aPlaceholderSigningSecretStopsTheAppNamingTheSettingButNotTheValue(String placeholder) {
    SlackApp producer = new SlackApp();
    SlackSettings settings = settings("xoxb-1", placeholder);

    assertThatThrownBy(
            () ->
                producer.app(
                    producer.slack(settings), settings, null, null, null, null, null, null))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("slack.signing-secret (SLACK_SIGNING_SECRET)")
        .hasMessageContaining("32 lower-case hex characters")
        .hasMessageNotContaining(placeholder);
  }

  @Test
  void aSigningSecretAsSlackIssuesItIsAccepted() {
    SlackApp.checkSigningSecret(SECRET);
    SlackApp.checkSigningSecret(" " + SECRET + "\n");
  }

  @Test
  void overSocketModeTheSigningSecretIsOptionalAndNotChecked() {
    SlackApp producer = new SlackApp();
    for (String secret : new String[] {null, "REPLACE-ME"}) {
      SlackSettings settings = settings("xoxb-1", secret, "2s", "xapp-1-test");

      assertThatCode(
              () ->
                  producer.app(
                      producer.slack(settings),
                      settings,
                      new SignatureVerification("", java.time.Clock.systemUTC()),
                      mock(RestartCommand.class),
                      mock(ApprovalActions.class),
                      mock(RestartModal.class),
                      mock(HomeTab.class),
                      mock(SlackDirectory.class)))
          .as(String.valueOf(secret))
          .doesNotThrowAnyException();
    }
  }

  @Test
  void anAckBudgetOfThreeSecondsOrMoreStopsTheAppNamingTheSetting() {
    SlackApp producer = new SlackApp();
    for (String budget : new String[] {"3s", "5s", "0s"}) {
      SlackSettings settings = settings("xoxb-1", SECRET, budget);

      assertThatThrownBy(
              () ->
                  producer.app(
                      producer.slack(settings), settings, null, null, null, null, null, null))
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
