package dev.restartbot.restart;

/** The answer to an Approve or Deny click. */
public sealed interface Decision {

  /** The click decided the request; the request is in its new state. */
  record Accepted(RestartRequest request) implements Decision {}

  /** The click changed nothing; the reason is shown to the clicker alone. */
  record Refused(String reason) implements Decision {}
}
