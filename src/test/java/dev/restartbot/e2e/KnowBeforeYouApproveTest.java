package dev.restartbot.e2e;

import static dev.restartbot.e2e.SlackFlowHarness.LEAD;
import static dev.restartbot.e2e.SlackFlowHarness.LEAD2;
import static dev.restartbot.e2e.SlackFlowHarness.OPS;
import static dev.restartbot.e2e.SlackFlowHarness.REQUESTER;
import static dev.restartbot.e2e.SlackFlowHarness.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.restartbot.audit.AuditAction;
import dev.restartbot.audit.AuditLog;
import dev.restartbot.audit.AuditRecord;
import dev.restartbot.restart.RequestState;
import dev.restartbot.restart.RequestStore;
import dev.restartbot.restart.RestartRequest;
import dev.restartbot.testing.FakeSlackApi;
import dev.restartbot.testing.FakeSlackResource;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceQuota;
import io.fabric8.kubernetes.api.model.ResourceQuotaBuilder;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What an approver learns before clicking (DESIGN.md §7.2, §7.3): the dry run of the restart patch,
 * the risk lines and the GitOps owner on the approval message, an approval bound to the generations
 * it was shown, and requests that need two distinct approvers.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
@QuarkusTestResource(FakeSlackResource.class)
class KnowBeforeYouApproveTest {

  @KubernetesTestServer KubernetesServer server;
  @Inject RequestStore store;
  @Inject AuditLog audit;

  private SlackFlowHarness flow;
  private FakeSlackApi slack;
  private KubeRequests kube;
  private final ObjectMapper json = new ObjectMapper();
  private final List<AuditRecord> records = new CopyOnWriteArrayList<>();
  private final Consumer<AuditRecord> recorder = records::add;

  @BeforeEach
  void setUp() throws InterruptedException {
    flow = new SlackFlowHarness(server, store);
    slack = flow.slack;
    slack.reset();
    kube = new KubeRequests(server);
    kube.reset();
    audit.addListener(recorder);
  }

  @AfterEach
  void tearDown() {
    audit.removeListener(recorder);
  }

  @Test
  void dryRunSendsTheRestartPatchWithDryRunAllAndTheSameBodyAndWritesNothing() throws Exception {
    var seeded = flow.seedDeployment("payments-dry");
    // Answered here rather than by the CRUD store, which would consume the body it records.
    server
        .expect()
        .patch()
        .withPath("/apis/apps/v1/namespaces/test/deployments/payments-dry?fieldManager=restart-bot")
        .andReturn(200, seeded)
        .once();
    RestartRequest request = flow.requested(REQUESTER, "payments-dry", "payments-dry");

    List<RecordedRequest> dryRuns = kube.dryRuns("deployments", "payments-dry");
    assertThat(dryRuns).hasSize(1);
    RecordedRequest dryRun = dryRuns.get(0);
    assertThat(dryRun.getPath())
        .isEqualTo(
            "/apis/apps/v1/namespaces/test/deployments/payments-dry?fieldManager=restart-bot&dryRun=All");
    assertThat(dryRun.getHeader("Content-Type"))
        .startsWith("application/strategic-merge-patch+json");
    assertThat(kube.patches("deployments", "payments-dry")).as("nothing written").isEmpty();
    assertThat(flow.restartedAt("payments-dry")).isNull();

    flow.click(LEAD, request, "restart_approve");
    flow.awaitState(request.id(), RequestState.DONE);

    RecordedRequest patch = kube.patches("deployments", "payments-dry").get(0);
    assertThat(patch.getHeader("Content-Type")).isEqualTo(dryRun.getHeader("Content-Type"));
    JsonNode real = annotations(patch);
    JsonNode dry = annotations(dryRun);
    assertThat(fieldNames(dry)).isEqualTo(fieldNames(real));
    // Only the moment and the approver, unknown before approval, differ.
    for (String same : List.of("restart-bot/request", "restart-bot/requested-by")) {
      assertThat(dry.get(same)).as(same).isEqualTo(real.get(same));
    }
    assertThat(real.get("restart-bot/approved-by").asText()).isEqualTo(LEAD);
  }

  @Test
  void dryRunDeniedByAnAdmissionWebhookRefusesTheCommandWithTheServersMessage() throws Exception {
    refuseDryRun(
        "payments-webhook",
        403,
        "Forbidden",
        "admission webhook \"policy.example.com\" denied the request: restarts are frozen");
    flow.seedDeployment("payments-webhook");

    var ack = flow.command(REQUESTER, OPS, "payments-webhook");

    assertThat(ack.statusCode()).isEqualTo(200);
    assertThat(ack.asString())
        .contains("payments-webhook")
        .contains("dry run, HTTP 403")
        .contains("denied the request: restarts are frozen")
        .doesNotContain("submitted");
    assertThat(flow.requestsFor("payments-webhook")).as("no request created").isEmpty();
    assertThat(kube.patches("deployments", "payments-webhook")).isEmpty();
    assertThat(slack.calls("chat.postMessage")).isEmpty();
    assertThat(records)
        .anyMatch(r -> r.action() == AuditAction.REFUSED && "dry_run_refused".equals(r.outcome()));
  }

  @Test
  void dryRunFindingTheObjectInvalidRefusesTheCommandWithTheServersMessage() throws Exception {
    refuseDryRun(
        "payments-invalid",
        422,
        "Invalid",
        "Deployment.apps \"payments-invalid\" is invalid: spec.template.spec.containers[0].image:"
            + " Required value");
    flow.seedDeployment("payments-invalid");

    var ack = flow.command(REQUESTER, OPS, "payments-invalid");

    assertThat(ack.asString())
        .contains("dry run, HTTP 422")
        .contains("is invalid: spec.template.spec.containers[0].image: Required value")
        .doesNotContain("submitted");
    assertThat(flow.requestsFor("payments-invalid")).isEmpty();
    assertThat(kube.patches("deployments", "payments-invalid")).isEmpty();
  }

  @Test
  void aHealthyDeploymentOfThreeHasNoRiskLine() throws Exception {
    seed("payments-healthy", d -> d);

    assertThat(approvalBlocks("payments-healthy"))
        .contains("3/3 ready")
        .doesNotContain(":warning:")
        .doesNotContain(":information_source:");
  }

  @Test
  void recreateStrategyIsARisk() throws Exception {
    seed(
        "payments-recreate",
        d -> d.editSpec().withNewStrategy().withType("Recreate").endStrategy().endSpec());

    assertThat(approvalBlocks("payments-recreate"))
        .contains(":warning: Strategy `Recreate`: every pod stops before the new ones start.");
  }

  @Test
  void oneReplicaWithoutSurgeHasNoSparePod() throws Exception {
    seed(
        "payments-single",
        d ->
            replicas(d, 1)
                .editSpec()
                .withNewStrategy()
                .withType("RollingUpdate")
                .withNewRollingUpdate()
                .withMaxSurge(new IntOrString(0))
                .withMaxUnavailable(new IntOrString(1))
                .endRollingUpdate()
                .endStrategy()
                .endSpec());

    assertThat(approvalBlocks("payments-single"))
        .contains(":warning: No spare pod")
        .doesNotContain("Not healthy");
  }

  @Test
  void fewerReadyThanDesiredIsNotHealthy() throws Exception {
    seed("payments-sick", d -> d.editStatus().withReadyReplicas(1).endStatus());

    assertThat(approvalBlocks("payments-sick"))
        .contains(":warning: Not healthy now: 1/3 ready; restarting may take down the rest.");
  }

  @Test
  void aRolloutAlreadyUnderWayIsARisk() throws Exception {
    seed("payments-rolling", d -> d.editStatus().withUpdatedReplicas(1).endStatus());

    assertThat(approvalBlocks("payments-rolling"))
        .contains(":warning: A rollout is already in progress.");
  }

  @Test
  void aQuotaWithoutRoomForTheSurgeIsARisk() throws Exception {
    ResourceQuota quota =
        new ResourceQuotaBuilder()
            .withNewMetadata()
            .withName("compute")
            .withNamespace("test")
            .endMetadata()
            .withNewSpec()
            .addToHard("requests.cpu", new Quantity("2"))
            .addToHard("requests.memory", new Quantity("8Gi"))
            .endSpec()
            .withNewStatus()
            .addToHard("requests.cpu", new Quantity("2"))
            .addToHard("requests.memory", new Quantity("8Gi"))
            .addToUsed("requests.cpu", new Quantity("1800m"))
            .addToUsed("requests.memory", new Quantity("3Gi"))
            .endStatus()
            .build();
    server.getClient().resourceQuotas().inNamespace("test").resource(quota).create();
    try {
      seed("payments-quota", d -> requests(d, "500m", "1Gi"));

      // 3 replicas, maxSurge 25% rounds up to 1 pod: 500m of the 200m left.
      assertThat(approvalBlocks("payments-quota"))
          .contains(
              ":warning: ResourceQuota `compute` has no room for the surge: it needs 500m of"
                  + " `requests.cpu`, 200m left; the rollout would stall.");
    } finally {
      server.getClient().resourceQuotas().inNamespace("test").withName("compute").delete();
    }
  }

  @Test
  void quotasThatCannotBeReadAreSaidToBeSkippedAndTheRequestGoesOn() throws Exception {
    server
        .expect()
        .get()
        .withPath("/api/v1/namespaces/test/resourcequotas")
        .andReturn(
            403,
            new StatusBuilder()
                .withStatus("Failure")
                .withReason("Forbidden")
                .withCode(403)
                .withMessage(
                    "resourcequotas is forbidden: User \"system:serviceaccount:restart-bot:restart-bot\" cannot list resource")
                .build())
        .once();
    seed("payments-noquota", d -> d);

    assertThat(approvalBlocks("payments-noquota"))
        .contains(":warning: Quota check skipped: I could not read the namespace's ResourceQuotas")
        .contains("cannot list resource");
  }

  @Test
  void aWorkloadManagedByArgoCdNamesItsApp() throws Exception {
    seed(
        "payments-argo",
        d -> d.editMetadata().addToLabels("argocd.argoproj.io/instance", "payments").endMetadata());

    assertThat(approvalBlocks("payments-argo"))
        .contains(
            ":information_source: Managed by Argo CD app `payments`: Git, not this restart,"
                + " defines what runs.")
        .doesNotContain(":warning:");
  }

  @Test
  void aTargetChangedBetweenRequestAndApprovalEndsTheRequestOutdated() throws Exception {
    flow.seedDeployment("payments-moved");
    RestartRequest request = flow.requested(REQUESTER, "payments-moved", "payments-moved");
    long before = flow.deployment("payments-moved").getMetadata().getGeneration();
    assertThat(request.asked().generations()).containsValue(before);

    // Someone deploys a new image while the request waits.
    server
        .getClient()
        .apps()
        .deployments()
        .inNamespace("test")
        .withName("payments-moved")
        .edit(
            d ->
                new DeploymentBuilder(d)
                    .editSpec()
                    .editTemplate()
                    .editSpec()
                    .editFirstContainer()
                    .withImage("registry.example/payments-moved:2.0")
                    .endContainer()
                    .endSpec()
                    .endTemplate()
                    .endSpec()
                    .build());
    long after = flow.deployment("payments-moved").getMetadata().getGeneration();
    assertThat(after).isGreaterThan(before);
    kube.reset(); // what follows is the bot's

    flow.click(LEAD, request, "restart_approve");

    flow.awaitState(request.id(), RequestState.OUTDATED);
    assertThat(kube.patches("deployments", "payments-moved")).as("nothing restarted").isEmpty();
    assertThat(flow.restartedAt("payments-moved")).isNull();
    flow.awaitMessageUpdate(request, "Outdated");
    String ts = request.messageTs().orElseThrow();
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(String.join("\n", slack.threadNow(ts)))
                    .contains(
                        "`deployment/payments-moved` in `test` changed since the request"
                            + " (generation %d, now %d): nothing was restarted"
                                .formatted(before, after))
                    .contains("ask again with /restart"));
    assertThat(records)
        .anyMatch(
            r ->
                r.action() == AuditAction.OUTDATED
                    && r.requestId().equals(request.id())
                    && r.detail().contains("generation %d, now %d".formatted(before, after)));
  }

  @Test
  void twoApprovalsAreCountedOnceEachAndTheSecondStartsTheRestart() throws Exception {
    flow.seedDeployment("duo-api");
    RestartRequest request = flow.requested(REQUESTER, "duo-api", "duo-api");
    assertThat(request.approvalsNeeded()).isEqualTo(2);
    assertThat(approvalBlocksOf(request)).contains("1 of 2 approvals; the restart starts at 2.");

    flow.click(LEAD, request, "restart_approve");
    var counted = flow.awaitMessageUpdate(request, "1 of 2 approvals: <@" + LEAD + ">");
    String blocks = json.readTree(counted.params().get("blocks")).toString();
    assertThat(blocks)
        .contains("restart_approve")
        .contains("2 of 2: this approval starts the restart.");
    assertThat(store.find(request.id()).orElseThrow().state()).isEqualTo(RequestState.PENDING);

    flow.click(LEAD, request, "restart_approve");
    assertThat(flow.awaitEphemeral(LEAD).params().get("text")).contains("You already approved");
    assertThat(store.find(request.id()).orElseThrow().approvals()).hasSize(1);
    assertThat(flow.restartedAt("duo-api")).isNull();

    flow.click(LEAD2, request, "restart_approve");
    RestartRequest done = flow.awaitState(request.id(), RequestState.DONE);
    assertThat(done.approvals()).extracting(a -> a.by().id()).containsExactly(LEAD, LEAD2);
    assertThat(flow.deployment("duo-api").getSpec().getTemplate().getMetadata().getAnnotations())
        .containsEntry("restart-bot/approved-by", LEAD + "," + LEAD2);
    flow.awaitMessageUpdate(request, "Approved by <@" + LEAD + ">, <@" + LEAD2 + ">");
    assertThat(records)
        .anyMatch(
            r ->
                r.action() == AuditAction.APPROVAL_COUNTED
                    && r.actor().equals(LEAD)
                    && r.detail().equals("1 of 2 approvals"))
        .anyMatch(
            r ->
                r.action() == AuditAction.APPROVED
                    && r.actor().equals(LEAD2)
                    && r.detail().equals("2 of 2 approvals"));
  }

  @Test
  void twoApproversClickingAtOnceBothCountAndTheRestartRunsOnce() throws Exception {
    flow.seedDeployment("duo-race");
    RestartRequest request = flow.requested(REQUESTER, "duo-race", "duo-race");
    ExecutorService pool = Executors.newFixedThreadPool(2);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<Integer>> clicks =
        List.of(LEAD, LEAD2).stream()
            .map(
                who ->
                    pool.submit(
                        () -> {
                          go.await();
                          return flow.click(who, request, "restart_approve").statusCode();
                        }))
            .toList();
    go.countDown();
    for (Future<Integer> click : clicks) {
      assertThat(click.get(30, TimeUnit.SECONDS)).isEqualTo(200);
    }
    pool.shutdown();

    RestartRequest done = flow.awaitState(request.id(), RequestState.DONE);
    assertThat(done.approvals())
        .extracting(a -> a.by().id())
        .containsExactlyInAnyOrder(LEAD, LEAD2);
    assertThat(
            kube.patches("deployments", "duo-race").stream()
                .filter(p -> p.getHeader("Content-Type").startsWith("application/strategic"))
                .count())
        .isEqualTo(1);
  }

  @Test
  void aDenyAfterOneOfTwoApprovalsEndsTheRequest() throws Exception {
    flow.seedDeployment("duo-deny");
    RestartRequest request = flow.requested(REQUESTER, "duo-deny", "duo-deny");

    flow.click(LEAD, request, "restart_approve");
    flow.awaitMessageUpdate(request, "1 of 2 approvals");
    flow.click(LEAD2, request, "restart_deny");

    flow.awaitState(request.id(), RequestState.DENIED);
    assertThat(kube.patches("deployments", "duo-deny")).isEmpty();
  }

  @Test
  void aRulesApprovalTtlOverridesTheDefault() throws Exception {
    flow.seedDeployment("duo-ttl");
    flow.seedDeployment("payments-ttl");

    RestartRequest duo = flow.requested(REQUESTER, "duo-ttl", "duo-ttl");
    RestartRequest plain = flow.requested(REQUESTER, "payments-ttl", "payments-ttl");

    assertThat(Duration.between(duo.createdAt(), duo.expiresAt())).isEqualTo(Duration.ofHours(1));
    assertThat(Duration.between(plain.createdAt(), plain.expiresAt()))
        .isEqualTo(Duration.ofMinutes(15));
  }

  private void refuseDryRun(String name, int code, String reason, String message) {
    server
        .expect()
        .patch()
        .withPath(SlackFlowHarness.dryRunPath("test", name))
        .andReturn(
            code,
            new StatusBuilder()
                .withStatus("Failure")
                .withReason(reason)
                .withCode(code)
                .withMessage(message)
                .build())
        .always();
  }

  /** A Deployment of 3, healthy and rolled out, as {@code edit} then changes it. */
  private void seed(String name, UnaryOperator<DeploymentBuilder> edit) {
    Deployment healthy =
        new DeploymentBuilder()
            .withNewMetadata()
            .withName(name)
            .withNamespace("test")
            .endMetadata()
            .withNewSpec()
            .withReplicas(3)
            .withNewSelector()
            .addToMatchLabels("app", name)
            .endSelector()
            .withNewTemplate()
            .withNewMetadata()
            .addToLabels("app", name)
            .endMetadata()
            .withNewSpec()
            .addNewContainer()
            .withName("app")
            .withImage("registry.example/" + name + ":1.0")
            .endContainer()
            .endSpec()
            .endTemplate()
            .endSpec()
            .withNewStatus()
            .withObservedGeneration(1L)
            .withReplicas(3)
            .withReadyReplicas(3)
            .withAvailableReplicas(3)
            .withUpdatedReplicas(3)
            .endStatus()
            .build();
    Deployment seeded =
        server
            .getClient()
            .apps()
            .deployments()
            .inNamespace("test")
            .resource(edit.apply(new DeploymentBuilder(healthy)).build())
            .create();
    flow.acceptDryRuns("test", name, seeded);
  }

  private static DeploymentBuilder replicas(DeploymentBuilder d, int n) {
    return d.editSpec()
        .withReplicas(n)
        .endSpec()
        .editStatus()
        .withReplicas(n)
        .withReadyReplicas(n)
        .withAvailableReplicas(n)
        .withUpdatedReplicas(n)
        .endStatus();
  }

  private static DeploymentBuilder requests(DeploymentBuilder d, String cpu, String memory) {
    return d.editSpec()
        .editTemplate()
        .editSpec()
        .editFirstContainer()
        .withNewResources()
        .addToRequests(Map.of("cpu", new Quantity(cpu), "memory", new Quantity(memory)))
        .endResources()
        .endContainer()
        .endSpec()
        .endTemplate()
        .endSpec();
  }

  /** Asks for a restart of {@code name} and answers its approval message's blocks, as JSON. */
  private String approvalBlocks(String name) throws Exception {
    return approvalBlocksOf(flow.requested(REQUESTER, name, name));
  }

  private String approvalBlocksOf(RestartRequest request) throws Exception {
    FakeSlackApi.Call approval =
        slack.awaitCall(
            "chat.postMessage",
            c ->
                OPS.equals(c.params().get("channel"))
                    && c.params().getOrDefault("blocks", "").contains(request.id()),
            WAIT);
    return json.readTree(approval.params().get("blocks")).toString();
  }

  private JsonNode annotations(RecordedRequest patch) throws Exception {
    return json.readTree(patch.getUtf8Body()).at("/spec/template/metadata/annotations");
  }

  private static List<String> fieldNames(JsonNode node) {
    List<String> names = new java.util.ArrayList<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }
}
