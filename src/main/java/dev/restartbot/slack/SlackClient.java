package dev.restartbot.slack;

import com.slack.api.Slack;
import com.slack.api.SlackConfig;
import com.slack.api.methods.MethodsClient;
import com.slack.api.methods.SlackApiException;
import com.slack.api.methods.SlackApiTextResponse;
import com.slack.api.model.block.LayoutBlock;
import com.slack.api.util.http.SlackHttpClient;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import okhttp3.OkHttpClient;
import org.jboss.logging.Logger;

/**
 * The Web API calls the bot makes, each retried with backoff on 429 (honouring Retry-After), 5xx
 * and I/O errors, so that a brief Slack hiccup does not lose a result.
 *
 * <p>Except where a retry could post a message twice. Slack has no idempotency key for {@code
 * chat.postMessage} or {@code chat.postEphemeral}: a post that failed after its request went out (a
 * reset or a read timeout while waiting for the answer; a 500, 502 or 504, which a server may
 * answer after it acted) may already show in the channel. Such a post is not retried; the caller
 * gets {@link SlackDeliveryException#deliveryUnknown()} and says so instead. A post that surely
 * never left (connection refused, unknown host, connect timeout), a 429 and a 503 (both refused
 * before anything happened) are retried as before; so are updates, which land the same however
 * often they are sent, and reads. Checking the channel's history for the post before retrying would
 * need {@code channels:history} and {@code groups:history}, read access to every message of the
 * bot's channels, which this bot does not otherwise need. OkHttp's own silent retry of a request
 * whose connection failed is turned off for the same reason.
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

  /** A post: never sent again once it may have reached Slack. */
  private static final boolean ONCE = true;

  private final MethodsClient methods;
  private final Sleeper sleeper;
  private final MeterRegistry meters;

  /** Waits between attempts; tests make it instant. */
  interface Sleeper {
    void sleep(Duration duration) throws InterruptedException;
  }

  @Inject
  SlackClient(Slack slack, SlackSettings settings, MeterRegistry meters) {
    this(methods(slack, settings.botToken().orElse("")), d -> Thread.sleep(d.toMillis()), meters);
  }

  /**
   * A Web API client on {@code slack}'s settings that reads answers with one shared {@code Gson}
   * ({@link SharedGsonMethodsClient}) and whose HTTP client never resends a request by itself:
   * OkHttp would otherwise retry a POST whose connection broke, after it was sent, on the next
   * address of slack.com.
   */
  static MethodsClient methods(Slack slack, String token) {
    SlackConfig config = slack.getConfig();
    SlackHttpClient http = new SlackHttpClient(http(config));
    http.setConfig(config);
    return new SharedGsonMethodsClient(http, token);
  }

  static OkHttpClient http(SlackConfig config) {
    return SlackHttpClient.buildOkHttpClient(config)
        .newBuilder()
        .retryOnConnectionFailure(false)
        .build();
  }

  SlackClient(MethodsClient methods, Sleeper sleeper, MeterRegistry meters) {
    this.methods = methods;
    this.sleeper = sleeper;
    this.meters = meters;
  }

  /**
   * Posts a message (a thread reply when {@code threadTs} is set); answers its ts. Never posts
   * twice: see the class comment.
   */
  public String post(String channel, String threadTs, String text, List<LayoutBlock> blocks) {
    return call(
            "chat.postMessage",
            ONCE,
            m ->
                m.chatPostMessage(
                    r -> r.channel(channel).threadTs(threadTs).text(text).blocks(blocks)))
        .getTs();
  }

  public void update(String channel, String ts, String text, List<LayoutBlock> blocks) {
    call(
        "chat.update", m -> m.chatUpdate(r -> r.channel(channel).ts(ts).text(text).blocks(blocks)));
  }

  /**
   * As {@link #update}, but a 429 is not waited out here: it is thrown at once as {@link
   * SlackDeliveryException#retryAfter()}, so that the caller ({@link MessageUpdates}) pauses its
   * whole budget instead of a thread sleeping on one message.
   */
  void updateUnlessRateLimited(String channel, String ts, String text, List<LayoutBlock> blocks) {
    call(
        "chat.update",
        !ONCE,
        false,
        m -> m.chatUpdate(r -> r.channel(channel).ts(ts).text(text).blocks(blocks)));
  }

  public void ephemeral(String channel, String user, String text) {
    call(
        "chat.postEphemeral",
        ONCE,
        m -> m.chatPostEphemeral(r -> r.channel(channel).user(user).text(text)));
  }

  /** A call that may be sent again whatever happened to the previous attempt. */
  <T extends SlackApiTextResponse> T call(String method, Call<T> call) {
    return call(method, !ONCE, call);
  }

  private <T extends SlackApiTextResponse> T call(String method, boolean once, Call<T> call) {
    return call(method, once, true, call);
  }

  private <T extends SlackApiTextResponse> T call(
      String method, boolean once, boolean waitOutRateLimits, Call<T> call) {
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
        if (!waitOutRateLimits) {
          countError(method, error);
          throw SlackDeliveryException.rateLimited(method, wait, null);
        }
      } catch (SlackApiException e) {
        int status = e.getResponse().code();
        error = "HTTP " + status;
        cause = e;
        if (status == 429) {
          wait = retryAfter(e.getResponse().header("Retry-After"), backoff);
          if (!waitOutRateLimits) {
            countError(method, error);
            throw SlackDeliveryException.rateLimited(method, wait, e);
          }
        } else if (status >= 500) {
          if (once && status != 503) {
            countError(method, error);
            throw SlackDeliveryException.deliveryUnknown(method, error, e);
          }
          wait = backoff;
        } else {
          countError(method, error);
          throw new SlackDeliveryException(method, error, e);
        }
      } catch (IOException e) {
        error = e.getClass().getSimpleName() + ": " + e.getMessage();
        cause = e;
        if (once && mayHaveBeenSent(e)) {
          countError(method, error);
          throw SlackDeliveryException.deliveryUnknown(method, error, e);
        }
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

  /**
   * Whether Slack may have received the request before {@code e}: everything but a failure to
   * connect at all.
   */
  static boolean mayHaveBeenSent(IOException e) {
    if (e instanceof ConnectException
        || e instanceof UnknownHostException
        || e instanceof NoRouteToHostException) {
      return false;
    }
    return !(e instanceof SocketTimeoutException
        && String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT).contains("connect timed out"));
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
