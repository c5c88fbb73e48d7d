package dev.restartbot.e2e;

import static dev.restartbot.e2e.SlackFlowHarness.OPS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.restartbot.restart.RequestState;
import dev.restartbot.restart.RequestStore;
import dev.restartbot.restart.RestartRequest;
import dev.restartbot.testing.FakeSlackResource;
import dev.restartbot.testing.ViewPayloads;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The policy shipped in {@code k8s/policy.yaml}, read the way the Deployment makes the app read it
 * ({@code QUARKUS_CONFIG_LOCATIONS}) and with none of the test profile's rules: its requester group
 * may ask in its channel, its approver group may approve, and anyone else is refused.
 */
@QuarkusTest
@TestProfile(DeployedPolicyTest.Profile.class)
@WithKubernetesTestServer(crud = true)
@QuarkusTestResource(FakeSlackResource.class)
class DeployedPolicyTest {

  /** A profile of its own, so that no {@code %test.restart.rules} mix into the shipped policy. */
  public static class Profile implements QuarkusTestProfile {

    @Override
    public String getConfigProfile() {
      return "deployed-policy";
    }

    @Override
    public Map<String, String> getConfigOverrides() {
      Path policy =
          Path.of(System.getProperty("basedir", "")).toAbsolutePath().resolve("k8s/policy.yaml");
      return Map.of(
          "quarkus.config.locations", policy.toString(),
          "quarkus.http.test-port", "0",
          "restart.store", "memory",
          // The mock API server runs no controller: the accepted patch is the end here.
          "restart.rollout.wait", "false",
          // As deployed: user groups are cached for request-time checks (slack.directory-ttl).
          "slack.directory-ttl", "5m");
    }
  }

  static final String PLATFORM_ENGINEER = "U0PLATFORM1";
  static final String PLATFORM_LEAD = "U0PLATLEAD1";
  static final String OUTSIDER = "U0OUTSIDER";

  @KubernetesTestServer KubernetesServer server;
  @Inject RequestStore store;

  SlackFlowHarness flow;

  @BeforeEach
  void setUp() {
    flow = new SlackFlowHarness(server, store);
    flow.slack.reset();
    // The groups k8s/policy.yaml names as requesters and approvers.
    flow.slack.setGroupMembers("S0PLATFORM", PLATFORM_ENGINEER, PLATFORM_LEAD);
    flow.slack.setGroupMembers("S0PLATFORMLEADS", PLATFORM_LEAD);
    // As Slack would after such a change: what a test before this one left cached is read again.
    ViewPayloads.postEvent(ViewPayloads.membersChanged("S0PLATFORM", List.of()));
    ViewPayloads.postEvent(ViewPayloads.membersChanged("S0PLATFORMLEADS", List.of()));
  }

  @Test
  void aMemberOfTheRequesterGroupAsksAndAMemberOfTheApproverGroupApproves() {
    flow.seedDeployment("payments", "payments-api");

    // No -n: the policy's default namespace is payments.
    RestartRequest request = flow.requested(PLATFORM_ENGINEER, "payments-api", "payments-api");
    assertThat(request.targets())
        .singleElement()
        .satisfies(t -> assertThat(t.namespace()).isEqualTo("payments"));

    flow.click(PLATFORM_LEAD, request, "restart_approve");

    flow.awaitState(request.id(), RequestState.DONE);
    await()
        .atMost(SlackFlowHarness.WAIT)
        .until(() -> flow.restartedAt("payments", "payments-api") != null);
  }

  @Test
  void anApproverRemovedFromTheApproverGroupIsRefusedAtOnceWhateverTheCacheHolds() {
    flow.seedDeployment("payments", "payments-fresh-a");
    flow.seedDeployment("payments", "payments-fresh-b");
    RestartRequest first =
        flow.requested(PLATFORM_ENGINEER, "payments-fresh-a", "payments-fresh-a");
    RestartRequest second =
        flow.requested(PLATFORM_ENGINEER, "payments-fresh-b", "payments-fresh-b");
    flow.click(PLATFORM_LEAD, first, "restart_approve");
    flow.awaitState(first.id(), RequestState.DONE);

    // Removed from the approver group a moment later, well within slack.directory-ttl.
    flow.slack.setGroupMembers("S0PLATFORMLEADS");
    flow.click(PLATFORM_LEAD, second, "restart_approve");

    flow.slack.awaitCall(
        "chat.postEphemeral",
        c ->
            PLATFORM_LEAD.equals(c.params().get("user"))
                && c.params().get("text").contains("not an approver"),
        SlackFlowHarness.WAIT);
    assertThat(store.find(second.id()).orElseThrow().state()).isEqualTo(RequestState.PENDING);
    assertThat(flow.restartedAt("payments", "payments-fresh-b")).isNull();
  }

  @Test
  void aRequesterRemovedFromTheGroupIsRefusedAsSoonAsSlackSaysTheGroupChanged() {
    flow.seedDeployment("payments", "payments-evt-a");
    flow.seedDeployment("payments", "payments-evt-b");
    // The request-time check keeps the requester group for slack.directory-ttl.
    flow.requested(PLATFORM_ENGINEER, "payments-evt-a", "payments-evt-a");
    flow.slack.setGroupMembers("S0PLATFORM", PLATFORM_LEAD);

    ViewPayloads.postEvent(ViewPayloads.membersChanged("S0PLATFORM", List.of(PLATFORM_ENGINEER)))
        .then()
        .statusCode(200);
    var ack = flow.command(PLATFORM_ENGINEER, OPS, "payments-evt-b");

    assertThat(ack.statusCode()).isEqualTo(200);
    assertThat(ack.asString()).contains("not allowed");
    assertThat(flow.requestsFor("payments-evt-b")).isEmpty();
  }

  @Test
  void someoneOutsideTheRequesterGroupIsRefusedAndNothingIsPosted() {
    flow.seedDeployment("payments", "payments-worker");

    var ack = flow.command(OUTSIDER, OPS, "payments-worker");

    assertThat(ack.statusCode()).isEqualTo(200);
    assertThat(ack.asString()).contains("not allowed");
    assertThat(flow.requestsFor("payments-worker")).isEmpty();
    assertThat(flow.slack.calls("chat.postMessage")).isEmpty();
    assertThat(flow.restartedAt("payments", "payments-worker")).isNull();
  }
}
