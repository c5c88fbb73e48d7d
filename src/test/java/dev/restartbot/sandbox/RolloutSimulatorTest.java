package dev.restartbot.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import dev.restartbot.restart.RolloutStatus;
import dev.restartbot.restart.RolloutStatus.Phase;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.Resource;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The simulated controllers, judged by the bot's own port of {@code kubectl rollout status}: a
 * restarted workload goes through waiting states to done, and a failing Deployment ends with its
 * progress deadline exceeded.
 */
class RolloutSimulatorTest {

  private static final Duration WAIT = Duration.ofSeconds(60);

  private static SandboxCluster cluster;
  private static RolloutSimulator simulator;
  private static KubernetesClient client;

  @BeforeAll
  static void start() {
    cluster = new SandboxCluster();
    // Faster steps than on the page; the sequence of states is the same.
    simulator = new RolloutSimulator(cluster, Duration.ofMillis(250));
    client = cluster.client();
  }

  @AfterAll
  static void stop() {
    simulator.stop();
    cluster.stop();
  }

  @Test
  void seededWorkloadsStartRolledOut() {
    // A cluster of its own: the other tests restart (and fail) the shared one's workloads.
    SandboxCluster fresh = new SandboxCluster();
    try {
      for (SandboxCluster.Workload w : SandboxCluster.SEED) {
        if (w.trait() == SandboxCluster.Trait.UNHEALTHY) {
          continue; // seeded with pods not ready, to show the warning
        }
        HasMetadata workload = resource(fresh.client(), w.namespace(), w.kind(), w.name()).get();
        assertThat(RolloutStatus.of(workload, 0).phase()).as(w.name()).isEqualTo(Phase.DONE);
      }
    } finally {
      fresh.stop();
    }
  }

  @Test
  void restartedDeploymentRollsOutThroughKubectlsWaitingStates() {
    List<String> seen = restartAndFollow("payments", "Deployment", "payments-worker");
    assertThat(seen).contains("0 of 2 new pods updated", "1 of 2 new pods updated");
    assertThat(seen).contains("1 old pod terminating", "1 of 2 new pods available");
    assertThat(seen.get(seen.size() - 1)).isEqualTo("rolled out (2 pods)");
  }

  @Test
  void restartedStatefulSetMovesToTheNewRevision() {
    List<String> seen = restartAndFollow("payments", "StatefulSet", "payments-db");
    assertThat(seen).contains("0 pods at the new revision", "2 of 3 pods ready");
    assertThat(seen.get(seen.size() - 1))
        .matches("rolled out \\(3 pods at revision payments-db-\\w+\\)");
  }

  @Test
  void restartedDaemonSetReplacesOneNodeAtATime() {
    List<String> seen = restartAndFollow("platform", "DaemonSet", "log-agent");
    assertThat(seen).contains("1 of 4 new pods updated", "3 of 4 new pods available");
    assertThat(seen.get(seen.size() - 1)).isEqualTo("rolled out (4 pods)");
  }

  @Test
  void failingDeploymentExceedsItsProgressDeadline() {
    List<String> seen = restartAndFollow("payments", "Deployment", "payments-reports");
    assertThat(seen).contains("1 of 2 new pods updated");
    assertThat(seen.get(seen.size() - 1))
        .startsWith("exceeded its progress deadline: ReplicaSet \"payments-reports-")
        .endsWith("has timed out progressing.");
  }

  @Test
  void deploymentsKeepAReplicaSetPerRevisionAndTheFailingOneHasAnEarlierRevision() {
    SandboxCluster fresh = new SandboxCluster();
    try {
      var owned =
          fresh.client().apps().replicaSets().inNamespace("payments").list().getItems().stream()
              .filter(rs -> rs.getMetadata().getName().startsWith("payments-reports-"))
              .map(rs -> rs.getMetadata().getAnnotations().get("deployment.kubernetes.io/revision"))
              .sorted()
              .toList();
      assertThat(owned).containsExactly("1", "2");
    } finally {
      fresh.stop();
    }
  }

  @Test
  void aFailingDeploymentRolledBackToARevisionItRanBeforeRollsOut() {
    List<String> failedFirst = restartAndFollow("payments", "Deployment", "payments-reports");
    assertThat(failedFirst.get(failedFirst.size() - 1))
        .startsWith("exceeded its progress deadline");
    var replicaSets =
        client.apps().replicaSets().inNamespace("payments").list().getItems().stream()
            .filter(rs -> rs.getMetadata().getName().startsWith("payments-reports-"))
            .toList();
    assertThat(replicaSets).hasSizeGreaterThanOrEqualTo(3);
    var earliest =
        replicaSets.stream()
            .filter(
                rs ->
                    "1"
                        .equals(
                            rs.getMetadata()
                                .getAnnotations()
                                .get("deployment.kubernetes.io/revision")))
            .findFirst()
            .orElseThrow();

    // What kubectl rollout undo --to-revision=1 writes: that revision's template, without its hash.
    var template = earliest.getSpec().getTemplate();
    template.getMetadata().getLabels().remove("pod-template-hash");
    var patched =
        client
            .apps()
            .deployments()
            .inNamespace("payments")
            .withName("payments-reports")
            .edit(
                d ->
                    new io.fabric8.kubernetes.api.model.apps.DeploymentBuilder(d)
                        .editSpec()
                        .withTemplate(template)
                        .endSpec()
                        .build());
    long generation = patched.getMetadata().getGeneration();
    await()
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(20))
        .until(
            () ->
                RolloutStatus.of(get("payments", "Deployment", "payments-reports"), generation)
                        .phase()
                    == Phase.DONE);
  }

  @Test
  void failingCanBeSwitchedOffAgain() {
    cluster.setFailing("platform", "ingress-gateway", true);
    assertThat(cluster.workloads())
        .filteredOn(w -> w.name().equals("ingress-gateway"))
        .extracting(SandboxCluster.WorkloadView::cluster, SandboxCluster.WorkloadView::failing)
        .as("only the default cluster's, where it was switched")
        .containsExactly(tuple("staging", true), tuple("prod", false));
    cluster.setFailing("platform", "ingress-gateway", false);
    List<String> seen = restartAndFollow("platform", "Deployment", "ingress-gateway");
    assertThat(seen.get(seen.size() - 1)).isEqualTo("rolled out (2 pods)");
    assertThat(cluster.setFailing("platform", "no-such-deployment", true)).isEmpty();
  }

  @Test
  void restartedArgoRolloutReplacesItsPodsAndIsHealthyOnceRestartedAtIsReached() {
    List<String> seen = restartRolloutAndFollow("payments-canary");
    assertThat(seen).contains("restarting pods: 2 of 3 ready", "restarting pods: 3 of 3 ready");
    assertThat(seen.get(seen.size() - 1)).isEqualTo("restarted and healthy (3 pods)");
  }

  @Test
  void failingArgoRolloutEndsDegradedWithTheControllersMessage() {
    List<String> seen = restartRolloutAndFollow("payments-preview");
    assertThat(seen.get(seen.size() - 1))
        .startsWith("degraded: ProgressDeadlineExceeded: ReplicaSet \"payments-preview-")
        .endsWith("has timed out progressing.");
  }

  /** Sets {@code spec.restartAt} as the bot does, and follows the Rollout as the bot does. */
  private List<String> restartRolloutAndFollow(String name) {
    String restartAt = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
    HasMetadata patched =
        resource("payments", "Rollout", name)
            .patch(
                io.fabric8.kubernetes.client.dsl.base.PatchContext.of(
                    io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE),
                json(Map.of("spec", Map.of("restartAt", restartAt))));
    long generation = patched.getMetadata().getGeneration();
    List<String> seen = new ArrayList<>();
    await()
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(20))
        .until(
            () -> {
              RolloutStatus status =
                  RolloutStatus.of(get("payments", "Rollout", name), generation, restartAt);
              if (seen.isEmpty() || !seen.get(seen.size() - 1).equals(status.summary())) {
                seen.add(status.summary());
              }
              return status.phase() != Phase.WAITING;
            });
    return seen;
  }

  /** Restarts as the bot does, then records each distinct status until it is no longer waiting. */
  private List<String> restartAndFollow(String namespace, String kind, String name) {
    HasMetadata before = get(namespace, kind, name);
    Map<String, Object> patch =
        Map.of(
            "spec",
            Map.of(
                "template",
                Map.of(
                    "metadata",
                    Map.of(
                        "annotations",
                        Map.of("kubectl.kubernetes.io/restartedAt", Instant.now().toString())))));
    HasMetadata patched =
        resource(namespace, kind, name)
            .patch(
                io.fabric8.kubernetes.client.dsl.base.PatchContext.of(
                    io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE),
                json(patch));
    long generation = patched.getMetadata().getGeneration();
    assertThat(generation).isGreaterThan(before.getMetadata().getGeneration());
    List<String> seen = new ArrayList<>();
    await()
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(20))
        .until(
            () -> {
              RolloutStatus status = RolloutStatus.of(get(namespace, kind, name), generation);
              if (seen.isEmpty() || !seen.get(seen.size() - 1).equals(status.summary())) {
                seen.add(status.summary());
              }
              return status.phase() != Phase.WAITING;
            });
    return seen;
  }

  private static String json(Object value) {
    try {
      return new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(value);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  @SuppressWarnings("unchecked")
  private static Resource<HasMetadata> resource(String namespace, String kind, String name) {
    return resource(client, namespace, kind, name);
  }

  @SuppressWarnings("unchecked")
  private static Resource<HasMetadata> resource(
      KubernetesClient client, String namespace, String kind, String name) {
    Object r =
        switch (kind) {
          case "Deployment" -> client.apps().deployments().inNamespace(namespace).withName(name);
          case "StatefulSet" -> client.apps().statefulSets().inNamespace(namespace).withName(name);
          case "DaemonSet" -> client.apps().daemonSets().inNamespace(namespace).withName(name);
          case "Rollout" ->
              client
                  .genericKubernetesResources(SandboxCluster.ARGO_ROLLOUTS)
                  .inNamespace(namespace)
                  .withName(name);
          default -> throw new IllegalArgumentException(kind);
        };
    return (Resource<HasMetadata>) r;
  }

  private static HasMetadata get(String namespace, String kind, String name) {
    return resource(namespace, kind, name).get();
  }
}
