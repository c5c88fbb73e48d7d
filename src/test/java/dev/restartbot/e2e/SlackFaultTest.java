package dev.restartbot.e2e;

import static dev.restartbot.e2e.SlackFlowHarness.LEAD;
import static dev.restartbot.e2e.SlackFlowHarness.OPS;
import static dev.restartbot.e2e.SlackFlowHarness.REQUESTER;
import static dev.restartbot.e2e.SlackFlowHarness.WAIT;
import static org.assertj.core.api.Assertions.assertThat;

import dev.restartbot.audit.AuditAction;
import dev.restartbot.audit.AuditLog;
import dev.restartbot.audit.AuditRecord;
import dev.restartbot.restart.RequestState;
import dev.restartbot.restart.RequestStore;
import dev.restartbot.restart.RestartRequest;
import dev.restartbot.testing.FakeSlackApi;
import dev.restartbot.testing.FakeSlackResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Slack failing while a request runs: 429 with Retry-After and 5xx are retried (a post only when
 * Slack surely did not take it), the audit log keeps every step whatever Slack does, nothing is
 * posted twice, and when a result cannot be posted at all the requester and the approver are told.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
@QuarkusTestResource(FakeSlackResource.class)
class SlackFaultTest {

  private static final String UNDELIVERED = "I could not post this in the thread of request";

  @KubernetesTestServer KubernetesServer server;
  @Inject RequestStore store;
  @Inject AuditLog audit;

  private SlackFlowHarness flow;
  private FakeSlackApi slack;
  private KubeRequests kube;
  private FaultSequence sequence;

  @BeforeEach
  void setUp() throws InterruptedException {
    flow = new SlackFlowHarness(server, store);
    slack = flow.slack;
    slack.reset();
    kube = new KubeRequests(server);
    kube.reset();
    sequence = new FaultSequence(flow, kube, audit);
  }

  @AfterEach
  void tearDown() {
    sequence.close();
    slack.reset();
  }

  @Test
  void threadRepliesRateLimitedWithRetryAfterArePostedAfterThePauseAndNothingIsLost()
      throws Exception {
    String[] names = {"payments-sl429-a", "payments-sl429-b"};
    RestartRequest request = requested(names);
    slack.failNext("chat.postMessage", 2, 429, "1", null);

    RestartRequest done = approve(request);

    sequence.assertOutcomes(done, "restarted", "restarted");
    sequence.assertThread(done, "restarted", "restarted");
    List<FakeSlackApi.Call> replies = slack.threadReplies(done.messageTs().orElseThrow());
    assertThat(replies.get(0).params().get("text"))
        .as("the same reply, sent again")
        .isEqualTo(replies.get(2).params().get("text"));
    assertThat(slack.tsOf(replies.get(0))).isNull();
    assertThat(slack.tsOf(replies.get(1))).isNull();
    assertThat(slack.tsOf(replies.get(2))).isNotNull();
    // Retry-After is a lower bound: the retry may come later, never sooner.
    assertThat(Duration.between(replies.get(1).at(), replies.get(2).at()))
        .isGreaterThanOrEqualTo(Duration.ofMillis(900));
    assertThat(slack.calls("chat.postEphemeral")).isEmpty();
    assertThat(kube.patches("deployments", names[0])).isNotEmpty();
  }

  @Test
  void slack5xxOnUpdatesAndUnavailableOnPostsAreRetriedAndTheThreadIsComplete() throws Exception {
    String[] names = {"payments-sl500-a", "payments-sl500-b"};
    RestartRequest request = requested(names);
    slack.failNext("chat.update", 2, 500, null, null);
    // 503: Slack did not take the post, which is safe to send again (a 500 may follow a post).
    slack.failNext("chat.postMessage", 2, 503, null, null);

    RestartRequest done = approve(request);

    sequence.assertOutcomes(done, "restarted", "restarted");
    sequence.assertThread(done, "restarted", "restarted");
    flow.awaitMessageUpdate(done, "Approved by <@" + LEAD + ">");
    flow.awaitMessageUpdate(done, "2 restarted");
    assertThat(slack.calls("chat.postEphemeral")).isEmpty();
  }

  @Test
  void resultsSlackWillNotTakeAreToldToTheRequesterAndTheApproverAndAuditedAnyway()
      throws Exception {
    String[] names = {"payments-slgone-a", "payments-slgone-b"};
    RestartRequest request = requested(names);
    // Slack takes no message at all any more (rate-limited without end); ephemerals still go.
    slack.failNext("chat.postMessage", 1_000, 429, "0", null);

    flow.click(LEAD, request, "restart_approve").then().statusCode(200);
    RestartRequest done = flow.awaitState(request.id(), RequestState.DONE);

    for (String user : List.of(REQUESTER, LEAD)) {
      FakeSlackApi.Call summary =
          slack.awaitCall(
              "chat.postEphemeral",
              c ->
                  user.equals(c.params().get("user"))
                      && c.params().get("text").contains(UNDELIVERED)
                      && c.params().get("text").contains("Done: 2 restarted"),
              WAIT);
      assertThat(summary.params().get("channel")).isEqualTo(OPS);
      assertThat(summary.params().get("text")).contains(request.id(), "HTTP 429");
      assertThat(slack.calls("chat.postEphemeral"))
          .filteredOn(c -> user.equals(c.params().get("user")))
          .anySatisfy(
              c -> assertThat(c.params().get("text")).contains(UNDELIVERED, names[1], "restarted"));
    }
    // Nothing reached the thread, yet the audit log has every step.
    assertThat(slack.threadReplies(done.messageTs().orElseThrow()))
        .allSatisfy(c -> assertThat(slack.tsOf(c)).isNull());
    sequence.assertOutcomes(done, "restarted", "restarted");
    assertThat(sequence.records(done.id()).stream().map(AuditRecord::action))
        .contains(AuditAction.REQUESTED, AuditAction.APPROVED, AuditAction.FINISHED);
    for (String name : names) {
      assertThat(flow.restartedAt(name)).isNotNull();
    }
  }

  @Test
  void anApprovalMessageSlackWillNotTakeDropsTheRequestAndTellsTheRequester() throws Exception {
    flow.seedDeployment("payments-slnomsg");
    slack.failNext("chat.postMessage", 5, 503, null, null);

    flow.assertSubmitted(flow.command(REQUESTER, OPS, "payments-slnomsg"));

    FakeSlackApi.Call told =
        slack.awaitCall(
            "response_url",
            c -> c.params().getOrDefault("text", "").contains("Slack refused the approval message"),
            WAIT);
    assertThat(told.params().get("response_type")).isEqualTo("ephemeral");
    RestartRequest dropped = flow.requestsFor("payments-slnomsg").get(0);
    assertThat(dropped.state()).isEqualTo(RequestState.ABANDONED);
    assertThat(sequence.records(dropped.id()))
        .extracting(AuditRecord::action, AuditRecord::outcome)
        .contains(
            org.assertj.core.groups.Tuple.tuple(AuditAction.REQUESTED, "pending"),
            org.assertj.core.groups.Tuple.tuple(AuditAction.ABANDONED, "abandoned"));
    assertThat(kube.allPatches()).isEmpty();
    // The target is free again: asking once more works.
    flow.requested(REQUESTER, "payments-slnomsg", "payments-slnomsg");
  }

  @Test
  void anApprovalMessageWhoseAnswerIsLostIsPostedOnceAndTheRequestDropped() throws Exception {
    flow.seedDeployment("payments-sllost");
    slack.landThenLoseReply("chat.postMessage", 1);

    flow.assertSubmitted(flow.command(REQUESTER, OPS, "payments-sllost"));

    FakeSlackApi.Call told =
        slack.awaitCall(
            "response_url",
            c ->
                c.params()
                    .getOrDefault("text", "")
                    .contains("Slack did not confirm the approval message"),
            WAIT);
    assertThat(told.params().get("text")).contains("its buttons do nothing");
    assertThat(slack.messages(OPS)).as("approval messages sent").hasSize(1);
    assertThat(slack.landed(OPS)).hasSize(1);
    RestartRequest dropped = flow.requestsFor("payments-sllost").get(0);
    assertThat(dropped.state()).isEqualTo(RequestState.ABANDONED);
    assertThat(kube.allPatches()).isEmpty();
  }

  @Test
  void aThreadReplyWhoseAnswerIsLostIsNotPostedAgain() throws Exception {
    String[] names = {"payments-sllostr-a", "payments-sllostr-b"};
    RestartRequest request = requested(names);
    // The first thread reply lands, but Slack's answer never arrives.
    slack.landThenLoseReply("chat.postMessage", 1);

    RestartRequest done = approve(request);

    sequence.assertOutcomes(done, "restarted", "restarted");
    List<FakeSlackApi.Call> replies = slack.threadReplies(done.messageTs().orElseThrow());
    assertThat(replies).as("every reply sent landed").allMatch(c -> slack.tsOf(c) != null);
    assertThat(replies.stream().map(c -> c.params().get("text")))
        .as("no reply twice")
        .doesNotHaveDuplicates();
    assertThat(replies.get(replies.size() - 1).params().get("text")).contains("Done: 2 restarted");
    // A result Slack did not confirm, the requester and the approver hear of, once each; a lost
    // "restarting" reply is followed by the result in a reply of its own.
    boolean lostAResult = replies.get(0).params().get("text").contains(" restarted (");
    for (String user : List.of(REQUESTER, LEAD)) {
      assertThat(slack.calls("chat.postEphemeral"))
          .filteredOn(c -> user.equals(c.params().get("user")))
          .filteredOn(c -> c.params().get("text").contains("Slack did not confirm"))
          .hasSize(lostAResult ? 1 : 0);
    }
  }

  private RestartRequest requested(String... names) {
    for (String name : names) {
      flow.seedDeployment(name);
    }
    return flow.requested(REQUESTER, String.join(" ", names), names[0]);
  }

  private RestartRequest approve(RestartRequest request) {
    flow.click(LEAD, request, "restart_approve").then().statusCode(200);
    RestartRequest done = flow.awaitState(request.id(), RequestState.DONE);
    sequence.awaitSummary(done);
    return done;
  }
}
