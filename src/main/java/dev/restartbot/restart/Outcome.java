package dev.restartbot.restart;

/** What happened to one target. Expected outcomes are values, not exceptions. */
public sealed interface Outcome {

  /** Whether the sequence may go on after this outcome. */
  default boolean succeeded() {
    return false;
  }

  /** A one-word name for logs, metrics and the audit trail. */
  String code();

  /** A sentence for people: the API's message, or why the target was skipped. */
  String detail();

  /** The API server accepted the restart patch. */
  record Restarted(String restartedAt) implements Outcome {
    @Override
    public boolean succeeded() {
      return true;
    }

    public String code() {
      return "restarted";
    }

    public String detail() {
      return "restartedAt " + restartedAt;
    }
  }

  record NotFound() implements Outcome {
    public String code() {
      return "not_found";
    }

    public String detail() {
      return "not found";
    }
  }

  /** The bot's service account may not read or patch the workload. */
  record Forbidden(String message) implements Outcome {
    public String code() {
      return "forbidden";
    }

    public String detail() {
      return message;
    }
  }

  /** A paused Deployment is refused, as {@code kubectl rollout restart} refuses it. */
  record Paused() implements Outcome {
    public String code() {
      return "paused";
    }

    public String detail() {
      return "the deployment is paused; resume it with kubectl rollout resume first";
    }
  }

  /** Anything else the API answered, with its message. */
  record Error(String message) implements Outcome {
    public String code() {
      return "error";
    }

    public String detail() {
      return message;
    }
  }

  /** Not attempted because an earlier target failed and stop-on-failure is on. */
  record Skipped(String reason) implements Outcome {
    public String code() {
      return "skipped";
    }

    public String detail() {
      return reason;
    }
  }
}
