package dev.restartbot.restart;

import dev.restartbot.policy.Target;
import java.util.List;
import java.util.Optional;

/**
 * What the approval message shows of a target at request time.
 *
 * @param desired the replicas the workload asks for (desired pods scheduled, for a DaemonSet)
 * @param ready the replicas ready now
 * @param lastRestartedAt the current {@code kubectl.kubernetes.io/restartedAt}, if any
 */
public record WorkloadSnapshot(
    Target target,
    int desired,
    int ready,
    List<String> images,
    Optional<String> lastRestartedAt,
    boolean paused) {

  public WorkloadSnapshot {
    images = List.copyOf(images);
  }
}
