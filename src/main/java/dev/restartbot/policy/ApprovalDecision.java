package dev.restartbot.policy;

/** Whether the policy lets someone approve (or deny) a pending request. */
public sealed interface ApprovalDecision {

  record Admitted() implements ApprovalDecision {}

  /** Why not, in words safe to show the clicker. */
  record Refused(String reason) implements ApprovalDecision {}
}
