package dev.restartbot.restart;

import dev.restartbot.policy.Target;

/** Hears each target of a running request start and finish; the Slack edge renders it. */
public interface ExecutionListener {

  void targetStarted(RestartRequest request, Target target, int index);

  /** The rollout of a patched target moved (called only while waiting for rollouts). */
  default void targetProgress(
      RestartRequest request, Target target, int index, RolloutStatus status) {}

  void targetFinished(RestartRequest request, TargetResult result, int index);

  ExecutionListener NONE =
      new ExecutionListener() {
        @Override
        public void targetStarted(RestartRequest request, Target target, int index) {}

        @Override
        public void targetFinished(RestartRequest request, TargetResult result, int index) {}
      };
}
