package dev.restartbot.policy;

import java.time.Duration;

/** Whether the policy lets a requester ask for a restart of all the targets of one command. */
public sealed interface RequestDecision {

  /**
   * Every target is admitted; the request waits for approvers when {@code approvalRequired}.
   *
   * @param approvals the distinct approvers it needs: the largest number any admitting rule asks
   * @param approvalTtl how long it waits for them: the shortest ttl of the admitting rules, each
   *     rule's own or the default
   */
  record Allowed(boolean approvalRequired, int approvals, Duration approvalTtl)
      implements RequestDecision {}

  /** The first target that is not admitted, and why. */
  record Refused(Target target, PolicyRefusal reason) implements RequestDecision {}
}
