package dev.restartbot.slack;

/**
 * Slack did not take a message even after retries; {@link #error()} is Slack's error code, or
 * {@value #DELIVERY_UNKNOWN} when a post may have landed although Slack's answer never came.
 */
public final class SlackDeliveryException extends RuntimeException {

  /** The error of a post that was sent but not answered: it may or may not show in Slack. */
  public static final String DELIVERY_UNKNOWN = "delivery_unknown";

  private final String error;

  SlackDeliveryException(String method, String error, Throwable cause) {
    super(method + " failed: " + error, cause);
    this.error = error;
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
