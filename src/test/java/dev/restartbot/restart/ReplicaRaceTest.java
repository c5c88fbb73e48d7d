package dev.restartbot.restart;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.restartbot.audit.AuditLog;
import dev.restartbot.policy.Actor;
import dev.restartbot.policy.GroupMembership;
import dev.restartbot.policy.Policy;
import dev.restartbot.policy.PolicyConfig;
import dev.restartbot.policy.Rule;
import dev.restartbot.policy.Target;
import dev.restartbot.policy.WorkloadKind;
import dev.restartbot.testing.TestConfig;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two replicas, each with its own client, store and lease, handle the same Approve click at the
 * same moment: exactly one restart, every time.
 */
@EnableKubernetesMockClient(crud = true)
class ReplicaRaceTest {

  static final int ROUNDS = 20;

  KubernetesClient client;
  KubernetesMockServer server;

  private final List<KubernetesClient> clients = new ArrayList<>();

  private static final RestartConfig SETTINGS =
      TestConfig.mapping(
          RestartConfig.class,
          Map.of(
              "restart.rollout.wait", "false",
              "restart.store", "kubernetes",
              "restart.store-namespace", "bot"));

  private static final PolicyConfig POLICY_CONFIG =
      TestConfig.mapping(PolicyConfig.class, Map.of("restart.default-namespace", "test"));

  private RequestLifecycle replica(String identity) {
    KubernetesClient own =
        new KubernetesClientBuilder().withConfig(client.getConfiguration()).build();
    clients.add(own);
    ObjectMapper json = new ObjectMapper();
    Clock clock = Clock.systemUTC();
    RequestStore store = new ConfigMapRequestStore(own, "bot", json);
    AuditTrail audit = new AuditTrail(new AuditLog(json));
    WorkloadEvents kubeEvents = new WorkloadEvents(own, clock, Runnable::run);
    RequestEvents events =
        new RequestEvents(
            e -> {
              audit.record(e);
              kubeEvents.on(e);
            });
    Workloads workloads = new Workloads(own, json);
    RestartExecutor executor =
        new RestartExecutor(workloads, new RolloutWatch(own), store, events, SETTINGS, clock);
    Policy policy =
        new Policy(
            List.of(
                new Rule(
                    "test",
                    Map.of(WorkloadKind.DEPLOYMENT, List.of("race-*")),
                    List.of(),
                    List.of("U0LEAD", "U0LEAD2"),
                    List.of(),
                    Optional.empty())),
            true,
            false);
    return new RequestLifecycle(
        store,
        policy,
        POLICY_CONFIG,
        workloads,
        executor,
        events,
        // Runs start only where the test says: both replicas try, and only one may.
        new Sequences(run -> {}),
        new LeaseRunOwnership(own, "bot", identity, Duration.ofSeconds(30), clock),
        clock);
  }

  private RequestLifecycle a;
  private RequestLifecycle b;

  @BeforeEach
  void setUp() {
    a = replica("pod-a");
    b = replica("pod-b");
  }

  @AfterEach
  void tearDown() {
    clients.forEach(KubernetesClient::close);
  }

  private void seed(String name) {
    client
        .apps()
        .deployments()
        .inNamespace("test")
        .resource(
            new DeploymentBuilder()
                .withNewMetadata()
                .withName(name)
                .endMetadata()
                .withNewSpec()
                .withReplicas(1)
                .withNewTemplate()
                .endTemplate()
                .endSpec()
                .build())
        .create();
  }

  @Test
  void approvalsRacingOnTwoReplicasRestartExactlyOnce() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(2);
    List<RecordedRequest> seen = new ArrayList<>();
    for (int round = 0; round < ROUNDS; round++) {
      String name = "race-" + round;
      seed(name);
      var submitted =
          (SubmitResult.Submitted)
              a.submit(
                  new Submission(
                      Actor.member("U0REQ"),
                      "alice",
                      "C1",
                      List.of(new Target(WorkloadKind.DEPLOYMENT, "test", name)),
                      Optional.empty()),
                  GroupMembership.NONE);
      String id = submitted.request().id();
      a.messagePlaced(id, "1.1");
      CountDownLatch go = new CountDownLatch(1);
      List<Future<Boolean>> ran = new ArrayList<>();
      for (RequestLifecycle replica : List.of(a, b)) {
        String approver = replica == a ? "U0LEAD" : "U0LEAD2";
        ran.add(
            pool.submit(
                () -> {
                  go.await();
                  replica.approve(
                      id, "C1", "1.1", Actor.member(approver), approver, GroupMembership.NONE);
                  // Both replicas try to run it, whichever click won: only one may.
                  return replica.run(id).isPresent();
                }));
      }
      go.countDown();
      int executions = 0;
      for (Future<Boolean> f : ran) {
        executions += f.get(30, TimeUnit.SECONDS) ? 1 : 0;
      }
      assertThat(executions).as("round %d: executions", round).isEqualTo(1);

      RecordedRequest r;
      while ((r = server.takeRequest(1, TimeUnit.MILLISECONDS)) != null) {
        seen.add(r);
      }
      String path = "/apis/apps/v1/namespaces/test/deployments/" + name;
      assertThat(
              seen.stream()
                  .filter(x -> "PATCH".equals(x.getMethod()) && x.getPath().startsWith(path + "?"))
                  .filter(x -> x.getHeader("Content-Type").startsWith("application/strategic"))
                  .count())
          .as("round %d: restart patches of %s", round, name)
          .isEqualTo(1);
      seen.clear();
      assertThat(a.find(id).orElseThrow().state()).isEqualTo(RequestState.DONE);
    }
    pool.shutdown();
    System.out.printf("replica race: %d rounds, one restart each%n", ROUNDS);
  }
}
