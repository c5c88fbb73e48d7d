package dev.restartbot.slack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.slack.api.Slack;
import com.slack.api.SlackConfig;
import dev.restartbot.testing.FakeSlackApi;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The retrying client against the fake Slack Web API, over real HTTP with the real SDK. */
class SlackClientTest {

  private final FakeSlackApi fake = FakeSlackApi.get();
  private final List<Duration> waits = new CopyOnWriteArrayList<>();
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private SlackClient client;

  @BeforeEach
  void setUp() {
    fake.reset();
    SlackConfig config = new SlackConfig();
    config.setMethodsEndpointUrlPrefix(fake.baseUrl());
    config.setStatsEnabled(false);
    client = new SlackClient(Slack.getInstance(config).methods("xoxb-test"), waits::add, meters);
  }

  @Test
  void rateLimitedCallWaitsAsLongAsRetryAfterSaysThenSucceeds() {
    fake.failNext("chat.postMessage", 2, 429, "3", null);

    String ts = client.post("C1", null, "hello", null);

    assertThat(ts).isNotBlank();
    assertThat(waits).containsExactly(Duration.ofSeconds(3), Duration.ofSeconds(3));
    assertThat(fake.count("chat.postMessage")).isEqualTo(3);
    assertThat(
            meters
                .counter(
                    "restartbot.slack.api.errors",
                    "method",
                    "chat.postMessage",
                    "error",
                    "HTTP 429")
                .count())
        .isEqualTo(2.0);
  }

  @Test
  void serverErrorsAreRetriedWithGrowingBackoff() {
    fake.failNext("chat.update", 2, 503, null, "{\"ok\":false,\"error\":\"fatal_error\"}");

    client.update("C1", "1.2", "text", null);

    assertThat(waits).hasSize(2);
    assertThat(waits.get(1)).isGreaterThan(waits.get(0));
  }

  @Test
  void givesUpAfterFiveAttemptsWithSlacksError() {
    fake.failNext("chat.postMessage", 10, 500, null, "{\"ok\":false,\"error\":\"fatal_error\"}");

    assertThatThrownBy(() -> client.post("C1", null, "hello", null))
        .isInstanceOf(SlackDeliveryException.class)
        .hasMessageContaining("HTTP 500");
    assertThat(fake.count("chat.postMessage")).isEqualTo(5);
  }

  @Test
  void slackErrorsThatRetryingCannotFixAreNotRetried() {
    fake.failWithError("chat.postMessage", "C9", "not_in_channel");

    assertThatThrownBy(() -> client.post("C9", null, "hello", null))
        .isInstanceOfSatisfying(
            SlackDeliveryException.class, e -> assertThat(e.notInChannel()).isTrue());
    assertThat(fake.count("chat.postMessage")).isEqualTo(1);
    assertThat(waits).isEmpty();
  }

  @Test
  void retryAfterIsCappedAndFallsBackWhenUnreadable() {
    assertThat(SlackClient.retryAfter("3600", Duration.ofMillis(200)))
        .isEqualTo(Duration.ofSeconds(30));
    assertThat(SlackClient.retryAfter("soon", Duration.ofMillis(200)))
        .isEqualTo(Duration.ofMillis(200));
    assertThat(SlackClient.retryAfter(null, Duration.ofMillis(200)))
        .isEqualTo(Duration.ofMillis(200));
  }
}
