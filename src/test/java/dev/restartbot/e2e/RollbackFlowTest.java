package dev.restartbot.e2e;

import static dev.restartbot.e2e.SlackFlowHarness.LEAD;
import static dev.restartbot.e2e.SlackFlowHarness.OPS;
import static dev.restartbot.e2e.SlackFlowHarness.REQUESTER;
import static dev.restartbot.e2e.SlackFlowHarness.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.restartbot.restart.RequestAction;
import dev.restartbot.restart.RequestState;
import dev.restartbot.restart.RequestStore;
import dev.restartbot.restart.RestartRequest;
import dev.restartbot.testing.FakeSlackApi;
import dev.restartbot.testing.FakeSlackResource;
import dev.restartbot.testing.SlackRequests;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Roll back button on a failed restart: a new request, approved like a restart, that does what
 * {@code kubectl rollout undo} does. The mock runs no Deployment controller: the test writes the
 * ReplicaSets it would keep (one per revision) and the rollout's status.
 */
@QuarkusTest
@TestProfile(RolloutProfile.class)
@WithKubernetesTestServer(crud = true)
@QuarkusTestResource(FakeSlackResource.class)
class RollbackFlowTest {

  static final String STRANGER = "U0STRANGER";

  @KubernetesTestServer KubernetesServer server;
  @Inject RequestStore store;

  private SlackFlowHarness flow;
  private FakeSlackApi slack;
  private KubernetesClient client;

  @BeforeEach
  void setUp() {
    client = server.getClient();
    flow = new SlackFlowHarness(server, store);
    slack = flow.slack;
    slack.reset();
  }

  @Test
  void aFailedRestartOffersRollBackWhichAfterItsOwnApprovalRestoresThePreviousTemplate() {
    Deployment seeded = flow.seedDeployment("payments-undo");
    replicaSet(seeded, 1, seeded.getSpec().getTemplate());
    FailedRestart failed = failRestart("payments-undo");
    // The restart's own revision, as the controller would have made it before it got stuck.
    Deployment restarted = flow.deployment("payments-undo");
    replicaSet(restarted, 2, restarted.getSpec().getTemplate());
    assertThat(flow.restartedAt("payments-undo")).isNotNull();

    clickRollBack(REQUESTER, failed);

    RestartRequest rollback =
        await()
            .atMost(WAIT)
            .until(
                () ->
                    flow.requestsFor("payments-undo").stream()
                        .filter(RestartRequest::isRollback)
                        .filter(r -> r.messageTs().isPresent())
                        .findFirst()
                        .orElse(null),
                r -> r != null);
    assertThat(rollback.id()).isNotEqualTo(failed.request().id());
    assertThat(rollback.action()).isEqualTo(RequestAction.ROLLBACK);
    assertThat(rollback.requesterId()).isEqualTo(REQUESTER);
    assertThat(rollback.state()).isEqualTo(RequestState.PENDING);
    assertThat(slack.calls("chat.postMessage"))
        .anyMatch(
            c ->
                rollback.messageTs().get().equals(slack.tsOf(c))
                    && c.params().get("text").contains("asks to roll back")
                    && c.params().get("text").contains("deployment/payments-undo"));
    // Nothing changes before its own approval.
    assertThat(flow.restartedAt("payments-undo")).isNotNull();

    flow.click(LEAD, rollback, "restart_approve");

    await().atMost(WAIT).until(() -> flow.restartedAt("payments-undo") == null);
    PodTemplateSpec template = flow.deployment("payments-undo").getSpec().getTemplate();
    assertThat(template.getSpec().getContainers().get(0).getImage())
        .isEqualTo("registry.example/payments-undo:1.0");
    assertThat(template.getMetadata().getLabels()).doesNotContainKey("pod-template-hash");
    assertThat(template.getMetadata().getAnnotations())
        .containsEntry("restart-bot/request", rollback.id())
        .containsEntry("restart-bot/requested-by", REQUESTER)
        .containsEntry("restart-bot/approved-by", LEAD);

    // The controller rolls the restored revision out, and says it progressed again.
    long generation = flow.deployment("payments-undo").getMetadata().getGeneration();
    client
        .apps()
        .deployments()
        .inNamespace("test")
        .withName("payments-undo")
        .editStatus(
            d ->
                new DeploymentBuilder(d)
                    .editOrNewStatus()
                    .withObservedGeneration(generation)
                    .withReplicas(2)
                    .withUpdatedReplicas(2)
                    .withAvailableReplicas(2)
                    .withReadyReplicas(2)
                    .withConditions(
                        new io.fabric8.kubernetes.api.model.apps.DeploymentConditionBuilder()
                            .withType("Progressing")
                            .withStatus("True")
                            .withReason("NewReplicaSetAvailable")
                            .build())
                    .endStatus()
                    .build());
    RestartRequest done = flow.awaitState(rollback.id(), RequestState.DONE);
    assertThat(done.results()).extracting(r -> r.outcome().code()).containsExactly("rolled_out");
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(client.v1().events().inNamespace("test").list().getItems())
                    .anyMatch(
                        e ->
                            "payments-undo".equals(e.getInvolvedObject().getName())
                                && e.getMessage().startsWith("Request " + rollback.id())
                                && e.getMessage().contains("rollout undo")));
  }

  @Test
  void rollBackIsRefusedWithoutAPreviousRevisionAndToSomeoneThePolicyDoesNotAllow() {
    Deployment seeded = flow.seedDeployment("payments-undo-once");
    replicaSet(seeded, 1, seeded.getSpec().getTemplate());
    FailedRestart failed = failRestart("payments-undo-once");
    String restartedAt = flow.restartedAt("payments-undo-once");

    clickRollBack(STRANGER, failed);
    assertThat(flow.awaitEphemeral(STRANGER).params().get("text"))
        .contains("not allowed to request restarts of")
        .contains("payments-undo-once");

    clickRollBack(REQUESTER, failed);
    assertThat(flow.awaitEphemeral(REQUESTER).params().get("text"))
        .contains("has no revision before the current one")
        .contains("payments-undo-once");

    assertThat(flow.requestsFor("payments-undo-once")).noneMatch(RestartRequest::isRollback);
    assertThat(flow.restartedAt("payments-undo-once")).isEqualTo(restartedAt);
  }

  /** A restart whose rollout failed, and the thread reply that shows it. */
  private record FailedRestart(RestartRequest request, String replyTs) {}

  private FailedRestart failRestart(String name) {
    // On a busy machine the first command after the app starts may be answered after its ack
    // rather than in it; the request is the same.
    assertThat(flow.command(REQUESTER, OPS, name).statusCode()).isEqualTo(200);
    RestartRequest request = flow.posted(name);
    flow.click(LEAD, request, "restart_approve");
    await().atMost(WAIT).until(() -> flow.restartedAt(name) != null);
    long generation = flow.deployment(name).getMetadata().getGeneration();
    client
        .apps()
        .deployments()
        .inNamespace("test")
        .withName(name)
        .editStatus(
            d ->
                new DeploymentBuilder(d)
                    .editOrNewStatus()
                    .withObservedGeneration(generation)
                    .withReplicas(3)
                    .withUpdatedReplicas(1)
                    .addNewCondition()
                    .withType("Progressing")
                    .withStatus("False")
                    .withReason("ProgressDeadlineExceeded")
                    .withMessage("ReplicaSet \"" + name + "-2\" has timed out progressing.")
                    .endCondition()
                    .endStatus()
                    .build());
    RestartRequest done = flow.awaitState(request.id(), RequestState.DONE);
    assertThat(done.results().get(0).outcome().code()).isEqualTo("rollout_failed");
    String thread = request.messageTs().orElseThrow();
    // The failed result carries the Roll back button, whose value names the request and target.
    FakeSlackApi.Call withButton =
        slack.awaitCall(
            "chat.update",
            c ->
                c.params().get("text").contains("rollout failed")
                    && c.params().get("text").contains(name)
                    && c.params().getOrDefault("blocks", "").contains("restart_rollback")
                    && c.params().get("blocks").contains(request.id() + "/0"),
            WAIT);
    assertThat(
            slack.threadReplies(thread).stream()
                .map(slack::tsOf)
                .anyMatch(ts -> ts != null && ts.equals(withButton.params().get("ts"))))
        .isTrue();
    return new FailedRestart(request, withButton.params().get("ts"));
  }

  private void clickRollBack(String user, FailedRestart failed) {
    SlackRequests.post(
            SlackRequests.blockActionBody(
                user,
                OPS,
                failed.replyTs(),
                "restart_rollback",
                failed.request().id() + "/0",
                slack.responseUrl("click")))
        .then()
        .statusCode(200);
  }

  /** A ReplicaSet the Deployment owns, at {@code revision}, with the template it was made from. */
  private void replicaSet(Deployment owner, int revision, PodTemplateSpec template) {
    String hash = owner.getMetadata().getName().hashCode() + "x" + revision;
    PodTemplateSpec hashed =
        new PodTemplateSpecBuilder(template)
            .editOrNewMetadata()
            .addToLabels("pod-template-hash", hash)
            .endMetadata()
            .build();
    client
        .apps()
        .replicaSets()
        .inNamespace("test")
        .resource(
            new ReplicaSetBuilder()
                .withNewMetadata()
                .withName(owner.getMetadata().getName() + "-" + revision)
                .withNamespace("test")
                .withAnnotations(Map.of("deployment.kubernetes.io/revision", "" + revision))
                .addNewOwnerReference()
                .withApiVersion("apps/v1")
                .withKind("Deployment")
                .withName(owner.getMetadata().getName())
                .withUid(owner.getMetadata().getUid())
                .withController(true)
                .endOwnerReference()
                .endMetadata()
                .withNewSpec()
                .withReplicas(2)
                .withNewSelector()
                .withMatchLabels(Map.of("pod-template-hash", hash))
                .endSelector()
                .withTemplate(hashed)
                .endSpec()
                .build())
        .create();
    assertThat(client.apps().replicaSets().inNamespace("test").list().getItems())
        .extracting(rs -> rs.getMetadata().getName())
        .contains(owner.getMetadata().getName() + "-" + revision);
  }
}
