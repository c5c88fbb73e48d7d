package dev.restartbot.e2e;

import static dev.restartbot.e2e.SlackFlowHarness.OPS;
import static dev.restartbot.e2e.SlackFlowHarness.REQUESTER;
import static org.assertj.core.api.Assertions.assertThat;

import dev.restartbot.restart.RequestStore;
import dev.restartbot.testing.FakeSlackApi;
import dev.restartbot.testing.FakeSlackResource;
import dev.restartbot.testing.SlackRequests;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What reaches {@code /slack/events} that should not change anything. */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
@QuarkusTestResource(FakeSlackResource.class)
class SlackEdgeTest {

  @KubernetesTestServer KubernetesServer server;
  @Inject RequestStore store;

  private SlackFlowHarness flow;
  private FakeSlackApi slack;
  private KubeRequests kube;

  @BeforeEach
  void setUp() throws InterruptedException {
    flow = new SlackFlowHarness(server, store);
    slack = flow.slack;
    slack.reset();
    kube = new KubeRequests(server);
    kube.reset();
    flow.seedDeployment("payments-edge");
  }

  private String command(String text) {
    return SlackRequests.slashCommandBody(REQUESTER, OPS, text, slack.responseUrl("edge"));
  }

  @Test
  void badSignatureIsRefusedWith401AndNothingHappens() throws Exception {
    String body = command("payments-edge");
    long now = Instant.now().getEpochSecond();

    SlackRequests.post(body, now, "v0=" + "0".repeat(64)).then().statusCode(401);

    assertUntouched();
  }

  @Test
  void missingSignatureIsRefusedWith401AndNothingHappens() throws Exception {
    SlackRequests.postUnsigned(command("payments-edge")).then().statusCode(401);

    assertUntouched();
  }

  @Test
  void staleSignatureIsRefusedWith401AndNothingHappens() throws Exception {
    String body = command("payments-edge");
    long sixMinutesAgo = Instant.now().getEpochSecond() - 360;

    SlackRequests.post(
            body,
            sixMinutesAgo,
            SlackRequests.sign(SlackRequests.SIGNING_SECRET, sixMinutesAgo, body))
        .then()
        .statusCode(401);

    assertUntouched();
  }

  @Test
  void signatureFromTheFutureIsRefusedWith401AndNothingHappens() throws Exception {
    String body = command("payments-edge");
    long sixMinutesAhead = Instant.now().getEpochSecond() + 360;

    SlackRequests.post(
            body,
            sixMinutesAhead,
            SlackRequests.sign(SlackRequests.SIGNING_SECRET, sixMinutesAhead, body))
        .then()
        .statusCode(401);

    assertUntouched();
  }

  @Test
  void bodyChangedAfterSigningIsRefused() throws Exception {
    String body = command("payments-edge");
    long now = Instant.now().getEpochSecond();
    String signature = SlackRequests.sign(SlackRequests.SIGNING_SECRET, now, body);

    SlackRequests.post(body.replace("payments-edge", "payments-edgf"), now, signature)
        .then()
        .statusCode(401);

    assertUntouched();
  }

  @Test
  void unsignedGarbageIsRefusedWith401NotA500() throws Exception {
    SlackRequests.postUnsigned("payload=%7B%22type%22%3A").then().statusCode(401);
    SlackRequests.postUnsigned("\u0000\u0001garbage").then().statusCode(401);

    assertUntouched();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "a\"}}",
        "../x",
        "Payments-Edge",
        "payments-edge\u0000",
        "payments-edge \u001b[31m",
        "payments-edge --namespace ../kube-system",
        "payments-edge --bogus",
        "deploy/",
        "pods/payments-edge",
        "-n",
        "payments-edge payments-edge",
      })
  void hostileInputAnswersUsageAndPatchesNothing(String text) throws Exception {
    var ack = SlackRequests.post(command(text));

    assertThat(ack.statusCode()).isEqualTo(200);
    assertThat(ack.asString()).contains("/restart [kind/]name");
    assertUntouched();
  }

  /** DESIGN.md §7.6: nothing after the command opens the modal, which files nothing by itself. */
  @ParameterizedTest
  @ValueSource(strings = {"", "   "})
  void anEmptyCommandOpensTheModalAndChangesNothing(String text) throws Exception {
    int requests = store.list(r -> true).size();

    var ack = SlackRequests.post(command(text));

    assertThat(ack.statusCode()).isEqualTo(200);
    slack.awaitCall("views.open", c -> true, java.time.Duration.ofSeconds(10));
    assertThat(store.list(r -> true)).hasSize(requests);
    assertThat(kube.allPatches()).isEmpty();
    slack.reset();
  }

  @Test
  void nameOfThreeHundredCharactersAnswersUsage() throws Exception {
    var ack = SlackRequests.post(command("a".repeat(300)));

    assertThat(ack.asString()).contains("/restart [kind/]name");
    assertUntouched();
  }

  @Test
  void fiveHundredTargetsAnswerUsage() throws Exception {
    String many =
        IntStream.range(0, 500).mapToObj(i -> "payments-" + i).collect(Collectors.joining(" "));

    var ack = SlackRequests.post(command(many));

    assertThat(ack.asString()).contains("/restart [kind/]name").contains("20");
    assertUntouched();
  }

  @Test
  void helpAnswersUsage() {
    var ack = SlackRequests.post(command("help"));

    assertThat(ack.statusCode()).isEqualTo(200);
    assertThat(ack.asString()).contains("/restart [kind/]name");
  }

  @Test
  void healthAndMetricsAreServed() {
    io.restassured.RestAssured.given().get("/q/health/live").then().statusCode(200);
    io.restassured.RestAssured.given().get("/q/health/ready").then().statusCode(200);
    io.restassured.RestAssured.given().get("/q/metrics").then().statusCode(200);
  }

  private void assertUntouched() throws InterruptedException {
    assertThat(
            store.list(
                r -> r.targets().stream().anyMatch(t -> t.name().startsWith("payments-edge"))))
        .isEmpty();
    assertThat(slack.calls()).filteredOn(c -> !c.method().equals("auth.test")).isEmpty();
    assertThat(kube.allPatches()).isEmpty();
  }
}
