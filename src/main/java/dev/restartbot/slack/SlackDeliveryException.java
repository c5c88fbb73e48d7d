package dev.restartbot.slack;

import java.time.Duration;
import java.util.Optional;

/**
 * Slack did not take a message even after retries; {@link #error()} is Slack's error code, or
 * {@value #DELIVERY_UNKNOWN} when a post may have landed although Slack's answer never came.
 */
public final class SlackDeliveryException extends RuntimeException {

  /** The error of a post that was sent but not answered: it may or may not show in Slack. */
  public static final String DELIVERY_UNKNOWN = "delivery_unknown";

  /** The error of a call that Slack refused for its rate limit and that was not retried. */
  public static final String RATELIMITED = "ratelimited";

  private final String error;
  private final Duration retryAfter;

  SlackDeliveryException(String method, String error, Throwable cause) {
    super(method + " failed: " + error, cause);
    this.error = error;
    this.retryAfter = null;
  }

  /** Slack answered 429 (or {@code ratelimited}) and asked for {@code retryAfter} of quiet. */
  static SlackDeliveryException rateLimited(String method, Duration retryAfter, Throwable cause) {
    return new SlackDeliveryException(method, retryAfter, cause);
  }

  private SlackDeliveryException(String method, Duration retryAfter, Throwable cause) {
    super(method + " failed: " + RATELIMITED + ", retry after " + retryAfter, cause);
    this.error = RATELIMITED;
    this.retryAfter = retryAfter;
  }

  /** A post whose request reached Slack, or may have, and whose answer was lost. */
  static SlackDeliveryException deliveryUnknown(String method, String why, Throwable cause) {
    return new SlackDeliveryException(method, DELIVERY_UNKNOWN, why, cause);
  }

  private SlackDeliveryException(String method, String error, String why, Throwable cause) {
    super(
        method + " failed: " + error + " (" + why + "); not retried, so as not to post twice",
        cause);
    this.error = error;
    this.retryAfter = null;
  }

  /** How long Slack asked to wait, when it refused the call for its rate limit. */
  public Optional<Duration> retryAfter() {
    return Optional.ofNullable(retryAfter);
  }

  /** Whether the message may have been posted after all: Slack got it, but its answer was lost. */
  public boolean deliveryUnknown() {
    return DELIVERY_UNKNOWN.equals(error);
  }

  public String error() {
    return error;
  }

  public boolean notInChannel() {
    return "not_in_channel".equals(error) || "channel_not_found".equals(error);
  }
}
