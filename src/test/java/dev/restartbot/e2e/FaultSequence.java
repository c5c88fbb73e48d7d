package dev.restartbot.e2e;

import static dev.restartbot.e2e.SlackFlowHarness.LEAD;
import static dev.restartbot.e2e.SlackFlowHarness.REQUESTER;
import static dev.restartbot.e2e.SlackFlowHarness.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.restartbot.audit.AuditAction;
import dev.restartbot.audit.AuditLog;
import dev.restartbot.audit.AuditRecord;
import dev.restartbot.restart.RequestState;
import dev.restartbot.restart.RestartRequest;
import dev.restartbot.testing.FakeSlackApi;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.restassured.RestAssured;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A three-target request run to its end while the API server misbehaves, and what must hold
 * afterwards: the thread, the stored request and the audit log agree on every target, no workload
 * got two different {@code restartedAt} values, and the bot serves the next request.
 */
final class FaultSequence implements AutoCloseable {

  static final Pattern RESTARTED_AT =
      Pattern.compile("\"kubectl\\.kubernetes\\.io/restartedAt\":\"([^\"]+)\"");

  private final SlackFlowHarness flow;
  private final KubeRequests kube;
  private final FakeSlackApi slack;
  private final AuditLog audit;
  private final List<AuditRecord> records = new CopyOnWriteArrayList<>();
  private final Consumer<AuditRecord> recorder = records::add;

  /** Starts recording audit records; {@link #close()} stops. */
  FaultSequence(SlackFlowHarness flow, KubeRequests kube, AuditLog audit) {
    this.flow = flow;
    this.kube = kube;
    this.slack = flow.slack;
    this.audit = audit;
    audit.addListener(recorder);
  }

  /** The audit lines of request {@code id}, in order. */
  List<AuditRecord> records(String id) {
    return records.stream().filter(r -> r.requestId().equals(id)).toList();
  }

  /** The audit lines with each target's result of request {@code id}, in order. */
  List<AuditRecord> results(String id) {
    return records(id).stream().filter(r -> r.action() == AuditAction.RESULT).toList();
  }

  @Override
  public void close() {
    audit.removeListener(recorder);
  }

  String[] seed(String prefix) {
    String[] names = {prefix + "-a", prefix + "-b", prefix + "-c"};
    for (String name : names) {
      flow.seedDeployment(name);
    }
    return names;
  }

  /** Requests the targets, has the lead approve, and answers the request once it is done. */
  RestartRequest runApproved(String... names) {
    return approve(request(names));
  }

  /** Asks for the targets; answers the pending request once its approval message is posted. */
  RestartRequest request(String... names) {
    return flow.requested(REQUESTER, String.join(" ", names), names[0]);
  }

  /** Has the lead approve; answers the request once it is done and its summary posted. */
  RestartRequest approve(RestartRequest request) {
    flow.click(LEAD, request, "restart_approve").then().statusCode(200);
    RestartRequest done = flow.awaitState(request.id(), RequestState.DONE);
    awaitSummary(request);
    return done;
  }

  /** Waits for the summary, the last word in the thread, before the thread is read. */
  void awaitSummary(RestartRequest request) {
    slack.awaitCall(
        "chat.postMessage",
        c -> {
          String text = c.params().getOrDefault("text", "");
          return request.messageTs().orElseThrow().equals(c.params().get("thread_ts"))
              && (text.contains("Finished with failures") || text.contains("Done:"));
        },
        WAIT.multipliedBy(3));
  }

  void assertOutcomes(RestartRequest done, String... codes) {
    assertThat(done.results().stream().map(r -> r.outcome().code()).toList())
        .containsExactly(codes);
    assertAuditAgrees(done);
  }

  /** One audit line per target with the stored outcome, and the closing line. */
  void assertAuditAgrees(RestartRequest done) {
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
  void assertThread(RestartRequest done, String... words) {
    // A target's result is an edit of its reply, sent without holding the sequence up: it may
    // land just after the request is done.
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              List<String> thread = slack.threadNow(done.messageTs().orElseThrow());
              for (int i = 0; i < words.length; i++) {
                String name = done.targets().get(i).name();
                String word = words[i];
                assertThat(thread)
                    .as("thread of %s", done.id())
                    .anySatisfy(reply -> assertThat(reply).contains(name).contains(word));
              }
            });
  }

  /**
   * Every PATCH a workload received carried one and the same {@code restartedAt}, and it is the one
   * the workload has: retries repeat the same change, so at most one restart per workload. (The
   * mock's CRUD store consumes the bodies it applies; those show as the workload's value.)
   */
  void assertRestartedAtMostOnce(String... names) throws InterruptedException {
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
  void assertHealthyAndServing(String next) throws InterruptedException {
    RestAssured.given().get("/q/health/live").then().statusCode(200);
    RestAssured.given().get("/q/health/ready").then().statusCode(200);
    flow.seedDeployment(next);
    RestartRequest done = runApproved(next);
    assertThat(done.results())
        .singleElement()
        .satisfies(r -> assertThat(r.outcome().code()).isEqualTo("restarted"));
    assertThat(flow.restartedAt(next)).isNotNull();
  }

  static String objectPath(String name) {
    return "/apis/apps/v1/namespaces/test/deployments/" + name;
  }

  static String patchPath(String name) {
    return objectPath(name) + "?fieldManager=restart-bot";
  }

  static Status status(int code, String reason, String message) {
    return new StatusBuilder()
        .withStatus("Failure")
        .withCode(code)
        .withReason(reason)
        .withMessage(message)
        .build();
  }
}
