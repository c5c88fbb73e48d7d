package dev.restartbot.policy;

/** Whether the policy lets someone approve (or deny) a pending request. */
public sealed interface ApprovalDecision {

  record Admitted() implements ApprovalDecision {}

  record Refused(PolicyRefusal reason) implements ApprovalDecision {}
}
