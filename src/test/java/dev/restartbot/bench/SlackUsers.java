package dev.restartbot.bench;

import dev.restartbot.testing.FakeSlackApi;
import dev.restartbot.testing.SlackRequests;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What Slack sends the app on behalf of people: signed slash commands and button clicks, as HTTP
 * requests to {@code /slack/events}. The requester and the approver are admitted by the benchmark
 * policy ({@link Benchmark#policy}).
 */
final class SlackUsers {

  static final String CHANNEL = "C0BENCH";
  static final String REQUESTER = "U0BENCHREQ";
  static final String APPROVER = "U0BENCHLEAD";
  static final Duration WAIT = Duration.ofSeconds(30);
  static final Duration READING_TIME = Duration.ofMillis(100);

  private static final String DEFERRED = "Checking your request";
  private static final Pattern REQUEST_ID = Pattern.compile("Request `([a-z0-9]+)`");

  private final String eventsUrl;
  private final FakeSlackApi slack;
  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  SlackUsers(String appBaseUrl, FakeSlackApi slack) {
    this.eventsUrl = appBaseUrl + SlackRequests.EVENTS_PATH;
    this.slack = slack;
  }

  /** A signed {@code /restart text} from {@code user}, ready to send. */
  HttpRequest command(String user, String text) {
    return signed(
        SlackRequests.slashCommandBody(user, CHANNEL, text, slack.responseUrl("command")));
  }

  /** A signed click on Approve of {@code requestId}'s message {@code messageTs}. */
  HttpRequest approve(String requestId, String messageTs) {
    return signed(
        SlackRequests.blockActionBody(
            APPROVER,
            CHANNEL,
            messageTs,
            "restart_approve",
            requestId,
            slack.responseUrl("click")));
  }

  /** Sends {@code request} and answers the ack's body; anything but 200 is an error here. */
  String send(HttpRequest request) {
    try {
      HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        throw new IllegalStateException(
            "the app answered " + response.statusCode() + ": " + response.body());
      }
      return response.body();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /** A request submitted and its approval message posted: what a click needs. */
  record Posted(String requestId, String messageTs, Instant postedAt) {}

  /**
   * Types {@code /restart text} and waits until the approval message is in the channel and a person
   * could have read it ({@link #READING_TIME}; a click sent within microseconds of the post would
   * race the bot's own bookkeeping of the message, which no person can do).
   */
  Posted submit(String text) {
    Instant sent = Instant.now();
    String ack = send(command(REQUESTER, text));
    if (ack.contains(DEFERRED)) {
      // Past the ack budget (a cold app checking many targets): the answer follows at the
      // command's response_url.
      ack =
          slack
              .awaitCall(
                  "response_url",
                  c -> !c.at().isBefore(sent) && c.rawBody().contains("Request"),
                  WAIT)
              .rawBody();
    }
    Matcher id = REQUEST_ID.matcher(ack);
    if (!id.find() || !ack.contains("submitted")) {
      throw new IllegalStateException("/restart " + text + " was not submitted: " + ack);
    }
    String requestId = id.group(1);
    FakeSlackApi.Call message =
        slack.awaitCall(
            "chat.postMessage",
            c ->
                CHANNEL.equals(c.params().get("channel"))
                    && c.params().get("thread_ts") == null
                    && c.rawBody().contains(requestId),
            WAIT);
    Duration sincePost = Duration.between(message.at(), Instant.now());
    if (sincePost.compareTo(READING_TIME) < 0) {
      try {
        Thread.sleep(READING_TIME.minus(sincePost).toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted", e);
      }
    }
    return new Posted(requestId, slack.tsOf(message), message.at());
  }

  /** The first reply in the thread of {@code threadTs} whose text contains {@code words}. */
  FakeSlackApi.Call awaitReply(String threadTs, String words) {
    return awaitReply(threadTs, words, 0);
  }

  /**
   * The same, among the calls recorded from the {@link FakeSlackApi#recorded() mark} {@code from}.
   */
  FakeSlackApi.Call awaitReply(String threadTs, String words, int from) {
    return slack.awaitCall(
        "chat.postMessage",
        c -> threadTs.equals(c.params().get("thread_ts")) && text(c).contains(words),
        WAIT,
        from);
  }

  /** The first {@code chat.update} of message {@code ts} whose text contains {@code words}. */
  FakeSlackApi.Call awaitUpdate(String ts, String words) {
    return slack.awaitCall(
        "chat.update", c -> ts.equals(c.params().get("ts")) && text(c).contains(words), WAIT);
  }

  static String text(FakeSlackApi.Call call) {
    String text = call.params().get("text");
    return text == null ? "" : text;
  }

  private HttpRequest signed(String body) {
    long now = Instant.now().getEpochSecond();
    return HttpRequest.newBuilder(URI.create(eventsUrl))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header("X-Slack-Request-Timestamp", Long.toString(now))
        .header("X-Slack-Signature", SlackRequests.sign(SlackRequests.SIGNING_SECRET, now, body))
        .timeout(Duration.ofSeconds(30))
        .POST(HttpRequest.BodyPublishers.ofString(body))
        .build();
  }
}
