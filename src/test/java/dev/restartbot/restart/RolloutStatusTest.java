package dev.restartbot.restart;

import static org.assertj.core.api.Assertions.assertThat;

import dev.restartbot.restart.RolloutStatus.Phase;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Each of kubectl's rollout-status messages, and the line the thread shows for it. This is the
 * table in the README.
 */
class RolloutStatusTest {

  private static Deployment deployment(
      long generation, Long observed, Integer spec, int replicas, int updated, int available) {
    return new DeploymentBuilder()
        .withNewMetadata()
        .withName("api")
        .withGeneration(generation)
        .endMetadata()
        .withNewSpec()
        .withReplicas(spec)
        .endSpec()
        .withNewStatus()
        .withObservedGeneration(observed)
        .withReplicas(replicas)
        .withUpdatedReplicas(updated)
        .withAvailableReplicas(available)
        .endStatus()
        .build();
  }

  private static void expect(RolloutStatus status, Phase phase, String kubectl, String ours) {
    assertThat(status.phase()).isEqualTo(phase);
    assertThat(status.kubectl()).isEqualTo(kubectl);
    assertThat(status.summary()).isEqualTo(ours);
  }

  @Test
  void deploymentWhoseSpecChangeIsNotObservedYetIsWaiting() {
    expect(
        RolloutStatus.of(deployment(2, 1L, 3, 3, 3, 3), 2),
        Phase.WAITING,
        "Waiting for deployment spec update to be observed...",
        "waiting for the controller to see the change");
  }

  @Test
  void theGenerationOurPatchProducedCountsEvenIfTheObjectReadIsOlder() {
    assertThat(RolloutStatus.of(deployment(1, 1L, 3, 3, 3, 3), 2).phase()).isEqualTo(Phase.WAITING);
  }

  @Test
  void deploymentWithReplicasStillToUpdate() {
    expect(
        RolloutStatus.of(deployment(2, 2L, 3, 3, 1, 3), 2),
        Phase.WAITING,
        "Waiting for deployment \"api\" rollout to finish: 1 out of 3 new replicas have been"
            + " updated...",
        "1 of 3 new pods updated");
  }

  @Test
  void deploymentWithOldReplicasTerminating() {
    expect(
        RolloutStatus.of(deployment(2, 2L, 3, 5, 3, 3), 2),
        Phase.WAITING,
        "Waiting for deployment \"api\" rollout to finish: 2 old replicas are pending"
            + " termination...",
        "2 old pods terminating");
  }

  @Test
  void deploymentWithUpdatedReplicasNotYetAvailable() {
    expect(
        RolloutStatus.of(deployment(2, 2L, 3, 3, 3, 1), 2),
        Phase.WAITING,
        "Waiting for deployment \"api\" rollout to finish: 1 of 3 updated replicas are"
            + " available...",
        "1 of 3 new pods available");
  }

  @Test
  void deploymentSuccessfullyRolledOut() {
    expect(
        RolloutStatus.of(deployment(2, 2L, 3, 3, 3, 3), 2),
        Phase.DONE,
        "deployment \"api\" successfully rolled out",
        "rolled out (3 pods)");
  }

  @Test
  void deploymentPastItsProgressDeadlineFailed() {
    Deployment d =
        new DeploymentBuilder(deployment(2, 2L, 3, 3, 1, 3))
            .editStatus()
            .addNewCondition()
            .withType("Progressing")
            .withStatus("False")
            .withReason("ProgressDeadlineExceeded")
            .withMessage("ReplicaSet \"api-5d\" has timed out progressing.")
            .endCondition()
            .endStatus()
            .build();
    expect(
        RolloutStatus.of(d, 2),
        Phase.FAILED,
        "deployment \"api\" exceeded its progress deadline",
        "exceeded its progress deadline: ReplicaSet \"api-5d\" has timed out progressing.");
  }

  @Test
  void progressDeadlineIsOnlyReadOnceTheSpecIsObserved() {
    Deployment d =
        new DeploymentBuilder(deployment(2, 1L, 3, 3, 1, 3))
            .editStatus()
            .addNewCondition()
            .withType("Progressing")
            .withReason("ProgressDeadlineExceeded")
            .endCondition()
            .endStatus()
            .build();
    assertThat(RolloutStatus.of(d, 2).phase()).isEqualTo(Phase.WAITING);
  }

  private static StatefulSet sts(
      Long observed,
      int spec,
      int ready,
      int updated,
      String current,
      String update,
      Integer partition) {
    StatefulSetBuilder b =
        new StatefulSetBuilder()
            .withNewMetadata()
            .withName("db")
            .withGeneration(2L)
            .endMetadata()
            .withNewSpec()
            .withReplicas(spec)
            .withNewUpdateStrategy()
            .withType("RollingUpdate")
            .endUpdateStrategy()
            .endSpec()
            .withNewStatus()
            .withObservedGeneration(observed)
            .withReadyReplicas(ready)
            .withUpdatedReplicas(updated)
            .withCurrentReplicas(updated)
            .withCurrentRevision(current)
            .withUpdateRevision(update)
            .endStatus();
    if (partition != null) {
      b.editSpec()
          .editUpdateStrategy()
          .withNewRollingUpdate()
          .withPartition(partition)
          .endRollingUpdate()
          .endUpdateStrategy()
          .endSpec();
    }
    return b.build();
  }

  @Test
  void statefulSetNotObservedYet() {
    expect(
        RolloutStatus.of(sts(1L, 3, 3, 3, "r1", "r1", null), 2),
        Phase.WAITING,
        "Waiting for statefulset spec update to be observed...",
        "waiting for the controller to see the change");
  }

  @Test
  void statefulSetWaitingForReadyPods() {
    expect(
        RolloutStatus.of(sts(2L, 3, 1, 1, "r1", "r2", null), 2),
        Phase.WAITING,
        "Waiting for 2 pods to be ready...",
        "1 of 3 pods ready");
  }

  @Test
  void statefulSetWaitingForTheNewRevision() {
    expect(
        RolloutStatus.of(sts(2L, 3, 3, 2, "r1", "r2", null), 2),
        Phase.WAITING,
        "waiting for statefulset rolling update to complete 2 pods at revision r2...",
        "2 pods at the new revision");
  }

  @Test
  void statefulSetRolledOut() {
    expect(
        RolloutStatus.of(sts(2L, 3, 3, 3, "r2", "r2", null), 2),
        Phase.DONE,
        "statefulset rolling update complete 3 pods at revision r2...",
        "rolled out (3 pods at revision r2)");
  }

  @Test
  void partitionedStatefulSetWaitsOnlyForThePodsAboveThePartition() {
    expect(
        RolloutStatus.of(sts(2L, 3, 3, 0, "r1", "r2", 2), 2),
        Phase.WAITING,
        "Waiting for partitioned roll out to finish: 0 out of 1 new pods have been updated...",
        "0 of 1 new pods updated (partition 2)");
    expect(
        RolloutStatus.of(sts(2L, 3, 3, 1, "r1", "r2", 2), 2),
        Phase.DONE,
        "partitioned roll out complete: 1 new pods have been updated...",
        "rolled out (1 new pod)");
  }

  @Test
  void onDeleteStatefulSetIsNotFollowed() {
    StatefulSet s =
        new StatefulSetBuilder(sts(2L, 3, 3, 3, "r1", "r1", null))
            .editSpec()
            .editUpdateStrategy()
            .withType("OnDelete")
            .endUpdateStrategy()
            .endSpec()
            .build();
    expect(
        RolloutStatus.of(s, 2),
        Phase.ON_DELETE,
        "rollout status is only available for RollingUpdate strategy type",
        "this statefulset uses the OnDelete strategy: its pods change only when they are deleted");
  }

  private static DaemonSet ds(long observed, int desired, int updated, int available) {
    return new DaemonSetBuilder()
        .withNewMetadata()
        .withName("agent")
        .withGeneration(2L)
        .endMetadata()
        .withNewSpec()
        .endSpec()
        .withNewStatus()
        .withObservedGeneration(observed)
        .withDesiredNumberScheduled(desired)
        .withUpdatedNumberScheduled(updated)
        .withNumberAvailable(available)
        .endStatus()
        .build();
  }

  @Test
  void daemonSetMessagesFollowKubectl() {
    expect(
        RolloutStatus.of(ds(1, 3, 3, 3), 2),
        Phase.WAITING,
        "Waiting for daemon set spec update to be observed...",
        "waiting for the controller to see the change");
    expect(
        RolloutStatus.of(ds(2, 3, 1, 3), 2),
        Phase.WAITING,
        "Waiting for daemon set \"agent\" rollout to finish: 1 out of 3 new pods have been"
            + " updated...",
        "1 of 3 new pods updated");
    expect(
        RolloutStatus.of(ds(2, 3, 3, 2), 2),
        Phase.WAITING,
        "Waiting for daemon set \"agent\" rollout to finish: 2 of 3 updated pods are available...",
        "2 of 3 new pods available");
    expect(
        RolloutStatus.of(ds(2, 3, 3, 3), 2),
        Phase.DONE,
        "daemon set \"agent\" successfully rolled out",
        "rolled out (3 pods)");
  }

  private static final String ASKED = "2026-12-01T02:00:00Z";

  /** An Argo Rollout of 3 replicas at generation 2, with {@code status} as its controller wrote. */
  private static GenericKubernetesResource argo(Map<String, Object> status) {
    return new GenericKubernetesResourceBuilder()
        .withApiVersion("argoproj.io/v1alpha1")
        .withKind("Rollout")
        .withNewMetadata()
        .withName("web")
        .withGeneration(2L)
        .endMetadata()
        .addToAdditionalProperties("spec", Map.of("replicas", 3, "restartAt", ASKED))
        .addToAdditionalProperties("status", status)
        .build();
  }

  private static Map<String, Object> argoStatus(
      String observed, String phase, int ready, String restartedAt, String message) {
    Map<String, Object> status = new HashMap<>();
    status.put("observedGeneration", observed);
    status.put("phase", phase);
    status.put("replicas", 3);
    status.put("updatedReplicas", 3);
    status.put("readyReplicas", ready);
    status.put("availableReplicas", ready);
    if (restartedAt != null) {
      status.put("restartedAt", restartedAt);
    }
    if (message != null) {
      status.put("message", message);
    }
    return status;
  }

  @Test
  void argoRolloutIsDoneOnlyOnceItsRestartReachedTheTimeAskedAndItIsHealthy() {
    expect(
        RolloutStatus.of(argo(argoStatus("1", "Healthy", 3, null, null)), 2, ASKED),
        Phase.WAITING,
        "Progressing - waiting for rollout spec update to be observed",
        "waiting for the controller to see the change");
    // Healthy from before the restart: the controller has not replaced the pods yet.
    expect(
        RolloutStatus.of(
            argo(argoStatus("2", "Healthy", 3, "2026-11-30T10:00:00Z", null)), 2, ASKED),
        Phase.WAITING,
        "Healthy",
        "restarting pods: 3 of 3 ready");
    expect(
        RolloutStatus.of(
            argo(argoStatus("2", "Progressing", 2, null, "more replicas need to be updated")),
            2,
            ASKED),
        Phase.WAITING,
        "Progressing - more replicas need to be updated",
        "restarting pods: 2 of 3 ready");
    expect(
        RolloutStatus.of(argo(argoStatus("2", "Progressing", 2, ASKED, null)), 2, ASKED),
        Phase.WAITING,
        "Progressing",
        "Progressing: 2 of 3 pods available");
    expect(
        RolloutStatus.of(argo(argoStatus("2", "Healthy", 3, ASKED, null)), 2, ASKED),
        Phase.DONE,
        "Healthy",
        "restarted and healthy (3 pods)");
    expect(
        RolloutStatus.of(
            argo(argoStatus("2", "Healthy", 3, "2026-12-01T02:00:05Z", null)), 2, ASKED),
        Phase.DONE,
        "Healthy",
        "restarted and healthy (3 pods)");
  }

  @Test
  void argoRolloutThatIsDegradedOrAbortedHasFailedWithTheControllersMessage() {
    expect(
        RolloutStatus.of(
            argo(
                argoStatus(
                    "2",
                    "Degraded",
                    1,
                    null,
                    "ProgressDeadlineExceeded: ReplicaSet \"web-7c\" has timed out progressing.")),
            2,
            ASKED),
        Phase.FAILED,
        "Degraded - ProgressDeadlineExceeded: ReplicaSet \"web-7c\" has timed out progressing.",
        "degraded: ProgressDeadlineExceeded: ReplicaSet \"web-7c\" has timed out progressing.");
    Map<String, Object> aborted =
        argoStatus(
            "2", "Degraded", 3, null, "RolloutAborted: Rollout aborted update to revision 3");
    aborted.put("abort", true);
    expect(
        RolloutStatus.of(argo(aborted), 2, ASKED),
        Phase.FAILED,
        "Degraded - RolloutAborted: Rollout aborted update to revision 3",
        "aborted: RolloutAborted: Rollout aborted update to revision 3");
  }

  @Test
  void argoRolloutWhoseObservedGenerationIsNotANumberIsJudgedByItsRestart() {
    expect(
        RolloutStatus.of(argo(argoStatus("6d4f8b9c7", "Healthy", 3, ASKED, null)), 2, ASKED),
        Phase.DONE,
        "Healthy",
        "restarted and healthy (3 pods)");
  }
}
