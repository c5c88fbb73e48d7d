package dev.restartbot.e2e;

import static dev.restartbot.e2e.SlackFlowHarness.LEAD;
import static dev.restartbot.e2e.SlackFlowHarness.REQUESTER;
import static dev.restartbot.e2e.SlackFlowHarness.WAIT;
import static org.assertj.core.api.Assertions.assertThat;

import dev.restartbot.audit.AuditAction;
import dev.restartbot.audit.AuditLog;
import dev.restartbot.audit.AuditRecord;
import dev.restartbot.restart.RequestState;
import dev.restartbot.restart.RequestStore;
import dev.restartbot.restart.RestartRequest;
import dev.restartbot.restart.TargetResult;
import dev.restartbot.testing.FakeSlackApi;
import dev.restartbot.testing.TcpProxy;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.restassured.RestAssured;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
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

  private static final Pattern RESTARTED_AT =
      Pattern.compile("\"kubectl\\.kubernetes\\.io/restartedAt\":\"([^\"]+)\"");

  /** One attempt and the client's three retries ({@code request-retry-backoff-limit=3}). */
  private static final int ATTEMPTS = 4;

  @KubernetesTestServer KubernetesServer server;
  TcpProxy proxy;
  @Inject RequestStore store;
  @Inject AuditLog audit;

  private SlackFlowHarness flow;
  private FakeSlackApi slack;
  private KubeRequests kube;
  private final List<AuditRecord> records = new CopyOnWriteArrayList<>();
  private final Consumer<AuditRecord> recorder = records::add;

  @BeforeEach
  void setUp() throws InterruptedException {
    proxy.accept();
    flow = new SlackFlowHarness(server.getClient(), store);
    slack = flow.slack;
    slack.reset();
    kube = new KubeRequests(server);
    kube.reset();
    audit.addListener(recorder);
  }

  @AfterEach
  void tearDown() {
    audit.removeListener(recorder);
    proxy.accept();
  }

  @Test
  void patchAnswering500IsRetriedThenReportedAsAnErrorAndTheRestIsSkipped() throws Exception {
    String[] names = seed("payments-f500");
    server
        .expect()
        .patch()
        .withPath(patchPath(names[1]))
        .andReturn(500, status(500, "InternalError", "etcdserver: leader changed"))
        .always();

    RestartRequest done = runApproved(names);

    assertOutcomes(done, "restarted", "error", "skipped");
    assertThat(done.results().get(1).outcome().detail()).contains("etcdserver: leader changed");
    assertThread(done, "restarted", "failed: etcdserver: leader changed", "skipped");
    // The client retried the patch, each time with the same timestamp: never a second restart.
    assertThat(kube.patches("deployments", names[1])).hasSize(ATTEMPTS);
    assertRestartedAtMostOnce(names);
    assertThat(flow.restartedAt(names[1])).isNull();
    assertThat(flow.restartedAt(names[2])).isNull();
    assertHealthyAndServing("payments-f500-next");
  }

  @Test
  void passing500sOnReadAndPatchAreRetriedAndEveryTargetRestartsOnce() throws Exception {
    String[] names = seed("payments-f500once");
    server
        .expect()
        .get()
        .withPath(objectPath(names[1]))
        .andReturn(500, status(500, "InternalError", "try again"))
        .once();
    server
        .expect()
        .patch()
        .withPath(patchPath(names[1]))
        .andReturn(503, status(503, "ServiceUnavailable", "apiserver is shutting down"))
        .once();

    RestartRequest done = runApproved(names);

    assertOutcomes(done, "restarted", "restarted", "restarted");
    assertThread(done, "restarted", "restarted", "restarted");
    assertThat(kube.patches("deployments", names[1]).size()).isGreaterThan(1);
    assertRestartedAtMostOnce(names);
    for (String name : names) {
      assertThat(flow.restartedAt(name)).isNotNull();
    }
    assertHealthyAndServing("payments-f500once-next");
  }

  @Test
  void patchAnswering429IsRetriedAfterTheServersPauseAndRestartsOnce() throws Exception {
    String[] names = seed("payments-f429");
    server
        .expect()
        .patch()
        .withPath(patchPath(names[1]))
        .andReturn(429, status(429, "TooManyRequests", "too many requests, please try again"))
        .withHeader("Retry-After", "1")
        .times(2);

    RestartRequest done = runApproved(names);

    assertOutcomes(done, "restarted", "restarted", "restarted");
    assertThat(kube.patches("deployments", names[1]).size()).isGreaterThan(2);
    assertRestartedAtMostOnce(names);
    assertThat(flow.restartedAt(names[1])).isNotNull();
    assertHealthyAndServing("payments-f429-next");
  }

  @Test
  void patchAnswering429UntilTheRetriesRunOutIsAnErrorAndTheRestIsSkipped() throws Exception {
    String[] names = seed("payments-f429x");
    server
        .expect()
        .patch()
        .withPath(patchPath(names[1]))
        .andReturn(429, status(429, "TooManyRequests", "too many requests, please try again"))
        .always();

    RestartRequest done = runApproved(names);

    assertOutcomes(done, "restarted", "error", "skipped");
    assertThat(kube.patches("deployments", names[1])).hasSize(ATTEMPTS);
    assertRestartedAtMostOnce(names);
    assertThat(flow.restartedAt(names[1])).isNull();
    assertHealthyAndServing("payments-f429x-next");
  }

  @Test
  void patchAnswering409IsReportedWithTheServersMessageAndNotRetried() throws Exception {
    String[] names = seed("payments-f409");
    server
        .expect()
        .patch()
        .withPath(patchPath(names[1]))
        .andReturn(409, status(409, "Conflict", "Operation cannot be fulfilled: try again"))
        .once();

    RestartRequest done = runApproved(names);

    assertOutcomes(done, "restarted", "error", "skipped");
    assertThat(done.results().get(1).outcome().detail()).contains("Operation cannot be fulfilled");
    assertThread(done, "restarted", "failed: Operation cannot be fulfilled", "skipped");
    // A conflict on someone else's object is not ours to resolve: one attempt, no retry.
    assertThat(kube.patches("deployments", names[1])).hasSize(1);
    assertRestartedAtMostOnce(names);
    assertHealthyAndServing("payments-f409-next");
  }

  @Test
  void patchLeftUnansweredIsCheckedAndSentAgainWithTheSameTimestamp() throws Exception {
    String[] names = seed("payments-fslow");
    server
        .expect()
        .patch()
        .delay(5, TimeUnit.SECONDS)
        .withPath(patchPath(names[1]))
        .andReturn(200, server.getClient().apps().deployments().withName(names[1]).get())
        .once();

    RestartRequest done = runApproved(names);

    // No answer within the request timeout; the workload shows no restart, so the same patch
    // goes again and the sequence carries on.
    assertOutcomes(done, "restarted", "restarted", "restarted");
    assertThat(kube.patches("deployments", names[1]).size()).isGreaterThan(1);
    assertRestartedAtMostOnce(names);
    assertThat(flow.restartedAt(names[1])).isNotNull();
    assertHealthyAndServing("payments-fslow-next");
  }

  @Test
  void patchAppliedButUnansweredIsFoundOnTheWorkloadAndNotSentAgain() throws Exception {
    String[] names = seed("payments-flost");
    server
        .expect()
        .patch()
        .delay(5, TimeUnit.SECONDS)
        .withPath(patchPath(names[1]))
        .andReply(
            200,
            patch -> {
              // The server applies the change, but its answer never reaches the bot in time.
              // (Applied from another thread: the mock answers on one event loop.)
              Matcher m = RESTARTED_AT.matcher(patch.getUtf8Body());
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

    RestartRequest done = runApproved(names);

    assertOutcomes(done, "restarted", "restarted", "restarted");
    assertThat(kube.patches("deployments", names[1])).hasSize(1);
    assertRestartedAtMostOnce(names);
    assertHealthyAndServing("payments-flost-next");
  }

  @Test
  void refusedConnectionsWhenTheSecondTargetIsDueFailItAndTheBotRecovers() throws Exception {
    String[] names = seed("payments-fdown");
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
      done = runApproved(names);
    } finally {
      audit.removeListener(cut);
    }

    assertOutcomes(done, "restarted", "error", "skipped");
    assertThat(done.results().get(1).outcome().detail()).containsIgnoringCase("refused");
    assertThread(done, "restarted", "failed:", "skipped");
    assertThat(kube.patches("deployments", names[1])).isEmpty();
    assertRestartedAtMostOnce(names);

    // Ready stays UP while the API server is away: its detail says so, the pod stays in service.
    RestAssured.given().get("/q/health/live").then().statusCode(200);
    RestAssured.given().get("/q/health/ready").then().statusCode(200);
    proxy.accept();
    assertHealthyAndServing("payments-fdown-next");
  }

  // ---- the sequence -------------------------------------------------------------------------

  private String[] seed(String prefix) {
    String[] names = {prefix + "-a", prefix + "-b", prefix + "-c"};
    for (String name : names) {
      flow.seedDeployment(name);
    }
    return names;
  }

  /** Requests the targets, has the lead approve, and answers the request once it is done. */
  private RestartRequest runApproved(String... names) {
    RestartRequest request = flow.requested(REQUESTER, String.join(" ", names), names[0]);
    flow.click(LEAD, request, "restart_approve").then().statusCode(200);
    RestartRequest done = flow.awaitState(request.id(), RequestState.DONE);
    // The summary is the last word in the thread; wait for it before reading the thread.
    slack.awaitCall(
        "chat.postMessage",
        c -> {
          String text = c.params().getOrDefault("text", "");
          return request.messageTs().orElseThrow().equals(c.params().get("thread_ts"))
              && (text.contains("Finished with failures") || text.contains("Done:"));
        },
        WAIT.multipliedBy(3));
    return done;
  }

  private void assertOutcomes(RestartRequest done, String... codes) {
    assertThat(done.results().stream().map(r -> r.outcome().code()).toList())
        .containsExactly(codes);
    assertAuditAgrees(done);
  }

  /** One audit line per target with the stored outcome, and the closing line. */
  private void assertAuditAgrees(RestartRequest done) {
    List<AuditRecord> mine = records.stream().filter(r -> r.requestId().equals(done.id())).toList();
    assertThat(
            mine.stream()
                .filter(r -> r.action() == AuditAction.RESULT)
                .map(r -> r.outcome())
                .toList())
        .containsExactlyElementsOf(done.results().stream().map(r -> r.outcome().code()).toList());
    assertThat(mine.stream().map(AuditRecord::action))
        .contains(AuditAction.APPROVED, AuditAction.STARTED, AuditAction.FINISHED);
  }

  /** Each target's reply, in order, says what happened to it; then the summary. */
  private void assertThread(RestartRequest done, String... words) {
    List<String> thread = slack.threadNow(done.messageTs().orElseThrow());
    List<TargetResult> results = done.results();
    for (int i = 0; i < words.length; i++) {
      String name = results.get(i).target().name();
      String word = words[i];
      assertThat(thread)
          .as("thread of %s", done.id())
          .anySatisfy(reply -> assertThat(reply).contains(name).contains(word));
    }
  }

  /**
   * Every PATCH a workload received carried one and the same {@code restartedAt}, and it is the one
   * the workload has: retries repeat the same change, so at most one restart per workload. (The
   * mock's CRUD store consumes the bodies it applies; those show as the workload's value.)
   */
  private void assertRestartedAtMostOnce(String... names) throws InterruptedException {
    for (String name : names) {
      Set<String> stamps =
          kube.patches("deployments", name).stream()
              .map(p -> RESTARTED_AT.matcher(String.valueOf(p.getUtf8Body())))
              .filter(Matcher::find)
              .map(m -> m.group(1))
              .collect(Collectors.toCollection(java.util.HashSet::new));
      String applied = flow.restartedAt(name);
      if (applied != null) {
        stamps.add(applied);
      }
      assertThat(stamps).as("restartedAt values sent to %s", name).hasSizeLessThanOrEqualTo(1);
    }
  }

  /** Live and ready answer UP, and a new one-target request restarts its target. */
  private void assertHealthyAndServing(String next) throws InterruptedException {
    RestAssured.given().get("/q/health/live").then().statusCode(200);
    RestAssured.given().get("/q/health/ready").then().statusCode(200);
    flow.seedDeployment(next);
    RestartRequest done = runApproved(next);
    assertThat(done.results())
        .singleElement()
        .satisfies(r -> assertThat(r.outcome().code()).isEqualTo("restarted"));
    assertThat(flow.restartedAt(next)).isNotNull();
  }

  private static String objectPath(String name) {
    return "/apis/apps/v1/namespaces/test/deployments/" + name;
  }

  private static String patchPath(String name) {
    return objectPath(name) + "?fieldManager=restart-bot";
  }

  private static Status status(int code, String reason, String message) {
    return new StatusBuilder()
        .withStatus("Failure")
        .withCode(code)
        .withReason(reason)
        .withMessage(message)
        .build();
  }
}
