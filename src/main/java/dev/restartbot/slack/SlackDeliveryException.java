package dev.restartbot.slack;

/** Slack did not take a message even after retries; {@link #error()} is Slack's error code. */
public final class SlackDeliveryException extends RuntimeException {

  private final String error;

  SlackDeliveryException(String method, String error, Throwable cause) {
    super(method + " failed: " + error, cause);
    this.error = error;
  }

  public String error() {
    return error;
  }

  public boolean notInChannel() {
    return "not_in_channel".equals(error) || "channel_not_found".equals(error);
  }
}
