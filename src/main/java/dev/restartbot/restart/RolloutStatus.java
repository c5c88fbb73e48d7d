package dev.restartbot.restart;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetStatus;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetStatus;
import java.time.Instant;
import java.util.Optional;

/**
 * Where a rollout stands, decided exactly as {@code kubectl rollout status} decides it (the status
 * viewers of {@code pkg/polymorphichelpers/rollout_status.go}), with kubectl's own words and a
 * shorter line for Slack.
 *
 * @param kubectl the message kubectl prints for the same object
 * @param summary what the thread reply shows
 */
public record RolloutStatus(Phase phase, String kubectl, String summary) {

  public enum Phase {
    /** The controller is still at work. */
    WAITING,
    /** Rolled out: kubectl would exit 0. */
    DONE,
    /** The controller gave up (a Deployment's progress deadline). */
    FAILED,
    /** OnDelete strategy: pods change only when someone deletes them. */
    ON_DELETE
  }

  static final String PROGRESS_DEADLINE_EXCEEDED = "ProgressDeadlineExceeded";

  /**
   * The status of {@code workload}; {@code patchedGeneration} is the generation our patch produced,
   * so a status that has not caught up with it is never taken for completion.
   */
  public static RolloutStatus of(HasMetadata workload, long patchedGeneration) {
    return of(workload, patchedGeneration, null);
  }

  /**
   * As {@link #of(HasMetadata, long)}, for a restart that asked for {@code restartAt}: an Argo
   * Rollout's restart is over only once its {@code status.restartedAt} has reached it.
   */
  public static RolloutStatus of(HasMetadata workload, long patchedGeneration, String restartAt) {
    long generation = Math.max(orZero(workload.getMetadata().getGeneration()), patchedGeneration);
    if (workload instanceof Deployment d) {
      return deployment(d, generation);
    }
    if (workload instanceof StatefulSet s) {
      return statefulSet(s, generation);
    }
    if (workload instanceof DaemonSet ds) {
      return daemonSet(ds, generation);
    }
    if (ArgoRollouts.isRollout(workload)) {
      return argoRollout((GenericKubernetesResource) workload, generation, restartAt);
    }
    throw new IllegalArgumentException("not a workload kind: " + workload.getKind());
  }

  static RolloutStatus deployment(Deployment d, long generation) {
    String name = d.getMetadata().getName();
    DeploymentStatus s = d.getStatus() == null ? new DeploymentStatus() : d.getStatus();
    if (generation > orZero(s.getObservedGeneration())) {
      return waiting(
          "Waiting for deployment spec update to be observed...",
          "waiting for the controller to see the change");
    }
    if (s.getConditions() != null) {
      for (DeploymentCondition c : s.getConditions()) {
        if ("Progressing".equals(c.getType()) && PROGRESS_DEADLINE_EXCEEDED.equals(c.getReason())) {
          String why = c.getMessage() == null ? "" : c.getMessage();
          return new RolloutStatus(
              Phase.FAILED,
              "deployment \"" + name + "\" exceeded its progress deadline",
              "exceeded its progress deadline" + (why.isEmpty() ? "" : ": " + why));
        }
      }
    }
    Integer specReplicas = d.getSpec() == null ? null : d.getSpec().getReplicas();
    int updated = orZero(s.getUpdatedReplicas());
    int replicas = orZero(s.getReplicas());
    int available = orZero(s.getAvailableReplicas());
    if (specReplicas != null && updated < specReplicas) {
      return waiting(
          "Waiting for deployment \""
              + name
              + "\" rollout to finish: "
              + updated
              + " out of "
              + specReplicas
              + " new replicas have been updated...",
          updated + " of " + specReplicas + " new pods updated");
    }
    if (replicas > updated) {
      int old = replicas - updated;
      return waiting(
          "Waiting for deployment \""
              + name
              + "\" rollout to finish: "
              + old
              + " old replicas are pending termination...",
          old + (old == 1 ? " old pod terminating" : " old pods terminating"));
    }
    if (available < updated) {
      return waiting(
          "Waiting for deployment \""
              + name
              + "\" rollout to finish: "
              + available
              + " of "
              + updated
              + " updated replicas are available...",
          available + " of " + updated + " new pods available");
    }
    return new RolloutStatus(
        Phase.DONE,
        "deployment \"" + name + "\" successfully rolled out",
        "rolled out (" + updated + (updated == 1 ? " pod" : " pods") + ")");
  }

  static RolloutStatus statefulSet(StatefulSet sts, long generation) {
    String strategy =
        sts.getSpec() == null || sts.getSpec().getUpdateStrategy() == null
            ? null
            : sts.getSpec().getUpdateStrategy().getType();
    if ("OnDelete".equals(strategy)) {
      return onDelete("statefulset");
    }
    StatefulSetStatus s = sts.getStatus() == null ? new StatefulSetStatus() : sts.getStatus();
    long observed = orZero(s.getObservedGeneration());
    if (observed == 0 || generation > observed) {
      return waiting(
          "Waiting for statefulset spec update to be observed...",
          "waiting for the controller to see the change");
    }
    Integer specReplicas = sts.getSpec() == null ? null : sts.getSpec().getReplicas();
    int ready = orZero(s.getReadyReplicas());
    if (specReplicas != null && ready < specReplicas) {
      int missing = specReplicas - ready;
      return waiting(
          "Waiting for " + missing + " pods to be ready...",
          ready + " of " + specReplicas + " pods ready");
    }
    var rolling =
        sts.getSpec() == null || sts.getSpec().getUpdateStrategy() == null
            ? null
            : sts.getSpec().getUpdateStrategy().getRollingUpdate();
    int updated = orZero(s.getUpdatedReplicas());
    if (rolling != null) {
      // kubectl reports partitioned rollouts in their own words as soon as a rollingUpdate is set.
      if (specReplicas != null && rolling.getPartition() != null) {
        int wanted = specReplicas - rolling.getPartition();
        if (updated < wanted) {
          return waiting(
              "Waiting for partitioned roll out to finish: "
                  + updated
                  + " out of "
                  + wanted
                  + " new pods have been updated...",
              updated
                  + " of "
                  + wanted
                  + " new pods updated (partition "
                  + rolling.getPartition()
                  + ")");
        }
      }
      return new RolloutStatus(
          Phase.DONE,
          "partitioned roll out complete: " + updated + " new pods have been updated...",
          "rolled out (" + updated + " new " + (updated == 1 ? "pod" : "pods") + ")");
    }
    if (s.getUpdateRevision() != null && !s.getUpdateRevision().equals(s.getCurrentRevision())) {
      return waiting(
          "waiting for statefulset rolling update to complete "
              + updated
              + " pods at revision "
              + s.getUpdateRevision()
              + "...",
          updated + " pods at the new revision");
    }
    int current = orZero(s.getCurrentReplicas());
    return new RolloutStatus(
        Phase.DONE,
        "statefulset rolling update complete "
            + current
            + " pods at revision "
            + s.getCurrentRevision()
            + "...",
        "rolled out ("
            + current
            + (current == 1 ? " pod" : " pods")
            + " at revision "
            + s.getCurrentRevision()
            + ")");
  }

  static RolloutStatus daemonSet(DaemonSet ds, long generation) {
    String strategy =
        ds.getSpec() == null || ds.getSpec().getUpdateStrategy() == null
            ? null
            : ds.getSpec().getUpdateStrategy().getType();
    if ("OnDelete".equals(strategy)) {
      return onDelete("daemonset");
    }
    String name = ds.getMetadata().getName();
    DaemonSetStatus s = ds.getStatus() == null ? new DaemonSetStatus() : ds.getStatus();
    if (generation > orZero(s.getObservedGeneration())) {
      return waiting(
          "Waiting for daemon set spec update to be observed...",
          "waiting for the controller to see the change");
    }
    int desired = orZero(s.getDesiredNumberScheduled());
    int updated = orZero(s.getUpdatedNumberScheduled());
    int available = orZero(s.getNumberAvailable());
    if (updated < desired) {
      return waiting(
          "Waiting for daemon set \""
              + name
              + "\" rollout to finish: "
              + updated
              + " out of "
              + desired
              + " new pods have been updated...",
          updated + " of " + desired + " new pods updated");
    }
    if (available < desired) {
      return waiting(
          "Waiting for daemon set \""
              + name
              + "\" rollout to finish: "
              + available
              + " of "
              + desired
              + " updated pods are available...",
          available + " of " + desired + " new pods available");
    }
    return new RolloutStatus(
        Phase.DONE,
        "daemon set \"" + name + "\" successfully rolled out",
        "rolled out (" + desired + (desired == 1 ? " pod" : " pods") + ")");
  }

  /**
   * An Argo Rollout, judged as {@code kubectl argo rollouts status} judges it (the phase and
   * message of {@code rolloututil.GetRolloutPhase}), and, for a restart, only once the controller
   * has written {@code status.restartedAt} at or after the {@code restartAt} the patch set: every
   * pod older than that has been replaced. {@code Degraded}, which includes an aborted rollout, is
   * a failure with the controller's message.
   */
  static RolloutStatus argoRollout(
      GenericKubernetesResource rollout, long generation, String restartAt) {
    String phase = ArgoRollouts.text(rollout.get("status", "phase"));
    String message = ArgoRollouts.text(rollout.get("status", "message"));
    boolean aborted = Boolean.TRUE.equals(rollout.get("status", "abort"));
    String said = message == null || message.isBlank() ? "" : message;
    if (aborted || "Degraded".equals(phase)) {
      String why =
          said.isEmpty() ? (aborted ? "the rollout was aborted" : "the rollout is degraded") : said;
      return new RolloutStatus(
          Phase.FAILED,
          "Degraded" + (said.isEmpty() ? "" : " - " + said),
          (aborted ? "aborted: " : "degraded: ") + why);
    }
    Optional<Long> observed = ArgoRollouts.observedGeneration(rollout);
    if (observed.isPresent() && observed.get() < generation) {
      return waiting(
          "Progressing - waiting for rollout spec update to be observed",
          "waiting for the controller to see the change");
    }
    int desired = ArgoRollouts.integer(rollout, 1, "spec", "replicas");
    int available = ArgoRollouts.integer(rollout, 0, "status", "availableReplicas");
    int ready = ArgoRollouts.integer(rollout, 0, "status", "readyReplicas");
    String argo = (phase == null ? "Progressing" : phase) + (said.isEmpty() ? "" : " - " + said);
    Optional<Instant> asked = ArgoRollouts.time(restartAt);
    Optional<Instant> restarted = ArgoRollouts.time(rollout.get("status", "restartedAt"));
    boolean reached = asked.isEmpty() || restarted.map(r -> !r.isBefore(asked.get())).orElse(false);
    if (!reached) {
      return waiting(argo, "restarting pods: %d of %d ready".formatted(ready, desired));
    }
    if (!"Healthy".equals(phase)) {
      return waiting(
          argo,
          "%s: %d of %d pods available"
              .formatted(phase == null ? "waiting for the controller" : phase, available, desired));
    }
    return new RolloutStatus(
        Phase.DONE,
        "Healthy",
        "restarted and healthy (%d %s)".formatted(available, available == 1 ? "pod" : "pods"));
  }

  private static RolloutStatus onDelete(String kind) {
    // kubectl answers "rollout status is only available for RollingUpdate strategy type".
    return new RolloutStatus(
        Phase.ON_DELETE,
        "rollout status is only available for RollingUpdate strategy type",
        "this " + kind + " uses the OnDelete strategy: its pods change only when they are deleted");
  }

  private static RolloutStatus waiting(String kubectl, String summary) {
    return new RolloutStatus(Phase.WAITING, kubectl, summary);
  }

  private static int orZero(Integer value) {
    return value == null ? 0 : value;
  }

  private static long orZero(Long value) {
    return value == null ? 0 : value;
  }
}
