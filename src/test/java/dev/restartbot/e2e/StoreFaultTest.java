package dev.restartbot.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.restartbot.audit.AuditAction;
import dev.restartbot.audit.AuditLog;
import dev.restartbot.audit.AuditRecord;
import dev.restartbot.restart.ConfigMapRequestStore;
import dev.restartbot.restart.RequestStore;
import dev.restartbot.restart.RestartRequest;
import dev.restartbot.testing.TcpProxy;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import jakarta.inject.Inject;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The API server failing while it also holds the requests (the cluster store): a conflict on the
 * request's own ConfigMap is read again and decided again, and nothing is restarted twice.
 */
@QuarkusTest
@TestProfile(StoreFaultProfile.class)
class StoreFaultTest {

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
  void conflictOnTheRequestsOwnConfigMapIsReadAgainAndTheResultKeptOnce() throws Exception {
    String[] names = sequence.seed("payments-s409");
    AtomicInteger conflicts = new AtomicInteger();
    // Once the first result is stored, the next write of the request meets a 409 (as when
    // another replica wrote in between): the store must read again and write again.
    Consumer<AuditRecord> conflictNext =
        r -> {
          if (r.action() == AuditAction.RESULT && r.targets().get(0).endsWith("/" + names[0])) {
            server
                .expect()
                .put()
                .withPath(configMapPath(r.requestId()))
                .andReply(
                    409,
                    request -> {
                      conflicts.incrementAndGet();
                      return FaultSequence.status(
                          409, "Conflict", "the object has been modified; please try again");
                    })
                .once();
          }
        };
    audit.addListener(conflictNext);
    RestartRequest done;
    try {
      done = sequence.runApproved(names);
    } finally {
      audit.removeListener(conflictNext);
    }

    assertThat(conflicts).hasValue(1);
    sequence.assertOutcomes(done, "restarted", "restarted", "restarted");
    sequence.assertThread(done, "restarted", "restarted", "restarted");
    sequence.assertRestartedAtMostOnce(names);
    ConfigMap kept =
        server
            .getClient()
            .configMaps()
            .inNamespace(ClusterStoreProfile.NAMESPACE)
            .withName(ConfigMapRequestStore.configMapName(done.id()))
            .get();
    assertThat(kept.getMetadata().getLabels()).containsEntry("restart-bot/state", "done");
    assertThat(store.find(done.id()).orElseThrow().results()).hasSize(3);
    sequence.assertHealthyAndServing("payments-s409-next");
  }

  @Test
  void apiServerGoingAwayRightAfterARestartLosesNoAuditLineAndRestartsNothingMore()
      throws Exception {
    String[] names = sequence.seed("payments-sdown");
    // The server goes away just after it accepted the second target's patch: the bot records
    // the Event of that restart, then can neither store the result nor reach the third target.
    server
        .expect()
        .post()
        .withPath("/api/v1/namespaces/test/events")
        .andReply(
            201,
            event -> {
              String body = event.getUtf8Body();
              if (body.contains(names[1]) && body.contains("RestartRequested")) {
                CompletableFuture.runAsync(proxy::refuse);
              }
              return body;
            })
        .always();
    RestartRequest request =
        flow.requested(SlackFlowHarness.REQUESTER, String.join(" ", names), names[0]);
    flow.click(SlackFlowHarness.LEAD, request, "restart_approve").then().statusCode(200);

    sequence.awaitSummary(request);

    // Every target has its audit line, the one restarted just before the outage included; the
    // third was not started, and the end of the run is audited too.
    assertThat(sequence.results(request.id()))
        .extracting(AuditRecord::outcome)
        .containsExactly("restarted", "restarted", "skipped");
    assertThat(sequence.results(request.id()).get(2).detail()).startsWith("store_unreachable: ");
    assertThat(sequence.records(request.id()))
        .filteredOn(r -> r.action() == AuditAction.FINISHED)
        .singleElement()
        .satisfies(r -> assertThat(r.detail()).isEqualTo("2 of 3 restarted"));
    sequence.assertThread(request, "restarted", "restarted", "could not be reached");
    proxy.accept();
    sequence.assertRestartedAtMostOnce(names);
    assertThat(flow.restartedAt(names[1])).isNotNull();
    assertThat(flow.restartedAt(names[2])).isNull();
    sequence.assertHealthyAndServing("payments-sdown-next");
  }

  private static String configMapPath(String requestId) {
    return "/api/v1/namespaces/"
        + ClusterStoreProfile.NAMESPACE
        + "/configmaps/"
        + ConfigMapRequestStore.configMapName(requestId);
  }
}
