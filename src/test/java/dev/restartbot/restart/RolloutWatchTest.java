package dev.restartbot.restart;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.restartbot.policy.Target;
import dev.restartbot.policy.WorkloadKind;
import dev.restartbot.testing.ManualScheduler;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentConditionBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Follows rollouts against the fabric8 mock API server; the test plays the controller by writing
 * {@code status}, as the mock runs none, and moves the deadline's clock by hand, so nothing times
 * out unless a test says so.
 */
@EnableKubernetesMockClient(crud = true)
class RolloutWatchTest {

  KubernetesClient client;
  KubernetesMockServer server;

  private Workloads workloads;
  private RolloutWatch watch;
  private final List<String> progress = new CopyOnWriteArrayList<>();
  private final ManualScheduler time = new ManualScheduler();

  @BeforeEach
  void setUp() {
    workloads = new Workloads(client, new ObjectMapper());
    watch = new RolloutWatch(client, time);
  }

  private Deployment deployment(String name, int replicas) {
    return client
        .apps()
        .deployments()
        .inNamespace("test")
        .resource(
            new DeploymentBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace("test")
                .endMetadata()
                .withNewSpec()
                .withReplicas(replicas)
                .withNewTemplate()
                .withNewSpec()
                .addNewContainer()
                .withName("app")
                .withImage("img:1")
                .endContainer()
                .endSpec()
                .endTemplate()
                .endSpec()
                .build())
        .create();
  }

  /** Writes a Deployment's status as its controller would. */
  private void deploymentStatus(
      String name, long observed, int replicas, int updated, int available) {
    client
        .apps()
        .deployments()
        .inNamespace("test")
        .withName(name)
        .editStatus(
            d ->
                new DeploymentBuilder(d)
                    .editOrNewStatus()
                    .withObservedGeneration(observed)
                    .withReplicas(replicas)
                    .withUpdatedReplicas(updated)
                    .withAvailableReplicas(available)
                    .withReadyReplicas(available)
                    .endStatus()
                    .build());
  }

  private Outcome.Restarted patch(Target target) {
    return (Outcome.Restarted)
        workloads.restart(
            target, "2026-11-26T10:00:00Z", new Workloads.Attribution("req1", "U1", "U2"));
  }

  private CompletableFuture<Outcome> follow(
      Target target, Outcome.Restarted patched, Duration timeout) {
    return CompletableFuture.supplyAsync(
        () ->
            watch.await(
                target,
                patched.restartedAt(),
                patched.generation(),
                timeout,
                s -> progress.add(s.summary())));
  }

  @Test
  void patchBumpsTheGenerationThatTheStatusMustCatchUpWith() {
    Deployment created = deployment("gen", 3);
    Outcome.Restarted patched = patch(new Target(WorkloadKind.DEPLOYMENT, "test", "gen"));

    assertThat(patched.generation()).isGreaterThan(orZero(created.getMetadata().getGeneration()));
  }

  @Test
  void successIsReportedOnlyAfterObservedGenerationCaughtUpAndEveryReplicaIsUpdatedAndAvailable()
      throws Exception {
    deployment("api", 3);
    Target target = new Target(WorkloadKind.DEPLOYMENT, "test", "api");
    Outcome.Restarted patched = patch(target);
    long g = patched.generation();
    CompletableFuture<Outcome> outcome = follow(target, patched, Duration.ofSeconds(10));

    // The controller has not seen the patch: the old status says all is well, and must be ignored.
    deploymentStatus("api", g - 1, 3, 3, 3);
    deploymentStatus("api", g, 3, 1, 3);
    await().atMost(Duration.ofSeconds(5)).until(() -> progress.contains("1 of 3 new pods updated"));
    deploymentStatus("api", g, 4, 3, 3);
    await().atMost(Duration.ofSeconds(5)).until(() -> progress.contains("1 old pod terminating"));
    deploymentStatus("api", g, 3, 3, 2);
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> progress.contains("2 of 3 new pods available"));
    assertThat(outcome).isNotDone();

    deploymentStatus("api", g, 3, 3, 3);

    assertThat(outcome.get(5, TimeUnit.SECONDS)).isInstanceOf(Outcome.RolledOut.class);
    assertThat(progress).doesNotContain("rolled out (3 pods)");
  }

  @Test
  void progressDeadlineExceededIsAFailedRollout() throws Exception {
    deployment("stuck", 2);
    Target target = new Target(WorkloadKind.DEPLOYMENT, "test", "stuck");
    Outcome.Restarted patched = patch(target);
    CompletableFuture<Outcome> outcome = follow(target, patched, Duration.ofSeconds(10));

    client
        .apps()
        .deployments()
        .inNamespace("test")
        .withName("stuck")
        .editStatus(
            d ->
                new DeploymentBuilder(d)
                    .editOrNewStatus()
                    .withObservedGeneration(patched.generation())
                    .withReplicas(3)
                    .withUpdatedReplicas(1)
                    .withConditions(
                        new DeploymentConditionBuilder()
                            .withType("Progressing")
                            .withStatus("False")
                            .withReason("ProgressDeadlineExceeded")
                            .withMessage("ReplicaSet \"stuck-7d9\" has timed out progressing.")
                            .build())
                    .endStatus()
                    .build());

    Outcome end = outcome.get(5, TimeUnit.SECONDS);
    assertThat(end).isInstanceOf(Outcome.RolloutFailed.class);
    assertThat(end.detail()).contains("progress deadline", "has timed out progressing");
  }

  @Test
  void noProgressTimesOutWithTheLastStatus() throws Exception {
    deployment("slow", 2);
    Target target = new Target(WorkloadKind.DEPLOYMENT, "test", "slow");
    Outcome.Restarted patched = patch(target);
    CompletableFuture<Outcome> outcome = follow(target, patched, Duration.ofMinutes(10));
    deploymentStatus("slow", patched.generation(), 2, 1, 2);
    await().atMost(Duration.ofSeconds(5)).until(() -> progress.contains("1 of 2 new pods updated"));

    time.advance(Duration.ofMinutes(10));

    Outcome end = outcome.get(5, TimeUnit.SECONDS);
    assertThat(end).isInstanceOf(Outcome.TimedOut.class);
    assertThat(((Outcome.TimedOut) end).lastStatus()).isEqualTo("1 of 2 new pods updated");
    assertThat(((Outcome.TimedOut) end).after()).isEqualTo(Duration.ofMinutes(10));
  }

  @Test
  void aRolloutIsFollowedUpToTheLastMomentOfItsTimeoutAndNotBeyond() throws Exception {
    deployment("edge", 2);
    Target target = new Target(WorkloadKind.DEPLOYMENT, "test", "edge");
    Outcome.Restarted patched = patch(target);
    CompletableFuture<Outcome> outcome = follow(target, patched, Duration.ofMinutes(10));
    await().atMost(Duration.ofSeconds(5)).until(() -> time.queued() == 1);

    time.advance(Duration.ofMinutes(10).minusNanos(1));
    // Reported only if the deadline has not been queued before it: the queue keeps order.
    deploymentStatus("edge", patched.generation(), 2, 1, 2);
    await().atMost(Duration.ofSeconds(5)).until(() -> progress.contains("1 of 2 new pods updated"));
    assertThat(outcome).isNotDone();

    time.advance(Duration.ofNanos(1));

    Outcome end = outcome.get(5, TimeUnit.SECONDS);
    assertThat(end).isInstanceOf(Outcome.TimedOut.class);
    assertThat(((Outcome.TimedOut) end).lastStatus()).isEqualTo("1 of 2 new pods updated");
  }

  @Test
  void theDeadlineTimerIsCancelledWhenTheRolloutEnds() throws Exception {
    deployment("quick", 1);
    Target target = new Target(WorkloadKind.DEPLOYMENT, "test", "quick");
    Outcome.Restarted patched = patch(target);
    CompletableFuture<Outcome> outcome = follow(target, patched, Duration.ofMinutes(10));
    await().atMost(Duration.ofSeconds(5)).until(() -> time.queued() == 1);

    deploymentStatus("quick", patched.generation(), 1, 1, 1);

    assertThat(outcome.get(5, TimeUnit.SECONDS)).isInstanceOf(Outcome.RolledOut.class);
    assertThat(time.queued()).isZero();
  }

  @Test
  void workloadDeletedDuringItsRolloutIsAFailure() throws Exception {
    deployment("doomed", 2);
    Target target = new Target(WorkloadKind.DEPLOYMENT, "test", "doomed");
    Outcome.Restarted patched = patch(target);
    CompletableFuture<Outcome> outcome = follow(target, patched, Duration.ofSeconds(10));
    deploymentStatus("doomed", patched.generation(), 2, 1, 2);
    await().atMost(Duration.ofSeconds(5)).until(() -> !progress.isEmpty());

    client.apps().deployments().inNamespace("test").withName("doomed").delete();

    Outcome end = outcome.get(5, TimeUnit.SECONDS);
    assertThat(end).isInstanceOf(Outcome.RolloutFailed.class);
    assertThat(end.detail()).contains("deleted");
  }

  @Test
  void statefulSetRollsOutWhenTheUpdateRevisionIsCurrent() throws Exception {
    client
        .apps()
        .statefulSets()
        .inNamespace("test")
        .resource(
            new StatefulSetBuilder()
                .withNewMetadata()
                .withName("db")
                .endMetadata()
                .withNewSpec()
                .withReplicas(2)
                .withNewTemplate()
                .withNewSpec()
                .addNewContainer()
                .withName("db")
                .withImage("db:1")
                .endContainer()
                .endSpec()
                .endTemplate()
                .endSpec()
                .build())
        .create();
    Target target = new Target(WorkloadKind.STATEFULSET, "test", "db");
    Outcome.Restarted patched = patch(target);
    CompletableFuture<Outcome> outcome = follow(target, patched, Duration.ofSeconds(10));

    statefulSetStatus(patched.generation(), 2, 1, "db-1", "db-2");
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> progress.contains("1 pods at the new revision"));
    statefulSetStatus(patched.generation(), 2, 2, "db-2", "db-2");

    Outcome end = outcome.get(5, TimeUnit.SECONDS);
    assertThat(end).isInstanceOf(Outcome.RolledOut.class);
    assertThat(end.detail()).contains("revision db-2");
  }

  private void statefulSetStatus(
      long observed, int ready, int updated, String current, String update) {
    client
        .apps()
        .statefulSets()
        .inNamespace("test")
        .withName("db")
        .editStatus(
            s ->
                new StatefulSetBuilder(s)
                    .editOrNewStatus()
                    .withObservedGeneration(observed)
                    .withReplicas(2)
                    .withReadyReplicas(ready)
                    .withUpdatedReplicas(updated)
                    .withCurrentReplicas(updated)
                    .withCurrentRevision(current)
                    .withUpdateRevision(update)
                    .endStatus()
                    .build());
  }

  @Test
  void onDeleteStatefulSetIsRestartedButNotWaitedFor() throws Exception {
    StatefulSet sts =
        new StatefulSetBuilder()
            .withNewMetadata()
            .withName("legacy")
            .endMetadata()
            .withNewSpec()
            .withReplicas(1)
            .withNewUpdateStrategy()
            .withType("OnDelete")
            .endUpdateStrategy()
            .withNewTemplate()
            .endTemplate()
            .endSpec()
            .build();
    client.apps().statefulSets().inNamespace("test").resource(sts).create();
    Target target = new Target(WorkloadKind.STATEFULSET, "test", "legacy");
    Outcome.Restarted patched = patch(target);

    Outcome end = follow(target, patched, Duration.ofSeconds(10)).get(5, TimeUnit.SECONDS);

    assertThat(end).isInstanceOf(Outcome.OnDelete.class);
    assertThat(end.detail()).contains("only when they are deleted");
  }

  @Test
  void daemonSetRollsOutWhenEveryScheduledPodIsUpdatedAndAvailable() throws Exception {
    DaemonSet ds =
        new DaemonSetBuilder()
            .withNewMetadata()
            .withName("agent")
            .endMetadata()
            .withNewSpec()
            .withNewTemplate()
            .withNewSpec()
            .addNewContainer()
            .withName("agent")
            .withImage("agent:1")
            .endContainer()
            .endSpec()
            .endTemplate()
            .endSpec()
            .build();
    client.apps().daemonSets().inNamespace("test").resource(ds).create();
    Target target = new Target(WorkloadKind.DAEMONSET, "test", "agent");
    Outcome.Restarted patched = patch(target);
    CompletableFuture<Outcome> outcome = follow(target, patched, Duration.ofSeconds(10));

    daemonSetStatus(patched.generation(), 3, 2, 3);
    await().atMost(Duration.ofSeconds(5)).until(() -> progress.contains("2 of 3 new pods updated"));
    daemonSetStatus(patched.generation(), 3, 3, 2);
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> progress.contains("2 of 3 new pods available"));
    daemonSetStatus(patched.generation(), 3, 3, 3);

    assertThat(outcome.get(5, TimeUnit.SECONDS)).isInstanceOf(Outcome.RolledOut.class);
  }

  private void daemonSetStatus(long observed, int desired, int updated, int available) {
    client
        .apps()
        .daemonSets()
        .inNamespace("test")
        .withName("agent")
        .editStatus(
            d ->
                new DaemonSetBuilder(d)
                    .editOrNewStatus()
                    .withObservedGeneration(observed)
                    .withDesiredNumberScheduled(desired)
                    .withUpdatedNumberScheduled(updated)
                    .withNumberAvailable(available)
                    .withNumberReady(available)
                    .endStatus()
                    .build());
  }

  private static long orZero(Long value) {
    return value == null ? 0 : value;
  }
}
