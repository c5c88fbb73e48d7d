package dev.restartbot.restart;

/** What happened to one target. Expected outcomes are values, not exceptions. */
public sealed interface Outcome {

  /** Whether the sequence may go on after this outcome. */
  default boolean succeeded() {
    return false;
  }

  /** A one-word name for logs, metrics and the audit trail. */
  String code();

  /**
   * What the outcome holds, for the structured log and the audit trail: the API's message, the
   * status kubectl would print, or the reason's code. Slack words outcomes itself.
   */
  String detail();

  /**
   * The API server accepted the restart patch.
   *
   * @param generation the workload's generation after the patch, for the rollout check
   * @param uid the workload's uid, for the Events that name it
   */
  record Restarted(String restartedAt, long generation, String uid) implements Outcome {
    @Override
    public boolean succeeded() {
      return true;
    }

    public String code() {
      return "restarted";
    }

    public String detail() {
      return restartedAt;
    }
  }

  /** The rollout finished as {@code kubectl rollout status} judges it. */
  record RolledOut(String restartedAt, String status) implements Outcome {
    @Override
    public boolean succeeded() {
      return true;
    }

    public String code() {
      return "rolled_out";
    }

    public String detail() {
      return status;
    }
  }

  /**
   * Patched, but the strategy is OnDelete: nothing rolls until pods are deleted. Not a failure, and
   * not something to wait for.
   */
  record OnDelete(String restartedAt, String status) implements Outcome {
    @Override
    public boolean succeeded() {
      return true;
    }

    public String code() {
      return "on_delete";
    }

    public String detail() {
      return status;
    }
  }

  /** The controller gave up (progress deadline exceeded), or the workload was deleted. */
  record RolloutFailed(String message) implements Outcome {
    public String code() {
      return "rollout_failed";
    }

    public String detail() {
      return message;
    }
  }

  /** The rollout did not finish within {@code restart.rollout.timeout}. */
  record TimedOut(java.time.Duration after, String lastStatus) implements Outcome {
    public String code() {
      return "timed_out";
    }

    public String detail() {
      return "after " + after + ": " + lastStatus;
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
      return "paused";
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

  /** Not attempted, and why. */
  record Skipped(SkipReason reason) implements Outcome {
    public String code() {
      return "skipped";
    }

    public String detail() {
      return reason.detail();
    }
  }

  /** The bot itself failed on this target; the log has the stack trace. */
  record Unexpected() implements Outcome {
    public String code() {
      return "error";
    }

    public String detail() {
      return "unexpected error";
    }
  }

  /** Why a target was not attempted. */
  sealed interface SkipReason {
    String code();

    /** The code and what it refers to, for the log. */
    String detail();

    /**
     * An earlier target did not restart and stop-on-failure is on; empty for a request stored
     * before the target was recorded.
     */
    record EarlierFailed(java.util.Optional<dev.restartbot.policy.Target> failed)
        implements SkipReason {
      public String code() {
        return "earlier_target_failed";
      }

      public String detail() {
        return code() + failed.map(t -> ": " + t.key()).orElse("");
      }
    }

    /**
     * The bot shut down before this target, and no other replica could take the run over (one
     * replica, requests in memory).
     */
    record ShutDown() implements SkipReason {
      public String code() {
        return "shut_down";
      }

      public String detail() {
        return code();
      }
    }

    /**
     * Someone pressed Abort while the run was on an earlier target: it was followed to its end, and
     * this one was not started.
     */
    record Aborted(Decider.Person by) implements SkipReason {
      public Aborted {
        java.util.Objects.requireNonNull(by, "by");
      }

      public String code() {
        return "aborted";
      }

      public String detail() {
        return code() + " by " + by.userId();
      }
    }

    /** The request store could not be reached, so the run could no longer be recorded. */
    record StoreUnreachable(String error) implements SkipReason {
      public String code() {
        return "store_unreachable";
      }

      public String detail() {
        return code() + ": " + error;
      }
    }
  }
}
