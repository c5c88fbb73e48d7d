package dev.restartbot.policy;

/** A policy that cannot be used; the message names the setting to fix, so startup stops on it. */
public final class PolicyException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public PolicyException(String message) {
    super(message);
  }
}
