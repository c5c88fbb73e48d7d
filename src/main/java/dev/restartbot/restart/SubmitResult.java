package dev.restartbot.restart;

import java.util.List;

/** The answer to a submission: a new request, or why there is none. */
public sealed interface SubmitResult {

  /** The request was created; the snapshots are its targets as they are now. */
  record Submitted(RestartRequest request, List<WorkloadSnapshot> snapshots)
      implements SubmitResult {
    public Submitted {
      snapshots = List.copyOf(snapshots);
    }
  }

  /** Refused with a reason that is safe to show the requester. */
  record Refused(String reason) implements SubmitResult {}

  /** A target already belongs to an active request. */
  record Busy(RestartRequest existing) implements SubmitResult {}
}
