package dev.restartbot.restart;

import static org.assertj.core.api.Assertions.assertThat;

import dev.restartbot.restart.RunOwnership.Holding;
import dev.restartbot.testing.ManualScheduler;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Claims on runs as Leases, judged the way client-go's leader election judges them: on the
 * observer's own monotonic clock. Time here is a {@link ManualScheduler}: renewals run when the
 * test moves time, and every replica reads the same fake monotonic clock, while their wall clocks
 * may disagree.
 */
@EnableKubernetesMockClient(crud = true)
class LeaseRunOwnershipTest {

  private static final Duration DURATION = Duration.ofSeconds(30);

  KubernetesClient client;

  private final ManualScheduler time = new ManualScheduler();

  /** A Lease API whose next calls can fail or be slow, as a real API server's can. */
  private final class Faulty implements LeaseRunOwnership.LeaseApi {
    final LeaseRunOwnership.LeaseApi real = LeaseRunOwnership.LeaseApi.of(client, "bot");
    volatile Supplier<RuntimeException> updateFails;
    final AtomicInteger updates = new AtomicInteger();

    @Override
    public Lease get(String name) {
      return real.get(name);
    }

    @Override
    public Lease create(Lease lease) {
      return real.create(lease);
    }

    @Override
    public Lease update(Lease lease) {
      updates.incrementAndGet();
      Supplier<RuntimeException> fail = updateFails;
      if (fail != null) {
        throw fail.get();
      }
      return real.update(lease);
    }

    @Override
    public void delete(Lease lease) {
      real.delete(lease);
    }

    @Override
    public List<Lease> list() {
      return real.list();
    }
  }

  private LeaseRunOwnership replica(String identity, LeaseRunOwnership.LeaseApi api, Clock wall) {
    return new LeaseRunOwnership(api, "bot", identity, DURATION, wall, time, time::nanoTime);
  }

  private LeaseRunOwnership replica(String identity) {
    return replica(identity, LeaseRunOwnership.LeaseApi.of(client, "bot"), Clock.systemUTC());
  }

  private Lease lease(String requestId) {
    return client
        .leases()
        .inNamespace("bot")
        .withName(LeaseRunOwnership.leaseName(requestId))
        .get();
  }

  @Test
  void claimIsALeaseHeldByThisReplicaAndReleasedOnClose() {
    LeaseRunOwnership a = replica("pod-a");
    try (RunOwnership.Claim claim = a.claim("r1").orElseThrow()) {
      Lease lease = lease("r1");
      assertThat(lease.getSpec().getHolderIdentity()).isEqualTo("pod-a");
      assertThat(lease.getSpec().getLeaseDurationSeconds()).isEqualTo(30);
      assertThat(lease.getMetadata().getLabels())
          .containsEntry("app.kubernetes.io/managed-by", "restart-bot")
          .containsEntry("restart-bot/request-id", "r1");
      assertThat(claim.held()).isTrue();
      assertThat(replica("pod-b").claim("r1")).as("held by pod-a").isEmpty();
    }
    assertThat(lease("r1")).isNull();
  }

  @Test
  void aRenewedClaimStaysLiveLongAfterItsDuration() {
    LeaseRunOwnership a = replica("pod-a");
    LeaseRunOwnership b = replica("pod-b");
    RunOwnership.Claim claim = a.claim("r2").orElseThrow();

    for (int i = 0; i < 12; i++) {
      assertThat(b.observe("r2")).isEqualTo(Holding.LIVE);
      time.advance(Duration.ofSeconds(10));
    }

    assertThat(b.observe("r2")).isEqualTo(Holding.LIVE);
    assertThat(claim.held()).isTrue();
    assertThat(b.claim("r2")).isEmpty();
    claim.close();
  }

  @Test
  void aClaimNobodyRenewsLapsesAfterItsDurationOnTheObserversClock() {
    Faulty api = new Faulty();
    LeaseRunOwnership a = replica("pod-a", api, Clock.systemUTC());
    LeaseRunOwnership b = replica("pod-b");
    a.claim("r3").orElseThrow();
    // pod-a dies: its renewals never reach the API server again.
    api.updateFails = () -> new KubernetesClientException("connection refused");

    assertThat(b.observe("r3")).isEqualTo(Holding.LIVE);
    time.advance(Duration.ofSeconds(29));
    assertThat(b.observe("r3")).isEqualTo(Holding.LIVE);
    time.advance(Duration.ofSeconds(1));
    assertThat(b.observe("r3")).isEqualTo(Holding.LAPSED);

    RunOwnership.Claim taken = b.claim("r3").orElseThrow();
    assertThat(lease("r3").getSpec().getHolderIdentity()).isEqualTo("pod-b");
    assertThat(lease("r3").getSpec().getLeaseTransitions()).isEqualTo(1);
    taken.close();
  }

  @Test
  void wallClocksMinutesApartDoNotMakeALiveClaimLookDead() {
    // The runner's wall clock is ten minutes behind: every renewTime it writes looks stale to a
    // replica that compares it with its own wall clock.
    Clock behind = Clock.fixed(Instant.now().minus(Duration.ofMinutes(10)), ZoneOffset.UTC);
    Clock behindButMoving = Clock.offset(Clock.systemUTC(), Duration.ofMinutes(-10));
    LeaseRunOwnership a =
        replica("pod-a", LeaseRunOwnership.LeaseApi.of(client, "bot"), behindButMoving);
    LeaseRunOwnership b =
        replica("pod-b", LeaseRunOwnership.LeaseApi.of(client, "bot"), Clock.systemUTC());
    RunOwnership.Claim claim = a.claim("r4").orElseThrow();

    for (int i = 0; i < 10; i++) {
      time.advance(Duration.ofSeconds(10));
      assertThat(b.observe("r4")).as("after %d s", (i + 1) * 10).isEqualTo(Holding.LIVE);
    }
    claim.close();

    // And a runner whose clock is ahead cannot keep a dead claim alive: only change counts.
    Clock ahead = Clock.offset(behind, Duration.ofMinutes(30));
    Faulty api = new Faulty();
    replica("pod-c", api, ahead).claim("r5").orElseThrow();
    api.updateFails = () -> new KubernetesClientException("connection refused");
    assertThat(b.observe("r5")).isEqualTo(Holding.LIVE);
    time.advance(DURATION);
    assertThat(b.observe("r5")).isEqualTo(Holding.LAPSED);
  }

  @Test
  void aRenewalThatThrowsAnythingIsTriedAgainAtTheNextTick() {
    Faulty api = new Faulty();
    LeaseRunOwnership a = replica("pod-a", api, Clock.systemUTC());
    LeaseRunOwnership b = replica("pod-b");
    RunOwnership.Claim claim = a.claim("r6").orElseThrow();
    // Not a KubernetesClientException: a bug, a NullPointerException, an Error of a library.
    api.updateFails = () -> new IllegalStateException("boom");
    time.advance(Duration.ofSeconds(5));
    api.updateFails = null;

    for (int i = 0; i < 12; i++) {
      time.advance(Duration.ofSeconds(5));
      assertThat(b.observe("r6")).as("after %d s", (i + 2) * 5).isEqualTo(Holding.LIVE);
    }
    assertThat(claim.held()).isTrue();
    claim.close();
  }

  @Test
  void aRunnerThatCannotRenewForHalfTheDurationNoLongerHoldsItsClaim() {
    Faulty api = new Faulty();
    LeaseRunOwnership a = replica("pod-a", api, Clock.systemUTC());
    RunOwnership.Claim claim = a.claim("r7").orElseThrow();
    // A slow API server: every renewal times out.
    api.updateFails = () -> new KubernetesClientException("timeout", 504, null);

    time.advance(Duration.ofSeconds(14));
    assertThat(claim.held()).isTrue();
    assertThat(api.updates.get()).as("renewals tried").isGreaterThanOrEqualTo(2);
    time.advance(Duration.ofSeconds(1));
    assertThat(claim.held()).as("15 s, half the duration, without a renewal").isFalse();
    // Well before anyone else may take it: another replica needs the full 30 s.
    claim.close();
  }

  @Test
  void aClaimTakenOverIsLostToItsFormerHolder() {
    Faulty api = new Faulty();
    LeaseRunOwnership a = replica("pod-a", api, Clock.systemUTC());
    LeaseRunOwnership b = replica("pod-b");
    RunOwnership.Claim claimA = a.claim("r8").orElseThrow();
    api.updateFails = () -> new KubernetesClientException("network partition");
    b.observe("r8");
    time.advance(DURATION);
    RunOwnership.Claim claimB = b.claim("r8").orElseThrow();
    api.updateFails = null;

    time.advance(Duration.ofSeconds(5));

    assertThat(claimA.held()).isFalse();
    claimA.close();
    assertThat(lease("r8").getSpec().getHolderIdentity())
        .as("closing a lost claim leaves the new holder's Lease alone")
        .isEqualTo("pod-b");
    assertThat(claimB.held()).isTrue();
    claimB.close();
  }

  @Test
  void aClaimHandedBackIsReleasedAtOnceAndAnotherReplicaMayTakeIt() {
    LeaseRunOwnership a = replica("pod-a");
    LeaseRunOwnership b = replica("pod-b");
    RunOwnership.Claim claim = a.claim("r9").orElseThrow();

    claim.handBack();

    assertThat(b.observe("r9")).isEqualTo(Holding.RELEASED);
    RunOwnership.Claim resumed = b.claim("r9").orElseThrow();
    assertThat(replica("pod-c").claim("r9")).as("exactly one replica resumes it").isEmpty();
    assertThat(lease("r9").getSpec().getHolderIdentity()).isEqualTo("pod-b");
    resumed.close();
  }

  @Test
  void claimsLeftBehindByRunsThatEndedAreRemovedOnceTheyLapse() {
    Faulty api = new Faulty();
    LeaseRunOwnership dead = replica("pod-a", api, Clock.systemUTC());
    LeaseRunOwnership b = replica("pod-b");
    dead.claim("gone").orElseThrow();
    dead.claim("active").orElseThrow();
    api.updateFails = () -> new KubernetesClientException("connection refused");

    assertThat(b.removeLeftovers(Set.of("active"))).as("not watched long enough").isZero();
    time.advance(DURATION);
    assertThat(b.removeLeftovers(Set.of("active"))).isEqualTo(1);

    assertThat(lease("gone")).isNull();
    assertThat(lease("active")).as("its request is still active: the sweep decides").isNotNull();
  }
}
