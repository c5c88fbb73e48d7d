package dev.restartbot.e2e;

import static dev.restartbot.e2e.SlackFlowHarness.LEAD;
import static dev.restartbot.e2e.SlackFlowHarness.OPS;
import static dev.restartbot.e2e.SlackFlowHarness.REQUESTER;
import static dev.restartbot.e2e.SlackFlowHarness.WAIT;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.restartbot.policy.Target;
import dev.restartbot.restart.RequestState;
import dev.restartbot.restart.RequestStore;
import dev.restartbot.restart.RestartRequest;
import dev.restartbot.testing.FakeSlackApi;
import dev.restartbot.testing.FakeSlackResource;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentListBuilder;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code /restart -l SELECTOR} (DESIGN.md §7.4), driven like Slack drives it: the selector is
 * resolved once, at request time, to an explicit sorted list, which then goes the way of named
 * targets (policy, reading, dry run, approval, one after another).
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
@QuarkusTestResource(FakeSlackResource.class)
class SelectorFlowTest {

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
  }

  /** A Deployment as the harness seeds it, with one more label. */
  private void seedLabelled(String name, String key, String value) {
    flow.seedDeployment(name);
    try {
      label(name, key, value);
    } catch (InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Labels a workload as someone would with kubectl; not one of the bot's requests. */
  private void label(String name, String key, String value) throws InterruptedException {
    server
        .getClient()
        .apps()
        .deployments()
        .inNamespace("test")
        .withName(name)
        .edit(
            d ->
                new DeploymentBuilder(d)
                    .editMetadata()
                    .addToLabels(key, value)
                    .endMetadata()
                    .build());
    kube.reset();
  }

  /** The names of the workloads patched for real (no dry runs), in the order they were patched. */
  private List<String> patchedInOrder() throws InterruptedException {
    return kube.allPatches().stream()
        .filter(r -> r.getPath().contains("fieldManager=restart-bot"))
        .map(RecordedRequest::getPath)
        .map(p -> p.substring(p.lastIndexOf('/') + 1).replaceFirst("\\?.*", ""))
        // The mock answers strategic merge with 415: each restart is that patch, then a merge
        // patch.
        .distinct()
        .toList();
  }

  @Test
  void aSelectorMatchingThreeDeploymentsRestartsThoseThreeInOrderAndNoneLabelledLater()
      throws Exception {
    // Created out of order: the request holds them sorted by name.
    seedLabelled("payments-sel-c", "tier", "web-a");
    seedLabelled("payments-sel-a", "tier", "web-a");
    seedLabelled("payments-sel-b", "tier", "web-a");
    seedLabelled("payments-sel-other", "tier", "db-a");
    flow.seedDeployment("payments-sel-late");

    // On a busy machine the answer may come through the response URL: wait for the request.
    flow.command(REQUESTER, OPS, "deploy -l tier=web-a --reason \"new certs\"")
        .then()
        .statusCode(200);

    RestartRequest request = flow.posted("payments-sel-a");
    assertThat(request.targets())
        .extracting(Target::name)
        .containsExactly("payments-sel-a", "payments-sel-b", "payments-sel-c");
    FakeSlackApi.Call approval =
        slack.awaitCall(
            "chat.postMessage",
            c -> OPS.equals(c.params().get("channel")) && c.params().containsKey("blocks"),
            WAIT);
    assertThat(new ObjectMapper().readTree(approval.params().get("blocks")).toString())
        .contains("deployment/payments-sel-a", "deployment/payments-sel-b")
        .contains("deployment/payments-sel-c")
        .doesNotContain("payments-sel-other", "payments-sel-late");
    assertThat(kube.dryRuns("deployments", "payments-sel-b")).hasSize(1);

    // Starts matching after the request: not part of it.
    label("payments-sel-late", "tier", "web-a");
    flow.click(LEAD, request, "restart_approve").then().statusCode(200);

    RestartRequest done = flow.awaitState(request.id(), RequestState.DONE);
    assertThat(done.results()).hasSize(3).allMatch(r -> r.outcome().succeeded());
    assertThat(patchedInOrder())
        .containsExactly("payments-sel-a", "payments-sel-b", "payments-sel-c");
    assertThat(flow.restartedAt("payments-sel-late")).isNull();
    assertThat(flow.restartedAt("payments-sel-other")).isNull();
  }

  @Test
  void setBasedSelectorsAreSentAsKubernetesReadsThem() throws Exception {
    // The mock API server cannot evaluate set-based selectors: it answers the exact query the bot
    // must send, as a real API server would evaluate it.
    var a = flow.seedDeployment("payments-set-a");
    flow.seedDeployment("payments-set-b");
    var c = flow.seedDeployment("payments-set-c");
    server
        .expect()
        .get()
        .withPath(
            "/apis/apps/v1/namespaces/test/deployments?labelSelector="
                + "track%20in%20%28stable%2Cbeta%29%2C%21canary")
        .andReturn(200, new DeploymentListBuilder().withItems(c, a).build())
        .once();

    flow.command(REQUESTER, OPS, "-l 'track in (stable, beta), !canary'").then().statusCode(200);

    assertThat(flow.posted("payments-set-a").targets())
        .extracting(Target::name)
        .containsExactly("payments-set-a", "payments-set-c");
  }

  @Test
  void moreMatchesThanMaxTargetsAreRefusedWithTheCount() throws Exception {
    IntStream.rangeClosed(1, 21)
        .forEach(i -> seedLabelled("payments-many-%02d".formatted(i), "fleet", "many"));

    var ack = flow.command(REQUESTER, OPS, "-l fleet=many");

    assertThat(ack.statusCode()).isEqualTo(200);
    assertThat(ack.asString())
        .contains(":no_entry:")
        .contains("matches 21 workloads")
        .contains("more than the 20 one command may restart");
    assertThat(flow.requestsFor("payments-many-01")).isEmpty();
    assertThat(kube.dryRuns("deployments", "payments-many-01")).isEmpty();
    assertThat(kube.allPatches()).isEmpty();
  }

  @Test
  void aBadSelectorIsRefusedWithTheUsageAndNothingIsAskedOrCreated() throws Exception {
    seedLabelled("payments-bad", "tier", "web-b");
    kube.reset();
    int requestsBefore = store.list(r -> true).size();

    var ack = flow.command(REQUESTER, OPS, "-l 'tier in ()'");

    assertThat(ack.statusCode()).isEqualTo(200);
    assertThat(ack.asString())
        .contains("is not one Kubernetes accepts")
        .contains("at least one value")
        .contains("-l|--selector SELECTOR");
    assertThat(store.list(r -> true)).hasSize(requestsBefore);
    assertThat(flow.requestsFor("payments-bad")).isEmpty();
    assertThat(kube.all())
        .extracting(RecordedRequest::getPath)
        .noneMatch(p -> p.contains("labelSelector"));
    assertThat(kube.allPatches()).isEmpty();
    assertThat(slack.calls("chat.postMessage")).isEmpty();
  }

  @Test
  void noMatchIsRefusedNamingTheSelectorAndNamespace() {
    var ack = flow.command(REQUESTER, OPS, "sts deploy -l tier=nowhere");

    assertThat(ack.jsonPath().getString("text"))
        .contains(
            "No statefulset or deployment matches the selector `tier=nowhere` in `test`. Nothing"
                + " was requested.");
  }

  @Test
  void aMatchThePolicyDoesNotAdmitRefusesTheWholeCommandAndIsNamed() throws Exception {
    seedLabelled("payments-mixed", "team", "mixed");
    seedLabelled("other-mixed", "team", "mixed");

    var ack = flow.command(REQUESTER, OPS, "-l team=mixed");

    assertThat(ack.asString())
        .contains("`deployment/other-mixed` in `test` is not on the restart allowlist");
    assertThat(flow.requestsFor("payments-mixed")).isEmpty();
    assertThat(kube.allPatches()).isEmpty();
  }
}
