package dev.restartbot.restart;

/** The answer to an Approve or Deny click. */
public sealed interface ClickResult {

  /** The click decided the request; the request is in its new state. */
  record Accepted(RestartRequest request) implements ClickResult {}

  /** The click changed nothing; the clicker alone is told why. */
  record Refused(Refusal refusal) implements ClickResult {}
}
