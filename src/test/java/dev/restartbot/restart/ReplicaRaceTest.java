package dev.restartbot.restart;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.restartbot.audit.AuditLog;
import dev.restartbot.policy.Actor;
import dev.restartbot.policy.ConversationKind;
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
import java.util.concurrent.ScheduledExecutorService;
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
  private final ScheduledExecutorService renewals = Executors.newScheduledThreadPool(2);

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
    // Runs start only where the test says: both replicas try, and only one may.
    return replica(identity, new Sequences(run -> {}));
  }

  private RequestLifecycle replica(String identity, Sequences sequences) {
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
                    Optional.empty()),
                new Rule(
                    "test",
                    Map.of(WorkloadKind.DEPLOYMENT, List.of("duo-*")),
                    List.of(),
                    List.of("U0LEAD", "U0LEAD2", "U0LEAD3"),
                    List.of(),
                    Optional.empty(),
                    Optional.of(2),
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
        sequences,
        new LeaseRunOwnership(
            LeaseRunOwnership.LeaseApi.of(own, "bot"),
            "bot",
            identity,
            Duration.ofSeconds(30),
            clock,
            renewals,
            System::nanoTime),
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
    renewals.shutdownNow();
    clients.forEach(KubernetesClient::close);
  }

  private void seed(String name) {
    var seeded =
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
    // The mock stores a dry-run patch as if it were real; a real API server stores nothing.
    server
        .expect()
        .patch()
        .withPath(
            "/apis/apps/v1/namespaces/test/deployments/%s?fieldManager=restart-bot&dryRun=All"
                .formatted(name))
        .andReturn(200, seeded)
        .always();
  }

  private static boolean isRestartPatch(RecordedRequest r) {
    return "PATCH".equals(r.getMethod())
        && r.getHeader("Content-Type").startsWith("application/strategic")
        && !r.getPath().contains("dryRun=All");
  }

  @Test
  void aRunHandedBackOnShutdownIsResumedByExactlyOneOtherReplica() throws Exception {
    for (String name : List.of("race-hand-a", "race-hand-b")) {
      seed(name);
    }
    Sequences stopping = new Sequences(run -> {});
    RequestLifecycle leaving = replica("pod-leaving", stopping);
    List<Runnable> resumedOnB = new ArrayList<>();
    List<Runnable> resumedOnC = new ArrayList<>();
    RequestLifecycle b = replica("pod-b2", new Sequences(resumedOnB::add));
    RequestLifecycle c = replica("pod-c2", new Sequences(resumedOnC::add));
    var submitted =
        (SubmitResult.Submitted)
            leaving.submit(
                new Submission(
                    Actor.member("U0REQ"),
                    "alice",
                    "C1",
                    ConversationKind.PUBLIC_CHANNEL,
                    List.of(
                        new Target(WorkloadKind.DEPLOYMENT, "test", "race-hand-a"),
                        new Target(WorkloadKind.DEPLOYMENT, "test", "race-hand-b")),
                    Optional.empty()),
                GroupMembership.NONE);
    String id = submitted.request().id();
    leaving.messagePlaced(id, "1.1");
    leaving.approve(id, "C1", "1.1", Actor.member("U0LEAD"), "lead", GroupMembership.NONE);
    stopping.drain(Duration.ZERO); // SIGTERM: the run stops before its next target

    leaving.run(id);
    assertThat(leaving.find(id).orElseThrow().state())
        .as("handed back, still running")
        .isEqualTo(RequestState.RUNNING);

    b.sweep(Duration.ofDays(1));
    c.sweep(Duration.ofDays(1));
    List<Runnable> both = new ArrayList<>(resumedOnB);
    both.addAll(resumedOnC);
    assertThat(both).as("both replicas see the run handed back").hasSize(2);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    for (Future<?> f : both.stream().map(pool::submit).toList()) {
      f.get(30, TimeUnit.SECONDS);
    }
    pool.shutdown();

    RestartRequest done = b.find(id).orElseThrow();
    assertThat(done.state()).isEqualTo(RequestState.DONE);
    assertThat(done.results()).extracting(r -> r.outcome().code()).containsOnly("restarted");
    RecordedRequest r;
    int patches = 0;
    while ((r = server.takeRequest(1, TimeUnit.MILLISECONDS)) != null) {
      if (isRestartPatch(r) && r.getPath().matches(".*/deployments/race-hand-[ab]\\?.*")) {
        patches++;
      }
    }
    assertThat(patches).as("one restart per target").isEqualTo(2);
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
                      ConversationKind.PUBLIC_CHANNEL,
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
                  .filter(x -> isRestartPatch(x) && x.getPath().startsWith(path + "?"))
                  .count())
          .as("round %d: restart patches of %s", round, name)
          .isEqualTo(1);
      seen.clear();
      assertThat(a.find(id).orElseThrow().state()).isEqualTo(RequestState.DONE);
    }
    pool.shutdown();
    System.out.printf("replica race: %d rounds, one restart each%n", ROUNDS);
  }

  @Test
  void twoApproversAtOnceOnTwoReplicasBothCountAndStartA2Of2RequestExactlyOnce() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(2);
    for (int round = 0; round < ROUNDS / 2; round++) {
      String name = "duo-" + round;
      seed(name);
      var submitted =
          (SubmitResult.Submitted)
              a.submit(
                  new Submission(
                      Actor.member("U0REQ"),
                      "alice",
                      "C1",
                      ConversationKind.PUBLIC_CHANNEL,
                      List.of(new Target(WorkloadKind.DEPLOYMENT, "test", name)),
                      Optional.empty()),
                  GroupMembership.NONE);
      String id = submitted.request().id();
      assertThat(submitted.request().approvalsNeeded()).isEqualTo(2);
      a.messagePlaced(id, "1.1");
      CountDownLatch go = new CountDownLatch(1);
      List<Future<ClickResult>> clicks = new ArrayList<>();
      for (RequestLifecycle replica : List.of(a, b)) {
        String approver = replica == a ? "U0LEAD" : "U0LEAD2";
        clicks.add(
            pool.submit(
                () -> {
                  go.await();
                  return replica.approve(
                      id, "C1", "1.1", Actor.member(approver), approver, GroupMembership.NONE);
                }));
      }
      go.countDown();
      for (Future<ClickResult> click : clicks) {
        assertThat(click.get(30, TimeUnit.SECONDS))
            .as("round %d: each approval counts", round)
            .isInstanceOf(ClickResult.Accepted.class);
      }
      RestartRequest approved = a.find(id).orElseThrow();
      assertThat(approved.state()).as("round %d", round).isEqualTo(RequestState.APPROVED);
      assertThat(approved.approvals())
          .extracting(d -> d.by().id())
          .containsExactlyInAnyOrder("U0LEAD", "U0LEAD2");

      int executions = 0;
      for (Future<Boolean> f :
          List.of(
              pool.submit(() -> a.run(id).isPresent()), pool.submit(() -> b.run(id).isPresent()))) {
        executions += f.get(30, TimeUnit.SECONDS) ? 1 : 0;
      }
      assertThat(executions).as("round %d: executions", round).isEqualTo(1);
      RecordedRequest r;
      int patches = 0;
      while ((r = server.takeRequest(1, TimeUnit.MILLISECONDS)) != null) {
        if (isRestartPatch(r) && r.getPath().contains("/deployments/" + name + "?")) {
          patches++;
        }
      }
      assertThat(patches).as("round %d: restart patches", round).isEqualTo(1);
    }
    pool.shutdown();
  }
}
