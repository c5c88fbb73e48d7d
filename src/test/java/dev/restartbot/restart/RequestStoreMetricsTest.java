package dev.restartbot.restart;

import static dev.restartbot.testing.RequestBuilder.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anySet;
import static org.mockito.Mockito.doCallRealMethod;
import static org.mockito.Mockito.doThrow;
import static org.mockito.Mockito.spy;

import io.fabric8.kubernetes.client.KubernetesClientException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

class RequestStoreMetricsTest {

  private final InMemoryRequestStore store = spy(new InMemoryRequestStore());
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final RequestStoreMetrics metrics = new RequestStoreMetrics(store, registry);

  private double gauge(String name) {
    return registry.get(name).gauge().value();
  }

  private void seed() {
    store.create(request().id("p1").deployments("ns", "a").build());
    store.create(request().id("p2").deployments("ns", "b").build());
    store.create(request().id("a1").deployments("ns", "c").byPolicy().build());
    store.create(request().id("d1").deployments("ns", "d").build());
    store.update("d1", r -> true, r -> r.withState(RequestState.DENIED));
  }

  @Test
  void beforeTheFirstReadBothFiguresAreUnknown() {
    assertThat(gauge("restartbot.requests.pending")).isNaN();
    assertThat(gauge("restartbot.request.store.reachable")).isNaN();
  }

  @Test
  void anApplicationStartedAgainInTheSameRegistryReportsItsOwnFigures() {
    seed();
    metrics.refresh();
    assertThat(gauge("restartbot.requests.pending")).isEqualTo(2);

    // The application stops, and starts again in the same JVM: the registry Quarkus injects is
    // Micrometer's global one, which outlives it. The new store holds nothing yet.
    metrics.removeGauges();
    RequestStoreMetrics again = new RequestStoreMetrics(new InMemoryRequestStore(), registry);
    again.refresh();

    assertThat(gauge("restartbot.requests.pending")).isEqualTo(0);
  }

  @Test
  void countsTheRequestsWaitingForAnApproverAndNoOthers() {
    seed();

    metrics.refresh();

    assertThat(gauge("restartbot.requests.pending")).isEqualTo(2);
    assertThat(gauge("restartbot.request.store.reachable")).isEqualTo(1);
  }

  @Test
  void everyReplicaReportsTheWholeStoreSoTheFiguresAgree() {
    SimpleMeterRegistry otherReplica = new SimpleMeterRegistry();
    RequestStoreMetrics other = new RequestStoreMetrics(store, otherReplica);
    seed();

    metrics.refresh();
    other.refresh();

    assertThat(otherReplica.get("restartbot.requests.pending").gauge().value())
        .isEqualTo(gauge("restartbot.requests.pending"))
        .isEqualTo(2);
  }

  @Test
  void aStoreThatCannotBeReadIsUnreachableAndThePendingFigureKeepsItsLastValue() {
    seed();
    metrics.refresh();
    doThrow(new KubernetesClientException("connection refused")).when(store).list(anySet(), any());

    metrics.refresh();

    assertThat(gauge("restartbot.request.store.reachable")).isZero();
    assertThat(gauge("restartbot.requests.pending")).isEqualTo(2);

    doCallRealMethod().when(store).list(anySet(), any());
    store.update("p1", r -> true, r -> r.withState(RequestState.EXPIRED));
    metrics.refresh();

    assertThat(gauge("restartbot.request.store.reachable")).isEqualTo(1);
    assertThat(gauge("restartbot.requests.pending")).isEqualTo(1);
  }
}
