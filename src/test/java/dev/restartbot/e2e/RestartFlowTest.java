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
import dev.restartbot.restart.RequestState;
import dev.restartbot.restart.RequestStore;
import dev.restartbot.restart.RequestSweep;
import dev.restartbot.restart.RestartRequest;
import dev.restartbot.testing.FakeSlackApi;
import dev.restartbot.testing.FakeSlackResource;
import dev.restartbot.testing.RequestBuilder;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The whole path, driven like Slack drives it: signed HTTP requests into the real app, the fabric8
 * mock server as the cluster, and a fake Slack Web API that records what the bot says.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
@QuarkusTestResource(FakeSlackResource.class)
class RestartFlowTest {

  @KubernetesTestServer KubernetesServer server;
  @Inject RequestStore store;
  @Inject RequestSweep sweep;

  private SlackFlowHarness flow;
  private FakeSlackApi slack;
  private KubeRequests kube;
  private final ObjectMapper json = new ObjectMapper();

  @BeforeEach
  void setUp() throws InterruptedException {
    flow = new SlackFlowHarness(server, store);
    slack = flow.slack;
    slack.reset();
    kube = new KubeRequests(server);
    kube.reset();
  }

  @Test
  void approvedRequestRestartsTheDeploymentAndReportsInTheThread() throws Exception {
    flow.seedDeployment("payments-api");

    var ack = flow.command(REQUESTER, OPS, "payments-api --reason \"memory leak <b>\"");
    flow.assertSubmitted(ack);

    RestartRequest request = flow.posted("payments-api");
    FakeSlackApi.Call approval =
        slack.awaitCall(
            "chat.postMessage",
            c -> OPS.equals(c.params().get("channel")) && c.params().containsKey("blocks"),
            WAIT);
    // Gson escapes <, > and & as \u003c…; compare the decoded text.
    String blocks = json.readTree(approval.params().get("blocks")).toString();
    assertThat(blocks)
        .contains("restart_approve", "restart_deny", request.id(), "payments-api")
        .contains("registry.example/payments-api:1.0")
        .contains("{\"type\":\"plain_text\",\"text\":\"memory leak <b>\",\"emoji\":false}")
        .contains("\"confirm\"");
    assertThat(flow.restartedAt("payments-api")).isNull();

    flow.click(LEAD, request, "restart_approve").then().statusCode(200);

    await().atMost(WAIT).until(() -> flow.restartedAt("payments-api") != null);
    var done = flow.awaitState(request.id(), RequestState.DONE);
    assertThat(done.decidedBy().map(d -> d.id())).contains(LEAD);

    var workload = flow.deployment("payments-api");
    assertThat(flow.restartedAt("payments-api"))
        .matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ");
    assertThat(workload.getSpec().getTemplate().getMetadata().getAnnotations())
        .containsEntry("restart-bot/request", request.id())
        .containsEntry("restart-bot/requested-by", REQUESTER)
        .containsEntry("restart-bot/approved-by", LEAD);
    assertThat(workload.getMetadata().getAnnotations())
        .doesNotContainKey("kubernetes.io/change-cause");

    flow.awaitMessageUpdate(request, "Approved by <@" + LEAD + ">");
    var closed = flow.awaitMessageUpdate(request, "1 restarted");
    assertThat(closed.params().getOrDefault("blocks", "")).doesNotContain("restart_approve");
    String ts = request.messageTs().orElseThrow();
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(String.join("\n", slack.threadNow(ts)))
                    .contains("`deployment/payments-api` in `test` restarted")
                    .contains("Done: 1 restarted"));
    assertThat(kube.patches("deployments", "payments-api")).isNotEmpty();
  }

  @Test
  void requestThatNeedsNoApprovalRunsAtOnceAndSaysSo() throws Exception {
    flow.seedDeployment("batch-report");

    var ack = flow.command(REQUESTER, OPS, "batch-report");
    assertThat(ack.asString()).contains("needs no approval");

    await().atMost(WAIT).until(() -> flow.restartedAt("batch-report") != null);
    RestartRequest request = flow.requestsFor("batch-report").get(0);
    assertThat(
            flow.deployment("batch-report").getSpec().getTemplate().getMetadata().getAnnotations())
        .containsEntry("restart-bot/request", request.id())
        .containsEntry("restart-bot/requested-by", REQUESTER)
        .containsEntry("restart-bot/approved-by", "policy");
    flow.awaitState(request.id(), RequestState.DONE);
  }

  @Test
  void requesterCannotApproveTheirOwnRequest() throws Exception {
    flow.seedDeployment("payments-self");
    RestartRequest request = flow.requested(LEAD, "payments-self", "payments-self");

    flow.click(LEAD, request, "restart_approve").then().statusCode(200);

    var refusal = flow.awaitEphemeral(LEAD);
    assertThat(refusal.params().get("text")).contains("someone else must approve");
    assertThat(store.find(request.id()).orElseThrow().state()).isEqualTo(RequestState.PENDING);
    assertThat(kube.allPatches()).isEmpty();
    assertThat(flow.restartedAt("payments-self")).isNull();
  }

  @Test
  void someoneWhoIsNotAnApproverIsRefused() throws Exception {
    flow.seedDeployment("payments-outsider");
    RestartRequest request = flow.requested(REQUESTER, "payments-outsider", "payments-outsider");

    flow.click("U0STRANGER", request, "restart_approve").then().statusCode(200);

    assertThat(flow.awaitEphemeral("U0STRANGER").params().get("text")).contains("not an approver");
    assertThat(store.find(request.id()).orElseThrow().state()).isEqualTo(RequestState.PENDING);
    assertThat(kube.allPatches()).isEmpty();
  }

  @Test
  void aSlowSlackDoesNotHoldUpTheSequenceAndTheThreadStaysInOrder() throws Exception {
    List<String> names =
        List.of("batch-slow-a", "batch-slow-b", "batch-slow-c", "batch-slow-d", "batch-slow-e");
    names.forEach(flow::seedDeployment);
    // Every message Slack takes answers 800 ms late, as from a slow Slack: far slower than a
    // restart of the mock API server, even on a busy machine (with 300 ms, a load average of 29
    // once let the sequence fall behind Slack at its second target).
    slack.delayNext("chat.postMessage", 100, java.time.Duration.ofMillis(800));
    slack.delayNext("chat.update", 100, java.time.Duration.ofMillis(800));

    flow.command(REQUESTER, OPS, String.join(" ", names)).then().statusCode(200);
    RestartRequest request = flow.posted("batch-slow-a");
    var done = flow.awaitState(request.id(), RequestState.DONE);

    // The sequence is over, yet Slack is still being told: at least 11 late answers (the state,
    // each target's reply and its result, the summary) stand between the start and the summary.
    String ts = request.messageTs().orElseThrow();
    assertThat(slack.threadNow(ts).stream().filter(t -> t.contains("restarted (restartedAt")))
        .as("results shown when the last target was patched")
        .hasSizeLessThan(names.size());
    assertThat(done.results()).hasSize(names.size());

    // Then every message arrives, in the order things happened.
    await()
        .atMost(WAIT.multipliedBy(3))
        .untilAsserted(
            () -> {
              List<String> thread = slack.threadNow(ts);
              assertThat(thread).hasSize(names.size() + 1);
              for (int i = 0; i < names.size(); i++) {
                assertThat(thread.get(i))
                    .contains("`deployment/" + names.get(i) + "` in `test` restarted (restartedAt");
              }
              assertThat(thread.get(names.size())).contains("Done: 5 restarted");
            });
    // The sequence ran ahead of Slack, so a reply is posted once, with its result, instead of
    // "restarting" and then an edit (the first target may still have gone out as "restarting").
    assertThat(slack.threadReplies(ts))
        .filteredOn(c -> c.params().getOrDefault("text", "").contains("Restarting"))
        .hasSizeLessThanOrEqualTo(1);
  }

  @Test
  void unauthorisedRequesterIsRefusedAndNothingIsPosted() throws Exception {
    flow.seedDeployment("payments-unauth");

    var ack = flow.command("U0STRANGER", OPS, "payments-unauth");

    assertThat(ack.statusCode()).isEqualTo(200);
    assertThat(ack.asString()).contains("not allowed");
    assertNothingHappened("payments-unauth");
  }

  @Test
  void requesterInAnAllowedUserGroupMayAsk() throws Exception {
    flow.seedDeployment("payments-group");
    slack.setGroupMembers("S0PLATFORM", "U0GROUPIE");

    flow.assertSubmitted(flow.command("U0GROUPIE", OPS, "payments-group"));
    assertThat(flow.posted("payments-group").requesterId()).isEqualTo("U0GROUPIE");
  }

  @Test
  void guestIsRefusedEvenWhenTheirGroupIsAllowed() throws Exception {
    flow.seedDeployment("payments-guest");
    slack.setGroupMembers("S0PLATFORM", "U0GUEST");
    slack.addUser("U0GUEST", "guest", "T0TEAM", true, false);

    var ack = flow.command("U0GUEST", OPS, "payments-guest");

    assertThat(ack.asString()).contains("Guest and external accounts must be named");
    assertNothingHappened("payments-guest");
  }

  @Test
  void commandFromAChannelOutsideThePolicyIsRefused() throws Exception {
    flow.seedDeployment("payments-chan");

    var ack = flow.command(REQUESTER, "C0RANDOM", "payments-chan");

    assertThat(ack.asString()).contains("channel");
    assertNothingHappened("payments-chan");
  }

  @Test
  void aRuleWithoutChannelsAdmitsDirectMessagesAndPrivateChannels() throws Exception {
    // DESIGN.md §5: "channels: … empty = any channel".
    flow.seedDeployment("public-api");
    flow.seedDeployment("public-web");

    flow.assertSubmitted(flow.command(REQUESTER, "D0DM", "directmessage", "public-api"));
    flow.assertSubmitted(flow.command(REQUESTER, "C0SECRET", "privategroup", "public-web"));
  }

  @Test
  void targetOutsideTheAllowlistIsRefused() throws Exception {
    flow.seedDeployment("billing-api");

    var ack = flow.command(REQUESTER, OPS, "billing-api");

    assertThat(ack.asString()).contains("allowlist");
    assertNothingHappened("billing-api");
  }

  @Test
  void targetThatDoesNotExistIsRefusedBeforeAnyRequestIsMade() throws Exception {
    var ack = flow.command(REQUESTER, OPS, "payments-ghost");

    assertThat(ack.asString()).contains("not found");
    assertNothingHappened("payments-ghost");
  }

  @Test
  void secondRequestForABusyTargetIsRefusedWithALink() throws Exception {
    flow.seedDeployment("payments-busy");
    RestartRequest first = flow.requested(REQUESTER, "payments-busy", "payments-busy");

    var ack = flow.command(LEAD, OPS, "payments-busy");

    assertThat(ack.asString()).contains("already has a pending request", first.id());
    assertThat(flow.requestsFor("payments-busy")).hasSize(1);
  }

  @Test
  void approverCanDenyAndTheDeploymentIsLeftAlone() throws Exception {
    flow.seedDeployment("payments-deny");
    RestartRequest request = flow.requested(REQUESTER, "payments-deny", "payments-deny");

    flow.click(LEAD2, request, "restart_deny").then().statusCode(200);

    flow.awaitState(request.id(), RequestState.DENIED);
    flow.awaitMessageUpdate(request, "Denied by <@" + LEAD2 + ">");

    flow.click(LEAD, request, "restart_approve").then().statusCode(200);
    assertThat(flow.awaitEphemeral(LEAD).params().get("text")).contains("already denied");
    assertThat(kube.allPatches()).isEmpty();
    assertThat(flow.restartedAt("payments-deny")).isNull();
  }

  @Test
  void requesterCanWithdrawWithTheDenyButton() throws Exception {
    flow.seedDeployment("payments-withdraw");
    RestartRequest request = flow.requested(REQUESTER, "payments-withdraw", "payments-withdraw");

    flow.click(REQUESTER, request, "restart_deny").then().statusCode(200);

    flow.awaitState(request.id(), RequestState.WITHDRAWN);
    flow.awaitMessageUpdate(request, "Withdrawn by the requester");
  }

  @Test
  void expiredRequestIsSweptAndCanNoLongerBeApproved() throws Exception {
    flow.seedDeployment("payments-expire");
    RestartRequest request = flow.requested(REQUESTER, "payments-expire", "payments-expire");
    ageOut(request);

    sweep.sweep();

    assertThat(store.find(request.id()).orElseThrow().state()).isEqualTo(RequestState.EXPIRED);
    flow.awaitMessageUpdate(request, "Expired");
    flow.click(LEAD, request, "restart_approve").then().statusCode(200);
    assertThat(flow.awaitEphemeral(LEAD).params().get("text")).contains("expired");
    assertThat(kube.allPatches()).isEmpty();
  }

  @Test
  void clickAfterTheTtlButBeforeTheSweepIsRefusedAsExpired() throws Exception {
    flow.seedDeployment("payments-late");
    RestartRequest request = flow.requested(REQUESTER, "payments-late", "payments-late");
    ageOut(request);

    flow.click(LEAD, request, "restart_approve").then().statusCode(200);

    assertThat(flow.awaitEphemeral(LEAD).params().get("text")).contains("expired");
    assertThat(store.find(request.id()).orElseThrow().state()).isEqualTo(RequestState.EXPIRED);
    assertThat(kube.allPatches()).isEmpty();
  }

  @Test
  void tenConcurrentApproveClicksRestartExactlyOnce() throws Exception {
    flow.seedDeployment("payments-race");
    RestartRequest request = flow.requested(REQUESTER, "payments-race", "payments-race");

    ExecutorService pool = Executors.newFixedThreadPool(10);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<Integer>> clicks = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      String approver = i % 2 == 0 ? LEAD : LEAD2;
      clicks.add(
          pool.submit(
              () -> {
                start.await();
                return flow.click(approver, request, "restart_approve").statusCode();
              }));
    }
    start.countDown();
    for (Future<Integer> click : clicks) {
      assertThat(click.get()).isEqualTo(200);
    }
    pool.shutdown();

    flow.awaitState(request.id(), RequestState.DONE);
    await().atMost(WAIT).until(() -> slack.count("chat.postEphemeral") == 9);
    List<RecordedRequest> patches = kube.patches("deployments", "payments-race");
    // One restart: the strategic merge patch, and the mock server's 415 makes it resend as merge.
    assertThat(patches).hasSize(2);
    assertThat(patches.get(0).getHeader("Content-Type"))
        .startsWith("application/strategic-merge-patch+json");
    assertThat(patches.get(1).getHeader("Content-Type")).startsWith("application/merge-patch+json");
    assertThat(patches.get(0).getUtf8Body()).isEqualTo(patches.get(1).getUtf8Body());
    assertThat(store.find(request.id()).orElseThrow().results()).hasSize(1);
  }

  @Test
  void middleTargetForbiddenSkipsTheThird() throws Exception {
    flow.seedDeployment("payments-seq-a");
    flow.seedDeployment("payments-seq-b");
    flow.seedDeployment("payments-seq-c");
    server
        .expect()
        .patch()
        .withPath(
            "/apis/apps/v1/namespaces/test/deployments/payments-seq-b?fieldManager=restart-bot")
        .andReturn(
            403,
            new StatusBuilder()
                .withStatus("Failure")
                .withReason("Forbidden")
                .withCode(403)
                .withMessage(
                    "deployments.apps \"payments-seq-b\" is forbidden: User \"system:serviceaccount:restart-bot:restart-bot\" cannot patch resource")
                .build())
        .always();

    RestartRequest request =
        flow.requested(REQUESTER, "payments-seq-a payments-seq-b payments-seq-c", "payments-seq-a");
    flow.click(LEAD, request, "restart_approve");

    RestartRequest done = flow.awaitState(request.id(), RequestState.DONE);
    assertThat(done.results())
        .extracting(r -> r.target().name() + "=" + r.outcome().code())
        .containsExactly(
            "payments-seq-a=restarted", "payments-seq-b=forbidden", "payments-seq-c=skipped");
    assertThat(flow.restartedAt("payments-seq-a")).isNotNull();
    assertThat(flow.restartedAt("payments-seq-b")).isNull();
    assertThat(flow.restartedAt("payments-seq-c")).isNull();
    assertThat(kube.patches("deployments", "payments-seq-c")).isEmpty();
    String ts = request.messageTs().orElseThrow();
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(slack.threadNow(ts))
                    .anyMatch(
                        t ->
                            t.contains("payments-seq-b")
                                && t.contains("forbidden")
                                && t.contains("cannot patch"))
                    .anyMatch(t -> t.contains("payments-seq-c") && t.contains("skipped"))
                    .anyMatch(t -> t.contains("Finished with failures")));
  }

  @Test
  void restartIsOneStrategicMergePatchWithTheExactBody() throws Exception {
    var seeded = flow.seedDeployment("payments-exact");
    server
        .expect()
        .patch()
        .withPath(
            "/apis/apps/v1/namespaces/test/deployments/payments-exact?fieldManager=restart-bot")
        .andReturn(200, seeded)
        .once();
    RestartRequest request = flow.requested(REQUESTER, "payments-exact", "payments-exact");

    flow.click(LEAD, request, "restart_approve");
    RestartRequest done = flow.awaitState(request.id(), RequestState.DONE);

    List<RecordedRequest> patches = kube.patches("deployments", "payments-exact");
    assertThat(patches).hasSize(1);
    RecordedRequest patch = patches.get(0);
    assertThat(patch.getMethod()).isEqualTo("PATCH");
    assertThat(patch.getPath())
        .isEqualTo(
            "/apis/apps/v1/namespaces/test/deployments/payments-exact?fieldManager=restart-bot");
    assertThat(patch.getHeader("Content-Type"))
        .startsWith("application/strategic-merge-patch+json");
    String restartedAt =
        ((dev.restartbot.restart.Outcome.Restarted) done.results().get(0).outcome()).restartedAt();
    JsonNode expected =
        json.readTree(
            ("{\"spec\":{\"template\":{\"metadata\":{\"annotations\":{"
                    + "\"kubectl.kubernetes.io/restartedAt\":\"%s\","
                    + "\"restart-bot/request\":\"%s\","
                    + "\"restart-bot/requested-by\":\"%s\","
                    + "\"restart-bot/approved-by\":\"%s\"}}}}}")
                .formatted(restartedAt, request.id(), REQUESTER, LEAD));
    assertThat(json.readTree(patch.getUtf8Body())).isEqualTo(expected);
    assertThat(Instant.parse(restartedAt))
        .isBetween(request.createdAt().minusSeconds(1), Instant.now());
  }

  @Test
  void pausedDeploymentIsRefusedAtRequestTime() throws Exception {
    var seeded = flow.seedDeployment("payments-paused");
    server
        .getClient()
        .apps()
        .deployments()
        .inNamespace("test")
        .withName("payments-paused")
        .edit(
            d ->
                new io.fabric8.kubernetes.api.model.apps.DeploymentBuilder(d)
                    .editSpec()
                    .withPaused(true)
                    .endSpec()
                    .build());

    kube.reset(); // the edit above was the test's own PATCH

    var ack = flow.command(REQUESTER, OPS, "payments-paused");

    assertThat(ack.asString())
        .contains("is paused", "kubectl rollout resume deployment/payments-paused -n test");
    assertNothingHappened("payments-paused");
    assertThat(seeded.getMetadata().getName()).isEqualTo("payments-paused");
  }

  @Test
  void rateLimitedSlackIsRetriedAndTheRequestStillGoesThrough() throws Exception {
    flow.seedDeployment("payments-ratelimit");
    slack.failNext("chat.postMessage", 1, 429, "1", null);

    RestartRequest request = flow.requested(REQUESTER, "payments-ratelimit", "payments-ratelimit");
    flow.click(LEAD, request, "restart_approve");

    flow.awaitState(request.id(), RequestState.DONE);
    assertThat(slack.calls("chat.postMessage").get(0).params().get("channel")).isEqualTo(OPS);
    assertThat(flow.restartedAt("payments-ratelimit")).isNotNull();
  }

  @Test
  void botNotInTheChannelTellsTheRequesterToInviteIt() throws Exception {
    flow.seedDeployment("payments-uninvited");
    slack.failWithError("chat.postMessage", OPS, "not_in_channel");

    flow.assertSubmitted(flow.command(REQUESTER, OPS, "payments-uninvited"));

    var told =
        slack.awaitCall(
            "response_url", c -> c.params().getOrDefault("text", "").contains("/invite"), WAIT);
    assertThat(told.params().get("response_type")).isEqualTo("ephemeral");
    await()
        .atMost(WAIT)
        .until(
            () -> flow.requestsFor("payments-uninvited").get(0).state() == RequestState.ABANDONED);
    assertThat(kube.allPatches()).isEmpty();
  }

  @Test
  void historyListsWhatHappenedInThisChannelOnly() throws Exception {
    flow.seedDeployment("payments-history");
    RestartRequest request = flow.requested(REQUESTER, "payments-history", "payments-history");
    flow.click(LEAD, request, "restart_approve");
    flow.awaitState(request.id(), RequestState.DONE);

    String here = flow.command(LEAD, OPS, "history 50").jsonPath().getString("text");
    String elsewhere = flow.command(LEAD, "C0ELSEWHERE", "history").jsonPath().getString("text");

    assertThat(here)
        .contains("payments-history", "<@" + REQUESTER + ">", "<@" + LEAD + ">", "done")
        .contains("1 restarted")
        .contains("/archives/" + OPS + "/p" + request.messageTs().orElseThrow().replace(".", ""));
    assertThat(elsewhere).doesNotContain("payments-history");
  }

  private void ageOut(RestartRequest request) {
    store.update(
        request.id(),
        r -> true,
        r -> RequestBuilder.from(r).expiresAt(Instant.now().minusSeconds(1)).build());
  }

  private void assertNothingHappened(String target) throws InterruptedException {
    assertThat(flow.requestsFor(target)).isEmpty();
    assertThat(slack.calls("chat.postMessage"))
        .noneMatch(c -> c.params().getOrDefault("text", "").contains(target));
    assertThat(kube.allPatches()).isEmpty();
  }
}
