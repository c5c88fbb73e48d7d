package dev.restartbot.slack;

import com.slack.api.Slack;
import com.slack.api.methods.MethodsClient;
import com.slack.api.methods.SlackApiException;
import com.slack.api.methods.SlackApiTextResponse;
import com.slack.api.model.block.LayoutBlock;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * The Web API calls the bot makes, each retried with backoff on 429 (honouring Retry-After), 5xx
 * and I/O errors, so that a brief Slack hiccup does not lose a result.
 */
@Singleton
public class SlackClient {

  /** One Web API call; the checked exceptions are the SDK's. */
  @FunctionalInterface
  interface Call<T extends SlackApiTextResponse> {
    T run(MethodsClient methods) throws IOException, SlackApiException;
  }

  private static final Logger LOG = Logger.getLogger(SlackClient.class);
  private static final int ATTEMPTS = 5;
  private static final Duration FIRST_BACKOFF = Duration.ofMillis(200);
  private static final Duration MAX_WAIT = Duration.ofSeconds(30);

  private final MethodsClient methods;
  private final Sleeper sleeper;
  private final MeterRegistry meters;

  /** Waits between attempts; tests make it instant. */
  interface Sleeper {
    void sleep(Duration duration) throws InterruptedException;
  }

  @Inject
  SlackClient(Slack slack, SlackSettings settings, MeterRegistry meters) {
    this(slack.methods(settings.botToken().orElse("")), d -> Thread.sleep(d.toMillis()), meters);
  }

  SlackClient(MethodsClient methods, Sleeper sleeper, MeterRegistry meters) {
    this.methods = methods;
    this.sleeper = sleeper;
    this.meters = meters;
  }

  /** Posts a message (a thread reply when {@code threadTs} is set); answers its ts. */
  public String post(String channel, String threadTs, String text, List<LayoutBlock> blocks) {
    return call(
            "chat.postMessage",
            m ->
                m.chatPostMessage(
                    r -> r.channel(channel).threadTs(threadTs).text(text).blocks(blocks)))
        .getTs();
  }

  public void update(String channel, String ts, String text, List<LayoutBlock> blocks) {
    call(
        "chat.update", m -> m.chatUpdate(r -> r.channel(channel).ts(ts).text(text).blocks(blocks)));
  }

  public void ephemeral(String channel, String user, String text) {
    call(
        "chat.postEphemeral",
        m -> m.chatPostEphemeral(r -> r.channel(channel).user(user).text(text)));
  }

  <T extends SlackApiTextResponse> T call(String method, Call<T> call) {
    Duration backoff = FIRST_BACKOFF;
    for (int attempt = 1; ; attempt++) {
      Duration wait;
      String error;
      Throwable cause = null;
      try {
        T response = call.run(methods);
        if (response.isOk()) {
          return response;
        }
        error = response.getError();
        if (!"ratelimited".equals(error)) {
          countError(method, error);
          throw new SlackDeliveryException(method, error, null);
        }
        wait = backoff;
      } catch (SlackApiException e) {
        int status = e.getResponse().code();
        error = "HTTP " + status;
        cause = e;
        if (status == 429) {
          wait = retryAfter(e.getResponse().header("Retry-After"), backoff);
        } else if (status >= 500) {
          wait = backoff;
        } else {
          countError(method, error);
          throw new SlackDeliveryException(method, error, e);
        }
      } catch (IOException e) {
        error = e.getClass().getSimpleName() + ": " + e.getMessage();
        cause = e;
        wait = backoff;
      }
      countError(method, error);
      if (attempt >= ATTEMPTS) {
        throw new SlackDeliveryException(method, error + " after " + attempt + " attempts", cause);
      }
      LOG.debugf("%s failed (%s), attempt %d; retrying in %s", method, error, attempt, wait);
      pause(method, wait, cause);
      backoff = backoff.multipliedBy(2);
    }
  }

  /** Every failed attempt, retried or not: {@code restartbot_slack_api_errors_total}. */
  private void countError(String method, String error) {
    String kind = error.startsWith("IOException") || error.contains("Exception") ? "io" : error;
    meters.counter("restartbot.slack.api.errors", "method", method, "error", kind).increment();
  }

  private void pause(String method, Duration wait, Throwable cause) {
    try {
      sleeper.sleep(wait);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SlackDeliveryException(method, "interrupted", cause);
    }
  }

  static Duration retryAfter(String header, Duration fallback) {
    if (header == null) {
      return fallback;
    }
    try {
      Duration asked = Duration.ofSeconds(Long.parseLong(header.trim()));
      return asked.compareTo(MAX_WAIT) > 0 ? MAX_WAIT : asked;
    } catch (NumberFormatException e) {
      return fallback;
    }
  }
}
