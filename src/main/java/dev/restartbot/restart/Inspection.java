package dev.restartbot.restart;

/** The result of reading a target before a request is created. */
public sealed interface Inspection {

  record Found(WorkloadSnapshot snapshot) implements Inspection {}

  record Missing() implements Inspection {}

  /** The bot may not read it, or the API could not be reached; the message says which. */
  record Unreadable(String message) implements Inspection {}
}
