package dev.restartbot.e2e;

import static dev.restartbot.e2e.ClusterStoreProfile.NAMESPACE;
import static dev.restartbot.e2e.SlackFlowHarness.LEAD;
import static dev.restartbot.e2e.SlackFlowHarness.OPS;
import static dev.restartbot.e2e.SlackFlowHarness.REQUESTER;
import static dev.restartbot.e2e.SlackFlowHarness.WAIT;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.restartbot.policy.Target;
import dev.restartbot.policy.WorkloadKind;
import dev.restartbot.restart.ConfigMapRequestStore;
import dev.restartbot.restart.Outcome;
import dev.restartbot.restart.RequestState;
import dev.restartbot.restart.RequestStore;
import dev.restartbot.restart.RequestSweep;
import dev.restartbot.restart.RestartRequest;
import dev.restartbot.restart.TargetResult;
import dev.restartbot.testing.FakeSlackApi;
import dev.restartbot.testing.FakeSlackResource;
import dev.restartbot.testing.RequestBuilder;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The flow with requests kept as ConfigMaps in the cluster. A second store, with a client of its
 * own, plays another replica (or this one before a restart).
 */
@QuarkusTest
@TestProfile(ClusterStoreProfile.class)
@WithKubernetesTestServer(crud = true)
@QuarkusTestResource(FakeSlackResource.class)
class ClusterStoreTest {

  @KubernetesTestServer KubernetesServer server;
  @Inject RequestStore store;
  @Inject RequestSweep sweep;

  private SlackFlowHarness flow;
  private FakeSlackApi slack;
  private KubeRequests kube;
  private KubernetesClient otherClient;
  private RequestStore otherReplica;

  @BeforeEach
  void setUp() throws InterruptedException {
    flow = new SlackFlowHarness(server, store);
    slack = flow.slack;
    slack.reset();
    kube = new KubeRequests(server);
    kube.reset();
    otherClient =
        new KubernetesClientBuilder().withConfig(server.getClient().getConfiguration()).build();
    otherReplica = new ConfigMapRequestStore(otherClient, NAMESPACE, new ObjectMapper());
  }

  @AfterEach
  void tearDown() {
    otherClient.close();
  }

  private RestartRequest request(
      String id, RequestState state, List<Target> targets, Instant created, String messageTs) {
    RequestBuilder b =
        RequestBuilder.request()
            .id(id)
            .requester(REQUESTER, "u0req")
            .channel(OPS)
            .targets(targets)
            .createdAt(created)
            .message(messageTs);
    return state == RequestState.PENDING
        ? b.build()
        : b.decided(state, LEAD, "u0lead", created).build();
  }

  private static Target deploy(String name) {
    return new Target(WorkloadKind.DEPLOYMENT, "test", name);
  }

  private ConfigMap configMap(String id) {
    return server
        .getClient()
        .configMaps()
        .inNamespace(NAMESPACE)
        .withName(ConfigMapRequestStore.configMapName(id))
        .get();
  }

  @Test
  void wholeFlowRunsWithRequestsKeptAsConfigMaps() throws Exception {
    flow.seedDeployment("payments-cm");
    RestartRequest request = flow.requested(REQUESTER, "payments-cm", "payments-cm");
    assertThat(configMap(request.id()).getMetadata().getLabels())
        .containsEntry("app.kubernetes.io/managed-by", "restart-bot")
        .containsEntry("restart-bot/state", "pending");

    flow.click(LEAD, request, "restart_approve");

    flow.awaitState(request.id(), RequestState.DONE);
    assertThat(flow.restartedAt("payments-cm")).isNotNull();
    assertThat(configMap(request.id()).getMetadata().getLabels())
        .containsEntry("restart-bot/state", "done");
    assertThat(otherReplica.find(request.id()).orElseThrow().results())
        .extracting(r -> r.outcome().code())
        .containsExactly("restarted");
    assertThat(
            server.getClient().leases().inNamespace(NAMESPACE).list().getItems().stream()
                .filter(l -> l.getMetadata().getName().endsWith(request.id())))
        .as("the run's lease is released when it ends")
        .isEmpty();
    String history = flow.command(LEAD, OPS, "history").jsonPath().getString("text");
    assertThat(history).contains("payments-cm", "done", "<@" + LEAD + ">");
  }

  @Test
  void pendingRequestWrittenByAnotherReplicaIsApprovedAndRunHere() throws Exception {
    flow.seedDeployment("payments-handover");
    RestartRequest written =
        request(
            "handover1",
            RequestState.PENDING,
            List.of(deploy("payments-handover")),
            Instant.now(),
            "1700000001.000001");
    assertThat(otherReplica.create(written)).isInstanceOf(RequestStore.CreateResult.Created.class);

    flow.click(LEAD, written, "restart_approve").then().statusCode(200);

    flow.awaitState("handover1", RequestState.DONE);
    assertThat(flow.restartedAt("payments-handover")).isNotNull();
    assertThat(kube.patches("deployments", "payments-handover")).isNotEmpty();
    slack.awaitCall(
        "chat.update",
        c ->
            "1700000001.000001".equals(c.params().get("ts"))
                && c.params().get("text").contains("Approved by <@" + LEAD + ">"),
        WAIT);
  }

  /**
   * The sweep's side: a run whose claim no replica renews is reported interrupted once its claim
   * has stayed unchanged for a whole duration on the sweeper's clock, and said once. (That a runner
   * taken for dead patches nothing more is RestartExecutorGuardTest's.)
   */
  @Test
  void runWhoseReplicaDiedIsMarkedInterruptedOnceItsClaimLapses() throws Exception {
    flow.seedDeployment("payments-dead-a");
    flow.seedDeployment("payments-dead-b");
    Instant twoMinutesAgo = Instant.now().minus(Duration.ofMinutes(2));
    RestartRequest running =
        request(
                "dead1",
                RequestState.RUNNING,
                List.of(deploy("payments-dead-a"), deploy("payments-dead-b")),
                twoMinutesAgo,
                "1700000002.000001")
            .withResult(
                new TargetResult(
                    deploy("payments-dead-a"),
                    new Outcome.Restarted("2026-11-26T10:00:00Z", 2, "uid"),
                    Duration.ofMillis(40)));
    otherReplica.create(running);

    sweep.sweep();
    assertThat(store.find("dead1").orElseThrow().state())
        .as("not watched for a claim duration yet")
        .isEqualTo(RequestState.RUNNING);
    Thread.sleep(2_100);
    sweep.sweep();

    RestartRequest after = store.find("dead1").orElseThrow();
    assertThat(after.state()).isEqualTo(RequestState.INTERRUPTED);
    var told =
        slack.awaitCall(
            "chat.postMessage", c -> "1700000002.000001".equals(c.params().get("thread_ts")), WAIT);
    assertThat(told.params().get("text"))
        .contains("stopped before it finished")
        .contains("Completed: `deployment/payments-dead-a`")
        .contains("payments-dead-b");
    sweep.sweep();
    assertThat(slack.threadReplies("1700000002.000001")).hasSize(1);
  }

  @Test
  void locksAndClaimsLeftBehindByACrashAreRemovedBySweep() throws Exception {
    // A creation that crashed after its lock, and a run whose lease outlived its request.
    otherReplica.create(
        request(
            "crashed1",
            RequestState.PENDING,
            List.of(deploy("payments-left")),
            Instant.now(),
            "1.9"));
    server
        .getClient()
        .configMaps()
        .inNamespace(NAMESPACE)
        .withName(ConfigMapRequestStore.configMapName("crashed1"))
        .delete();
    server
        .getClient()
        .leases()
        .inNamespace(NAMESPACE)
        .resource(
            new io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder()
                .withNewMetadata()
                .withName("restart-run-crashed1")
                .addToLabels("app.kubernetes.io/managed-by", "restart-bot")
                .addToLabels("restart-bot/request-id", "crashed1")
                .endMetadata()
                .withNewSpec()
                .withHolderIdentity("pod-gone")
                .withLeaseDurationSeconds(2)
                .endSpec()
                .build())
        .create();
    assertThat(locks()).isEqualTo(1);

    sweep.sweep();
    Thread.sleep(2_100);
    sweep.sweep();

    assertThat(locks()).as("the lock of a request that is gone").isZero();
    assertThat(
            server
                .getClient()
                .leases()
                .inNamespace(NAMESPACE)
                .withName("restart-run-crashed1")
                .get())
        .isNull();
  }

  private long locks() {
    return server
        .getClient()
        .configMaps()
        .inNamespace(NAMESPACE)
        .withLabel("restart-bot/lock")
        .list()
        .getItems()
        .size();
  }

  @Test
  void retentionDeletesOldFinishedRequestsAndKeepsRecentOnes() throws Exception {
    Instant longAgo = Instant.now().minus(Duration.ofDays(31));
    Instant yesterday = Instant.now().minus(Duration.ofDays(1));
    otherReplica.create(
        request("old1", RequestState.RUNNING, List.of(deploy("payments-old")), longAgo, "1.1")
            .finished(RequestState.DONE, longAgo));
    otherReplica.create(
        request(
                "recent1",
                RequestState.RUNNING,
                List.of(deploy("payments-recent")),
                yesterday,
                "1.2")
            .finished(RequestState.DONE, yesterday));
    otherReplica.create(
        request(
            "pendingold",
            RequestState.PENDING,
            List.of(deploy("payments-pending-old")),
            longAgo,
            "1.3"));

    sweep.sweep();

    assertThat(configMap("old1")).isNull();
    assertThat(configMap("recent1")).isNotNull();
    // Expired by this same sweep, and its expiry lies 31 days back: deleted with the old ones.
    assertThat(configMap("pendingold")).isNull();
  }
}
