package dev.restartbot.restart;

/**
 * What a request does to its targets once approved. A request stored without one is a restart: the
 * only action there was before.
 */
public enum RequestAction {
  /** {@code kubectl rollout restart}: a new {@code restartedAt} in the pod template. */
  RESTART,
  /**
   * {@code kubectl rollout undo}: the pod template of the Deployment's previous revision, filed
   * from the Roll back button on a failed restart.
   */
  ROLLBACK
}
