package dev.restartbot.e2e;

import static dev.restartbot.e2e.SlackFlowHarness.OPS;
import static dev.restartbot.e2e.SlackFlowHarness.REQUESTER;
import static dev.restartbot.e2e.SlackFlowHarness.WAIT;
import static org.assertj.core.api.Assertions.assertThat;

import dev.restartbot.audit.AuditAction;
import dev.restartbot.audit.AuditLog;
import dev.restartbot.audit.AuditRecord;
import dev.restartbot.restart.RequestStore;
import dev.restartbot.restart.RestartRequest;
import dev.restartbot.testing.TcpProxy;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.restassured.RestAssured;
import jakarta.inject.Inject;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The API server failing in the middle of a three-target sequence: answering 500, 409 or 429, not
 * answering in time, or refusing connections while the second target is due. Each time the thread,
 * the stored request and the audit log agree on every target's outcome, a retried patch carries the
 * same {@code restartedAt} (so it restarts nothing twice), and the bot is healthy and serves the
 * next request afterwards.
 */
@QuarkusTest
@TestProfile(ApiServerFaultProfile.class)
class ApiServerFaultTest {

  /** One attempt and the client's three retries ({@code request-retry-backoff-limit=3}). */
  private static final int ATTEMPTS = 4;

  @KubernetesTestServer KubernetesServer server;
  TcpProxy proxy;
  @Inject RequestStore store;
  @Inject AuditLog audit;

  private SlackFlowHarness flow;
  private KubeRequests kube;
  private FaultSequence sequence;

  @BeforeEach
  void setUp() throws InterruptedException {
    proxy.accept();
    flow = new SlackFlowHarness(server, store);
    flow.slack.reset();
    kube = new KubeRequests(server);
    kube.reset();
    sequence = new FaultSequence(flow, kube, audit);
  }

  @AfterEach
  void tearDown() {
    sequence.close();
    proxy.accept();
  }

  @Test
  void patchAnswering500IsRetriedThenReportedAsAnErrorAndTheRestIsSkipped() throws Exception {
    String[] names = sequence.seed("payments-f500");
    server
        .expect()
        .patch()
        .withPath(FaultSequence.patchPath(names[1]))
        .andReturn(500, FaultSequence.status(500, "InternalError", "etcdserver: leader changed"))
        .always();

    RestartRequest done = sequence.runApproved(names);

    sequence.assertOutcomes(done, "restarted", "error", "skipped");
    assertThat(done.results().get(1).outcome().detail()).contains("etcdserver: leader changed");
    sequence.assertThread(done, "restarted", "failed: etcdserver: leader changed", "skipped");
    // The client retried the patch, each time with the same timestamp: never a second restart.
    assertThat(kube.patches("deployments", names[1])).hasSize(ATTEMPTS);
    sequence.assertRestartedAtMostOnce(names);
    assertThat(flow.restartedAt(names[1])).isNull();
    assertThat(flow.restartedAt(names[2])).isNull();
    sequence.assertHealthyAndServing("payments-f500-next");
  }

  @Test
  void passing500sOnReadAndPatchAreRetriedAndEveryTargetRestartsOnce() throws Exception {
    String[] names = sequence.seed("payments-f500once");
    server
        .expect()
        .get()
        .withPath(FaultSequence.objectPath(names[1]))
        .andReturn(500, FaultSequence.status(500, "InternalError", "try again"))
        .once();
    server
        .expect()
        .patch()
        .withPath(FaultSequence.patchPath(names[1]))
        .andReturn(
            503, FaultSequence.status(503, "ServiceUnavailable", "apiserver is shutting down"))
        .once();

    RestartRequest done = sequence.runApproved(names);

    sequence.assertOutcomes(done, "restarted", "restarted", "restarted");
    sequence.assertThread(done, "restarted", "restarted", "restarted");
    assertThat(kube.patches("deployments", names[1]).size()).isGreaterThan(1);
    sequence.assertRestartedAtMostOnce(names);
    for (String name : names) {
      assertThat(flow.restartedAt(name)).isNotNull();
    }
    sequence.assertHealthyAndServing("payments-f500once-next");
  }

  @Test
  void patchAnswering429IsRetriedAfterTheServersPauseAndRestartsOnce() throws Exception {
    String[] names = sequence.seed("payments-f429");
    server
        .expect()
        .patch()
        .withPath(FaultSequence.patchPath(names[1]))
        .andReturn(
            429,
            FaultSequence.status(429, "TooManyRequests", "too many requests, please try again"))
        .withHeader("Retry-After", "1")
        .times(2);

    RestartRequest done = sequence.runApproved(names);

    sequence.assertOutcomes(done, "restarted", "restarted", "restarted");
    assertThat(kube.patches("deployments", names[1]).size()).isGreaterThan(2);
    sequence.assertRestartedAtMostOnce(names);
    assertThat(flow.restartedAt(names[1])).isNotNull();
    sequence.assertHealthyAndServing("payments-f429-next");
  }

  @Test
  void patchAnswering429UntilTheRetriesRunOutIsAnErrorAndTheRestIsSkipped() throws Exception {
    String[] names = sequence.seed("payments-f429x");
    server
        .expect()
        .patch()
        .withPath(FaultSequence.patchPath(names[1]))
        .andReturn(
            429,
            FaultSequence.status(429, "TooManyRequests", "too many requests, please try again"))
        .always();

    RestartRequest done = sequence.runApproved(names);

    sequence.assertOutcomes(done, "restarted", "error", "skipped");
    assertThat(kube.patches("deployments", names[1])).hasSize(ATTEMPTS);
    sequence.assertRestartedAtMostOnce(names);
    assertThat(flow.restartedAt(names[1])).isNull();
    sequence.assertHealthyAndServing("payments-f429x-next");
  }

  @Test
  void patchAnswering409IsReportedWithTheServersMessageAndNotRetried() throws Exception {
    String[] names = sequence.seed("payments-f409");
    server
        .expect()
        .patch()
        .withPath(FaultSequence.patchPath(names[1]))
        .andReturn(
            409, FaultSequence.status(409, "Conflict", "Operation cannot be fulfilled: try again"))
        .once();

    RestartRequest done = sequence.runApproved(names);

    sequence.assertOutcomes(done, "restarted", "error", "skipped");
    assertThat(done.results().get(1).outcome().detail()).contains("Operation cannot be fulfilled");
    sequence.assertThread(done, "restarted", "failed: Operation cannot be fulfilled", "skipped");
    // A conflict on someone else's object is not ours to resolve: one attempt, no retry.
    assertThat(kube.patches("deployments", names[1])).hasSize(1);
    sequence.assertRestartedAtMostOnce(names);
    sequence.assertHealthyAndServing("payments-f409-next");
  }

  @Test
  void patchLeftUnansweredIsCheckedAndSentAgainWithTheSameTimestamp() throws Exception {
    String[] names = sequence.seed("payments-fslow");
    server
        .expect()
        .patch()
        .delay(5, TimeUnit.SECONDS)
        .withPath(FaultSequence.patchPath(names[1]))
        .andReturn(200, server.getClient().apps().deployments().withName(names[1]).get())
        .once();

    RestartRequest done = sequence.runApproved(names);

    // No answer within the request timeout; the workload shows no restart, so the same patch
    // goes again and the sequence carries on.
    sequence.assertOutcomes(done, "restarted", "restarted", "restarted");
    assertThat(kube.patches("deployments", names[1]).size()).isGreaterThan(1);
    sequence.assertRestartedAtMostOnce(names);
    assertThat(flow.restartedAt(names[1])).isNotNull();
    sequence.assertHealthyAndServing("payments-fslow-next");
  }

  @Test
  void patchAppliedButUnansweredIsFoundOnTheWorkloadAndNotSentAgain() throws Exception {
    String[] names = sequence.seed("payments-flost");
    server
        .expect()
        .patch()
        .delay(5, TimeUnit.SECONDS)
        .withPath(FaultSequence.patchPath(names[1]))
        .andReply(
            200,
            patch -> {
              // The server applies the change, but its answer never reaches the bot in time.
              // (Applied from another thread: the mock answers on one event loop.)
              Matcher m = FaultSequence.RESTARTED_AT.matcher(patch.getUtf8Body());
              assertThat(m.find()).isTrue();
              String stamp = m.group(1);
              CompletableFuture.runAsync(
                  () -> {
                    var d = server.getClient().apps().deployments().withName(names[1]).get();
                    d.getSpec()
                        .getTemplate()
                        .getMetadata()
                        .setAnnotations(Map.of("kubectl.kubernetes.io/restartedAt", stamp));
                    server.getClient().resource(d).update();
                  });
              return null;
            })
        .once();

    RestartRequest done = sequence.runApproved(names);

    sequence.assertOutcomes(done, "restarted", "restarted", "restarted");
    assertThat(kube.patches("deployments", names[1])).hasSize(1);
    sequence.assertRestartedAtMostOnce(names);
    sequence.assertHealthyAndServing("payments-flost-next");
  }

  @Test
  void readsLeftUnansweredAreAskedAgainWhenAskingAndWhenRestarting() throws Exception {
    String[] names = sequence.seed("payments-fslowread");
    Deployment slow = flow.deployment(names[1]);
    kube.reset();
    slowRead(slow);
    // The read at request time outlasts the ack budget: the answer comes by the response URL.
    assertThat(flow.command(REQUESTER, OPS, String.join(" ", names)).asString())
        .contains("Checking your request");
    flow.slack.awaitCall(
        "response_url", c -> c.params().getOrDefault("text", "").contains("submitted"), WAIT);
    RestartRequest request = flow.posted(names[0]);
    slowRead(slow);

    RestartRequest done = sequence.approve(request);

    sequence.assertOutcomes(done, "restarted", "restarted", "restarted");
    // Two reads each time, the one that got no answer and the one asked again: when asking,
    // and when the approval reads the targets again to compare their generations. Plus the
    // restart's own read. The patches (the dry run's when asking, the restart's; each a strategic
    // merge, refused 415 by the mock, then a merge patch) go on a stand-in, so that fabric8
    // reads nothing more.
    assertThat(kube.all())
        .filteredOn(r -> r.getMethod().equals("GET"))
        .filteredOn(r -> r.getPath().equals(FaultSequence.objectPath(names[1])))
        .hasSize(2 + 2 + 1);
    sequence.assertRestartedAtMostOnce(names);
    assertThat(flow.restartedAt(names[1])).isNotNull();
    sequence.assertHealthyAndServing("payments-fslowread-next");
  }

  /** The next read of {@code workload} is answered only after the client's request timeout. */
  private void slowRead(Deployment workload) {
    server
        .expect()
        .get()
        .delay(5, TimeUnit.SECONDS)
        .withPath(FaultSequence.objectPath(workload.getMetadata().getName()))
        .andReturn(200, workload)
        .once();
  }

  @Test
  void refusedConnectionsWhenTheSecondTargetIsDueFailItAndTheBotRecovers() throws Exception {
    String[] names = sequence.seed("payments-fdown");
    // The first target's result is audited before the second starts: the server goes away then.
    Consumer<AuditRecord> cut =
        r -> {
          if (r.action() == AuditAction.RESULT && r.targets().get(0).endsWith("/" + names[0])) {
            proxy.refuse();
          }
        };
    audit.addListener(cut);
    RestartRequest done;
    try {
      done = sequence.runApproved(names);
    } finally {
      audit.removeListener(cut);
    }

    sequence.assertOutcomes(done, "restarted", "error", "skipped");
    assertThat(done.results().get(1).outcome().detail()).containsIgnoringCase("refused");
    sequence.assertThread(done, "restarted", "failed:", "skipped");
    assertThat(kube.patches("deployments", names[1])).isEmpty();
    sequence.assertRestartedAtMostOnce(names);

    // Ready stays UP while the API server is away: its detail says so, the pod stays in service.
    RestAssured.given().get("/q/health/live").then().statusCode(200);
    RestAssured.given().get("/q/health/ready").then().statusCode(200);
    proxy.accept();
    sequence.assertHealthyAndServing("payments-fdown-next");
  }
}
