package dev.restartbot.e2e;

import static dev.restartbot.e2e.SlackFlowHarness.LEAD;
import static dev.restartbot.e2e.SlackFlowHarness.OPS;
import static dev.restartbot.e2e.SlackFlowHarness.REQUESTER;
import static dev.restartbot.e2e.SlackFlowHarness.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.restartbot.restart.RequestState;
import dev.restartbot.restart.RequestStore;
import dev.restartbot.restart.RestartRequest;
import dev.restartbot.testing.FakeSlackApi;
import dev.restartbot.testing.FakeSlackResource;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Argo Rollouts restarted and followed to their end. The mock API server runs no Rollout
 * controller, so the test plays it by writing the Rollout's {@code status}; and it serves {@code
 * argoproj.io/v1alpha1} in discovery only once the Rollout CRD is known to it, as a cluster serves
 * it only once Argo Rollouts is installed. The first test runs before that.
 */
@QuarkusTest
@TestProfile(RolloutProfile.class)
@WithKubernetesTestServer(crud = true)
@QuarkusTestResource(FakeSlackResource.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ArgoRolloutFlowTest {

  static final CustomResourceDefinitionContext ROLLOUTS =
      new CustomResourceDefinitionContext.Builder()
          .withGroup("argoproj.io")
          .withVersion("v1alpha1")
          .withPlural("rollouts")
          .withKind("Rollout")
          .withScope("Namespaced")
          .withStatusSubresource(true)
          .build();

  @KubernetesTestServer KubernetesServer server;
  @Inject RequestStore store;

  private SlackFlowHarness flow;
  private FakeSlackApi slack;
  private KubeRequests kube;
  private KubernetesClient client;

  @BeforeEach
  void setUp() throws InterruptedException {
    client = server.getClient();
    flow = new SlackFlowHarness(server, store);
    slack = flow.slack;
    slack.reset();
    kube = new KubeRequests(server);
    kube.reset();
  }

  @Test
  @Order(1)
  void aClusterWithoutArgoRolloutsRefusesTheKindAndSaysWhy() throws Exception {
    Response ack = flow.command(REQUESTER, OPS, "ro/payments-canary");

    assertThat(ack.statusCode()).isEqualTo(200);
    assertThat(ack.asString())
        .contains("does not serve Argo Rollouts")
        .contains("argoproj.io/v1alpha1")
        .contains("rollout/payments-canary")
        .doesNotContain("submitted");
    assertThat(flow.requestsFor("payments-canary")).isEmpty();
    assertThat(kube.all())
        .extracting(RecordedRequest::getPath)
        .contains("/apis/argoproj.io/v1alpha1")
        .noneMatch(p -> p.contains("/rollouts/"));
  }

  @Test
  @Order(2)
  void anArgoRolloutRestartSetsRestartAtAndIsFollowedToHealthy() throws Exception {
    installArgoRollouts();
    seedRollout("payments-canary", 3);
    // The first Rollout the app reads costs it some class loading: on a busy machine the answer
    // may follow the ack instead of being in it; the request is the same.
    Response ack = flow.command(REQUESTER, OPS, "rollout/payments-canary --reason 'stale cache'");
    assertThat(ack.statusCode()).isEqualTo(200);
    RestartRequest request = flow.posted("payments-canary");
    assertThat(kube.all())
        .anyMatch(
            r ->
                "PATCH".equals(r.getMethod())
                    && KubeRequests.isDryRun(r)
                    && r.getPath().startsWith(rolloutPath("payments-canary")));
    assertThat(restartAt("payments-canary")).isNull();

    flow.click(LEAD, request, "restart_approve");

    await().atMost(WAIT).until(() -> restartAt("payments-canary") != null);
    GenericKubernetesResource patched = rollout("payments-canary").get();
    String restartAt = restartAt("payments-canary");
    // The attribution is on the Rollout itself: its pod template is left alone, since a change
    // there would start a second, full rollout.
    assertThat(patched.getMetadata().getAnnotations())
        .containsEntry("restart-bot/request", request.id())
        .containsEntry("restart-bot/requested-by", REQUESTER)
        .containsEntry("restart-bot/approved-by", LEAD);
    assertThat(templateAnnotations(patched)).isNull();
    RecordedRequest patch =
        kube.all().stream()
            .filter(r -> "PATCH".equals(r.getMethod()) && !KubeRequests.isDryRun(r))
            .filter(r -> r.getPath().startsWith(rolloutPath("payments-canary") + "?"))
            .findFirst()
            .orElseThrow();
    assertThat(patch.getHeader("Content-Type")).startsWith("application/merge-patch+json");
    assertThat(patch.getPath()).contains("fieldManager=restart-bot");

    long generation = patched.getMetadata().getGeneration();
    // The controller evicts the old pods one by one; the restart is not over while the status
    // says the restart has not reached the time asked, however healthy it looks.
    controller("payments-canary", generation, "Progressing", 3, 2, null, "");
    controller("payments-canary", generation, "Healthy", 3, 3, "2020-01-01T00:00:00Z", "");
    await()
        .atMost(WAIT)
        .until(
            () ->
                slack.threadNow(request.messageTs().orElseThrow()).stream()
                    .anyMatch(t -> t.contains("restarting pods")));
    assertThat(store.find(request.id()).orElseThrow().state()).isEqualTo(RequestState.RUNNING);

    controller("payments-canary", generation, "Healthy", 3, 3, restartAt, "");

    RestartRequest done = flow.awaitState(request.id(), RequestState.DONE);
    assertThat(done.results()).extracting(r -> r.outcome().code()).containsExactly("rolled_out");
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(slack.threadNow(request.messageTs().orElseThrow()))
                    .anyMatch(
                        t ->
                            t.contains("rollout/payments-canary")
                                && t.contains("restarted and healthy (3 pods)")));
    List<Event> events =
        client.v1().events().inNamespace("test").list().getItems().stream()
            .filter(e -> "payments-canary".equals(e.getInvolvedObject().getName()))
            .toList();
    assertThat(events)
        .extracting(Event::getReason)
        .containsExactlyInAnyOrder("RestartRequested", "RolloutComplete");
    assertThat(events)
        .allSatisfy(
            e -> {
              assertThat(e.getInvolvedObject().getKind()).isEqualTo("Rollout");
              assertThat(e.getInvolvedObject().getApiVersion()).isEqualTo("argoproj.io/v1alpha1");
            });
  }

  @Test
  @Order(3)
  void aDegradedRolloutIsReportedAsFailedWithTheControllersMessage() throws Exception {
    installArgoRollouts();
    seedRollout("payments-degraded", 2);
    RestartRequest request = flow.requested(REQUESTER, "ro/payments-degraded", "payments-degraded");
    flow.click(LEAD, request, "restart_approve");
    await().atMost(WAIT).until(() -> restartAt("payments-degraded") != null);
    long generation = rollout("payments-degraded").get().getMetadata().getGeneration();

    controller(
        "payments-degraded",
        generation,
        "Degraded",
        2,
        1,
        null,
        "ProgressDeadlineExceeded: ReplicaSet \"payments-degraded-7c\" has timed out progressing.");

    RestartRequest done = flow.awaitState(request.id(), RequestState.DONE);
    assertThat(done.results().get(0).outcome().code()).isEqualTo("rollout_failed");
    assertThat(done.results().get(0).outcome().detail()).contains("has timed out progressing");
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(slack.threadNow(request.messageTs().orElseThrow()))
                    .anyMatch(
                        t ->
                            t.contains("rollout failed")
                                && t.contains("has timed out progressing")
                                && t.contains("kubectl argo rollouts get rollout")));
  }

  @Test
  @Order(4)
  void anAbortedRolloutIsAFailure() throws Exception {
    installArgoRollouts();
    seedRollout("payments-aborted", 2);
    RestartRequest request = flow.requested(REQUESTER, "ro/payments-aborted", "payments-aborted");
    flow.click(LEAD, request, "restart_approve");
    await().atMost(WAIT).until(() -> restartAt("payments-aborted") != null);
    long generation = rollout("payments-aborted").get().getMetadata().getGeneration();

    rollout("payments-aborted")
        .editStatus(
            r -> {
              Map<String, Object> status = status(generation, "Progressing", 2, 1, null, "");
              status.put("abort", true);
              status.put("message", "RolloutAborted: Rollout aborted update to revision 4");
              r.setAdditionalProperty("status", status);
              return r;
            });

    RestartRequest done = flow.awaitState(request.id(), RequestState.DONE);
    assertThat(done.results().get(0).outcome().code()).isEqualTo("rollout_failed");
    assertThat(done.results().get(0).outcome().detail())
        .isEqualTo("aborted: RolloutAborted: Rollout aborted update to revision 4");
  }

  /** What installing Argo Rollouts does to discovery: the API server serves its group. */
  private void installArgoRollouts() {
    server.getKubernetesMockServer().expectCustomResource(ROLLOUTS);
  }

  private Resource<GenericKubernetesResource> rollout(String name) {
    return client.genericKubernetesResources(ROLLOUTS).inNamespace("test").withName(name);
  }

  private static String rolloutPath(String name) {
    return "/apis/argoproj.io/v1alpha1/namespaces/test/rollouts/" + name;
  }

  private String restartAt(String name) {
    GenericKubernetesResource r = rollout(name).get();
    return r == null ? null : r.get("spec", "restartAt");
  }

  private static Object templateAnnotations(GenericKubernetesResource r) {
    return r.get("spec", "template", "metadata", "annotations");
  }

  private void seedRollout(String name, int replicas) {
    GenericKubernetesResource seeded =
        client
            .genericKubernetesResources(ROLLOUTS)
            .inNamespace("test")
            .resource(
                new GenericKubernetesResourceBuilder()
                    .withApiVersion("argoproj.io/v1alpha1")
                    .withKind("Rollout")
                    .withNewMetadata()
                    .withName(name)
                    .withNamespace("test")
                    .endMetadata()
                    .addToAdditionalProperties(
                        "spec",
                        Map.of(
                            "replicas",
                            replicas,
                            "selector",
                            Map.of("matchLabels", Map.of("app", name)),
                            "strategy",
                            Map.of("canary", Map.of("steps", List.of(Map.of("setWeight", 20)))),
                            "template",
                            Map.of(
                                "metadata",
                                Map.of("labels", Map.of("app", name)),
                                "spec",
                                Map.of(
                                    "containers",
                                    List.of(
                                        Map.of(
                                            "name",
                                            "app",
                                            "image",
                                            "registry.example/" + name + ":1.0"))))))
                    .build())
            .create();
    rollout(name)
        .editStatus(
            r -> {
              r.setAdditionalProperty(
                  "status",
                  status(
                      seeded.getMetadata().getGeneration(),
                      "Healthy",
                      replicas,
                      replicas,
                      null,
                      ""));
              return r;
            });
    // The mock stores a dry-run patch as if it were real: answer it as a real server does.
    server
        .expect()
        .patch()
        .withPath(rolloutPath(name) + "?fieldManager=restart-bot&dryRun=All")
        .andReturn(200, rollout(name).get())
        .always();
  }

  /** Plays the Rollout controller: writes where the restart of {@code name} stands. */
  private void controller(
      String name,
      long generation,
      String phase,
      int replicas,
      int available,
      String restartedAt,
      String message) {
    rollout(name)
        .editStatus(
            r -> {
              Map<String, Object> status =
                  status(generation, phase, replicas, available, restartedAt, message);
              r.setAdditionalProperty("status", status);
              return r;
            });
  }

  private static Map<String, Object> status(
      long generation,
      String phase,
      int replicas,
      int available,
      String restartedAt,
      String message) {
    Map<String, Object> status = new HashMap<>();
    status.put("observedGeneration", Long.toString(generation));
    status.put("phase", phase);
    status.put("replicas", replicas);
    status.put("updatedReplicas", replicas);
    status.put("readyReplicas", available);
    status.put("availableReplicas", available);
    if (restartedAt != null) {
      status.put("restartedAt", restartedAt);
    }
    if (!message.isEmpty()) {
      status.put("message", message);
    }
    return status;
  }
}
