package dev.restartbot.restart;

import dev.restartbot.policy.Target;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What the approval message shows of a target at request time.
 *
 * @param desired the replicas the workload asks for (desired pods scheduled, for a DaemonSet)
 * @param ready the replicas ready now
 * @param lastRestartedAt the current {@code kubectl.kubernetes.io/restartedAt}, if any
 * @param generation its {@code metadata.generation}: the approval is bound to it
 * @param risks what restarting it now may disrupt
 * @param owner the GitOps tool that manages it, if one does
 */
public record WorkloadSnapshot(
    Target target,
    int desired,
    int ready,
    List<String> images,
    Optional<String> lastRestartedAt,
    boolean paused,
    long generation,
    List<Risk> risks,
    Optional<GitOpsOwner> owner) {

  public WorkloadSnapshot {
    images = List.copyOf(images);
    risks = List.copyOf(risks);
    owner = Objects.requireNonNullElse(owner, Optional.empty());
  }

  /** A snapshot without risks, owner or generation: what the message showed before them. */
  public WorkloadSnapshot(
      Target target,
      int desired,
      int ready,
      List<String> images,
      Optional<String> lastRestartedAt,
      boolean paused) {
    this(target, desired, ready, images, lastRestartedAt, paused, 0, List.of(), Optional.empty());
  }
}
