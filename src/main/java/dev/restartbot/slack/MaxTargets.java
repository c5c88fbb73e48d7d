package dev.restartbot.slack;

import dev.restartbot.policy.PolicyConfig;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.runtime.configuration.ConfigurationException;
import jakarta.annotation.Priority;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

/**
 * Stops the start when {@code restart.max-targets} asks for more targets than Slack can show an
 * approver (see {@link ApprovalMessage#MAX_TARGETS}), or for none: before anything else of the
 * Slack edge is built, with a message that names the setting.
 */
@Singleton
public class MaxTargets {

  void onStart(@Observes @Priority(1) StartupEvent event, PolicyConfig policy) {
    check(policy.maxTargets());
  }

  static void check(int maxTargets) {
    if (maxTargets < 1 || maxTargets > ApprovalMessage.MAX_TARGETS) {
      // No cause attached: Quarkus prints a ConfigurationException's message alone, no trace.
      throw new ConfigurationException(
          ("restart.max-targets (RESTART_MAX_TARGETS) is %d, but it must be between 1 and %d: the"
                  + " approval message names every target for the approvers, and Slack's limits"
                  + " on a message hold no more than %d. Set it within that range, for example"
                  + " 20.")
              .formatted(maxTargets, ApprovalMessage.MAX_TARGETS, ApprovalMessage.MAX_TARGETS));
    }
  }
}
