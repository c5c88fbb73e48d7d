package dev.restartbot.e2e;

import static dev.restartbot.e2e.SlackFlowHarness.LEAD;
import static dev.restartbot.e2e.SlackFlowHarness.OPS;
import static dev.restartbot.e2e.SlackFlowHarness.REQUESTER;
import static dev.restartbot.e2e.SlackFlowHarness.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.restartbot.restart.RequestState;
import dev.restartbot.restart.RequestStore;
import dev.restartbot.restart.RestartRequest;
import dev.restartbot.slack.SlackApp;
import dev.restartbot.testing.FakeSlackApi;
import dev.restartbot.testing.FakeSlackResource;
import dev.restartbot.testing.SlackRequests;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The HTTP ingress as an attacker meets it: the signature is checked before anything reads the
 * body, a body over 64 KiB is refused, a request is taken once, and a click counts only on its own
 * approval message, from this workspace and this app.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
@QuarkusTestResource(FakeSlackResource.class)
class SlackIngressTest {

  private static final String FORGED = "[restart-bot.audit]";

  @KubernetesTestServer KubernetesServer server;
  @Inject RequestStore store;

  private SlackFlowHarness flow;
  private FakeSlackApi slack;
  private KubeRequests kube;
  private final List<String> logged = new CopyOnWriteArrayList<>();
  private final Handler capture =
      new Handler() {
        @Override
        public void publish(LogRecord record) {
          logged.add(record.getLoggerName() + " " + record.getMessage() + " " + params(record));
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
      };

  @BeforeEach
  void setUp() throws InterruptedException {
    flow = new SlackFlowHarness(server, store);
    slack = flow.slack;
    slack.reset();
    kube = new KubeRequests(server);
    kube.reset();
    Logger.getLogger("").addHandler(capture);
  }

  @AfterEach
  void tearDown() {
    Logger.getLogger("").removeHandler(capture);
  }

  private static String params(LogRecord record) {
    Object[] params = record.getParameters();
    return params == null ? "" : List.of(params).toString();
  }

  @Test
  void anUnsignedBodyIsNeitherParsedNorLoggedWhateverItSays() throws Exception {
    String json = "{\"type\":\"" + FORGED + " {\\\"audit\\\":true}\"}";
    String payload = "payload=" + URLEncoder.encode(json, StandardCharsets.UTF_8);
    String form = "hello=" + URLEncoder.encode(FORGED + " approved", StandardCharsets.UTF_8);
    long now = Instant.now().getEpochSecond();

    SlackRequests.postUnsigned(payload).then().statusCode(401);
    SlackRequests.postUnsigned(form).then().statusCode(401);
    SlackRequests.post(form, now, "v0=" + "0".repeat(64)).then().statusCode(401);
    // Nor the sender's timestamp header, which is not signed either.
    SlackRequests.post(form, 0, FORGED).then().statusCode(401);
    io.restassured.RestAssured.given()
        .contentType("application/x-www-form-urlencoded")
        .header("X-Slack-Request-Timestamp", FORGED)
        .header("X-Slack-Signature", "v0=00")
        .body(form)
        .post(SlackRequests.EVENTS_PATH)
        .then()
        .statusCode(401);

    assertThat(logged).isNotEmpty().noneMatch(line -> line.contains(FORGED));
    assertThat(slack.calls()).filteredOn(c -> !c.method().equals("auth.test")).isEmpty();
  }

  @Test
  void aSignedBodyBoltDoesNotRecogniseIsAnswered400AndNotLogged() {
    String json = "{\"type\":\"" + FORGED + "\"}";
    String payload = "payload=" + URLEncoder.encode(json, StandardCharsets.UTF_8);

    SlackRequests.post(payload).then().statusCode(400);
    SlackRequests.post("hello=" + URLEncoder.encode(FORGED, StandardCharsets.UTF_8))
        .then()
        .statusCode(400);

    assertThat(logged).noneMatch(line -> line.contains(FORGED));
  }

  @Test
  void aSignedBodyOver64KiBIsRefusedWith413AndNothingHappens() throws Exception {
    flow.seedDeployment("batch-big");
    String body =
        SlackRequests.slashCommandBody(
            REQUESTER, OPS, "batch-big --reason " + "x".repeat(65 * 1024), slack.responseUrl("b"));

    SlackRequests.post(body).then().statusCode(413);

    assertThat(flow.requestsFor("batch-big")).isEmpty();
    // A chat.update here can only be an earlier test's message reaching its last state through
    // the app-wide update budget: no request exists for this body, so nothing of it is updated.
    assertThat(slack.calls())
        .filteredOn(c -> !c.method().equals("auth.test") && !c.method().equals("chat.update"))
        .isEmpty();
    assertThat(kube.allPatches()).isEmpty();
  }

  @Test
  void aReplayedCommandIsAnsweredOnceAndRestartsOnce() throws Exception {
    flow.seedDeployment("batch-replayed");
    String body =
        SlackRequests.slashCommandBody(REQUESTER, OPS, "batch-replayed", slack.responseUrl("r"));
    long now = Instant.now().getEpochSecond();
    String signature = SlackRequests.sign(SlackRequests.SIGNING_SECRET, now, body);

    assertThat(SlackRequests.post(body, now, signature).asString()).contains("no approval");
    RestartRequest first = flow.posted("batch-replayed");
    flow.awaitState(first.id(), RequestState.DONE);
    int patches = kube.allPatches().size();
    String restartedAt = flow.restartedAt("batch-replayed");
    var replay = SlackRequests.post(body, now, signature);

    assertThat(replay.statusCode()).isEqualTo(200);
    assertThat(replay.asString()).isEmpty();
    Thread.sleep(500); // what a second request would do, it would have begun by now
    assertThat(flow.requestsFor("batch-replayed")).hasSize(1);
    assertThat(kube.allPatches()).hasSize(patches);
    assertThat(flow.restartedAt("batch-replayed")).isEqualTo(restartedAt);
  }

  @Test
  void aClickOnAnotherMessageIsRefusedToTheClickerAndChangesNothing() throws Exception {
    flow.seedDeployment("payments-bound");
    RestartRequest pending = flow.requested(REQUESTER, "payments-bound", "payments-bound");
    String ts = pending.messageTs().orElseThrow();

    click(OPS, "1234.5678", FakeSlackApi.TEAM_ID, SlackRequests.APP_ID, pending);
    click("C0ELSEWHERE", ts, FakeSlackApi.TEAM_ID, SlackRequests.APP_ID, pending);

    await()
        .atMost(WAIT)
        .until(
            () ->
                slack.calls("chat.postEphemeral").stream()
                        .filter(c -> LEAD.equals(c.params().get("user")))
                        .filter(c -> c.params().get("text").contains("not on the approval message"))
                        .count()
                    >= 2);
    assertUnchanged(pending);
  }

  @Test
  void aClickFromAnotherWorkspaceOrAppIsRefusedAndChangesNothing() throws Exception {
    flow.seedDeployment("payments-installed");
    RestartRequest pending = flow.requested(REQUESTER, "payments-installed", "payments-installed");
    String ts = pending.messageTs().orElseThrow();

    click(OPS, ts, "T0OTHER", SlackRequests.APP_ID, pending);
    click(OPS, ts, FakeSlackApi.TEAM_ID, "A0OTHER", pending);

    await()
        .atMost(WAIT)
        .until(
            () ->
                slack.calls("chat.postEphemeral").stream()
                        .filter(c -> LEAD.equals(c.params().get("user")))
                        .filter(c -> c.params().get("text").contains("not on the approval message"))
                        .count()
                    >= 2);
    assertThat(slack.calls("users.info"))
        .as("nothing looked up for it")
        .noneMatch(c -> LEAD.equals(c.params().get("user")));
    assertUnchanged(pending);
  }

  @Test
  void theSameClickOnItsOwnMessageStillApproves() throws Exception {
    flow.seedDeployment("payments-bound-ok");
    RestartRequest pending = flow.requested(REQUESTER, "payments-bound-ok", "payments-bound-ok");

    click(
        OPS,
        pending.messageTs().orElseThrow(),
        FakeSlackApi.TEAM_ID,
        SlackRequests.APP_ID,
        pending);

    flow.awaitState(pending.id(), RequestState.DONE);
    assertThat(flow.restartedAt("payments-bound-ok")).isNotNull();
  }

  private void click(
      String channel, String messageTs, String team, String app, RestartRequest request) {
    SlackRequests.post(
            SlackRequests.blockActionBody(
                LEAD,
                channel,
                messageTs,
                SlackApp.APPROVE,
                request.id(),
                slack.responseUrl("click"),
                team,
                app))
        .then()
        .statusCode(200);
  }

  private void assertUnchanged(RestartRequest pending) throws InterruptedException {
    Thread.sleep(300); // a click that was wrongly taken would have moved the request by now
    assertThat(store.find(pending.id()).orElseThrow().state()).isEqualTo(RequestState.PENDING);
    assertThat(kube.allPatches()).isEmpty();
    assertThat(slack.calls("chat.update")).isEmpty();
  }
}
