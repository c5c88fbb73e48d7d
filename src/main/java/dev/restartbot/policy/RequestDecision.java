package dev.restartbot.policy;

/** Whether the policy lets a requester ask for a restart of all the targets of one command. */
public sealed interface RequestDecision {

  /** Every target is admitted; the request waits for an approver when {@code approvalRequired}. */
  record Allowed(boolean approvalRequired) implements RequestDecision {}

  /** The first target that is not admitted, and why. */
  record Refused(Target target, PolicyRefusal reason) implements RequestDecision {}
}
