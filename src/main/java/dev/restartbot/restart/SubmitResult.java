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

  /** Nothing was created. */
  record Refused(Refusal refusal) implements SubmitResult {}
}
