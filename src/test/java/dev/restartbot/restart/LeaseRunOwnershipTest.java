package dev.restartbot.restart;

import static org.assertj.core.api.Assertions.assertThat;

import dev.restartbot.testing.RequestBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

@EnableKubernetesMockClient(crud = true)
class LeaseRunOwnershipTest {

  KubernetesClient client;

  /** A clock the test moves by hand. */
  private static final class ManualClock extends Clock {
    Instant now = Instant.parse("2026-11-26T10:00:00Z");

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  private final ManualClock clock = new ManualClock();

  private RestartRequest running(String id) {
    return RequestBuilder.request()
        .id(id)
        .requester("U1", "alice")
        .channel("C1")
        .createdAt(clock.now)
        .message("1.1")
        .decided(RequestState.RUNNING, "U2", "bob", clock.now)
        .build();
  }

  private LeaseRunOwnership owner(String identity) {
    return new LeaseRunOwnership(client, "bot", identity, Duration.ofSeconds(30), clock);
  }

  @Test
  void claimIsALeaseHeldByThisReplicaAndReleasedOnClose() {
    RestartRequest request = running("r1");

    try (RunOwnership.Claim claim = owner("pod-a").claim(request)) {
      Lease lease = client.leases().inNamespace("bot").withName("restart-run-r1").get();
      assertThat(lease.getSpec().getHolderIdentity()).isEqualTo("pod-a");
      assertThat(lease.getSpec().getLeaseDurationSeconds()).isEqualTo(30);
      assertThat(lease.getMetadata().getLabels())
          .containsEntry("app.kubernetes.io/managed-by", "restart-bot");
      assertThat(owner("pod-b").isAbandoned(request)).isFalse();
    }

    assertThat(client.leases().inNamespace("bot").withName("restart-run-r1").get()).isNull();
  }

  @Test
  void leaseNotRenewedForItsDurationMeansTheRunIsAbandoned() {
    RestartRequest request = running("r2");
    RunOwnership.Claim claim = owner("pod-a").claim(request);
    // The renewer runs every 10 s of real time; the test's clock jumps ahead of it.
    clock.now = clock.now.plusSeconds(29);
    assertThat(owner("pod-b").isAbandoned(request)).isFalse();

    clock.now = clock.now.plusSeconds(2);

    assertThat(owner("pod-b").isAbandoned(request)).isTrue();
    claim.close();
  }

  @Test
  void runWithoutALeaseGetsOneLeasePeriodToClaimIt() {
    RestartRequest request = running("r3");

    assertThat(owner("pod-b").isAbandoned(request)).isFalse();
    clock.now = clock.now.plusSeconds(31);
    assertThat(owner("pod-b").isAbandoned(request)).isTrue();
  }
}
