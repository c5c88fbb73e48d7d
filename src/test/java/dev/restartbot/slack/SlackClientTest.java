package dev.restartbot.slack;

import static com.slack.api.model.block.Blocks.section;
import static com.slack.api.model.block.composition.BlockCompositions.markdownText;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.slack.api.Slack;
import com.slack.api.SlackConfig;
import com.slack.api.methods.SlackApiException;
import com.slack.api.model.block.LayoutBlock;
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
    client = client(config);
  }

  /** A client as the app makes it: {@link SlackClient#methods} and a sleeper that only records. */
  private SlackClient client(SlackConfig config) {
    return new SlackClient(
        SlackClient.methods(Slack.getInstance(config), "xoxb-test"), waits::add, meters);
  }

  @Test
  void answersReadWithTheSharedGsonEqualTheSdksOwn() throws Exception {
    SlackConfig config = new SlackConfig();
    config.setMethodsEndpointUrlPrefix(fake.baseUrl());
    config.setStatsEnabled(false);
    var blocks = List.<LayoutBlock>of(section(s -> s.text(markdownText("*hi*"))));
    var shared = SlackClient.methods(Slack.getInstance(config), "xoxb-test");
    var sdk = Slack.getInstance(config).methods("xoxb-test");

    var ours = shared.chatPostMessage(r -> r.channel("C1").text("hi").blocks(blocks));
    var theirs = sdk.chatPostMessage(r -> r.channel("C1").text("hi").blocks(blocks));

    assertThat(shared).isInstanceOf(SharedGsonMethodsClient.class);
    assertThat(ours.isOk()).isTrue();
    assertThat(ours.getMessage().getBlocks()).isEqualTo(theirs.getMessage().getBlocks());
    assertThat(ours.getMessage().getText()).isEqualTo(theirs.getMessage().getText());
    assertThat(ours.getChannel()).isEqualTo(theirs.getChannel());
    assertThat(ours.getHttpResponseHeaders().keySet())
        .isEqualTo(theirs.getHttpResponseHeaders().keySet());
    // A second answer through the same client reads as well as the first.
    assertThat(shared.chatUpdate(r -> r.channel("C1").ts(ours.getTs()).text("again")).isOk())
        .isTrue();
    fake.failNext("chat.update", 1, 429, "4", null);
    assertThatThrownBy(() -> shared.chatUpdate(r -> r.channel("C1").ts(ours.getTs()).text("x")))
        .isInstanceOfSatisfying(
            SlackApiException.class, e -> assertThat(e.getResponse().code()).isEqualTo(429));
  }

  @Test
  void anUpdateForTheBudgetThrowsTheRetryAfterOfA429InsteadOfSleeping() {
    fake.failNext("chat.update", 1, 429, "7", null);

    assertThatThrownBy(() -> client.updateUnlessRateLimited("C1", "1.1", "text", null))
        .isInstanceOfSatisfying(
            SlackDeliveryException.class,
            e -> assertThat(e.retryAfter()).contains(Duration.ofSeconds(7)));
    assertThat(waits).isEmpty();
    assertThat(fake.count("chat.update")).isEqualTo(1);
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
    fake.failNext("chat.update", 10, 500, null, "{\"ok\":false,\"error\":\"fatal_error\"}");

    assertThatThrownBy(() -> client.update("C1", "1.2", "hello", null))
        .isInstanceOf(SlackDeliveryException.class)
        .hasMessageContaining("HTTP 500");
    assertThat(fake.count("chat.update")).isEqualTo(5);
  }

  @Test
  void aPostWhoseAnswerIsLostIsNotSentAgain() {
    fake.landThenLoseReply("chat.postMessage", 1);

    assertThatThrownBy(() -> client.post("C1", "1.1", "rolled out", null))
        .isInstanceOfSatisfying(
            SlackDeliveryException.class, e -> assertThat(e.deliveryUnknown()).isTrue());
    assertThat(fake.landed("C1")).as("posts that landed").hasSize(1);
    assertThat(fake.count("chat.postMessage")).as("posts sent").isEqualTo(1);
    assertThat(waits).isEmpty();
  }

  @Test
  void aPostThatLandedButGotAServerErrorIsNotSentAgain() {
    fake.landThenFail("chat.postMessage", 1, 502);

    assertThatThrownBy(() -> client.post("C1", null, "approval", null))
        .isInstanceOfSatisfying(
            SlackDeliveryException.class, e -> assertThat(e.deliveryUnknown()).isTrue());
    assertThat(fake.landed("C1")).hasSize(1);
    assertThat(fake.count("chat.postMessage")).isEqualTo(1);
  }

  @Test
  void aPostAnsweredServiceUnavailableWasNotTakenAndIsRetried() {
    fake.failNext("chat.postMessage", 2, 503, null, null);

    String ts = client.post("C1", null, "approval", null);

    assertThat(ts).isNotBlank();
    assertThat(fake.landed("C1")).hasSize(1);
    assertThat(fake.count("chat.postMessage")).isEqualTo(3);
  }

  @Test
  void theHttpClientNeverResendsARequestByItself() {
    SlackConfig config = new SlackConfig();
    config.setStatsEnabled(false);

    assertThat(SlackClient.http(config).retryOnConnectionFailure()).isFalse();
  }

  @Test
  void anEphemeralWhoseAnswerIsLostIsNotSentAgain() {
    fake.landThenLoseReply("chat.postEphemeral", 1);

    assertThatThrownBy(() -> client.ephemeral("C1", "U1", "refused"))
        .isInstanceOfSatisfying(
            SlackDeliveryException.class, e -> assertThat(e.deliveryUnknown()).isTrue());
    assertThat(fake.count("chat.postEphemeral")).isEqualTo(1);
  }

  @Test
  void anUpdateWhoseAnswerIsLostIsSentAgainSinceItLandsTheSame() {
    fake.landThenLoseReply("chat.update", 1);

    client.update("C1", "1.2", "rolled out", null);

    assertThat(fake.count("chat.update")).isEqualTo(2);
    assertThat(waits).hasSize(1);
  }

  @Test
  void aPostRefusedBeforeItReachedSlackIsRetried() {
    SlackConfig nowhere = new SlackConfig();
    // Nothing listens on the discard port: every attempt is refused at connect.
    nowhere.setMethodsEndpointUrlPrefix("http://127.0.0.1:9/api/");
    nowhere.setStatsEnabled(false);

    assertThatThrownBy(() -> client(nowhere).post("C1", null, "hello", null))
        .isInstanceOfSatisfying(
            SlackDeliveryException.class,
            e -> {
              assertThat(e.deliveryUnknown()).isFalse();
              assertThat(e.error()).contains("ConnectException", "after 5 attempts");
            });
    assertThat(waits).hasSize(4);
  }

  @Test
  void onlyAFailureToConnectProvesThatNothingWasSent() {
    assertThat(SlackClient.mayHaveBeenSent(new java.net.ConnectException("refused"))).isFalse();
    assertThat(SlackClient.mayHaveBeenSent(new java.net.UnknownHostException("slack.com")))
        .isFalse();
    assertThat(
            SlackClient.mayHaveBeenSent(new java.net.SocketTimeoutException("connect timed out")))
        .isFalse();
    assertThat(SlackClient.mayHaveBeenSent(new java.net.SocketTimeoutException("timeout")))
        .isTrue();
    assertThat(SlackClient.mayHaveBeenSent(new java.io.IOException("unexpected end of stream")))
        .isTrue();
    assertThat(SlackClient.mayHaveBeenSent(new java.net.SocketException("Connection reset")))
        .isTrue();
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
