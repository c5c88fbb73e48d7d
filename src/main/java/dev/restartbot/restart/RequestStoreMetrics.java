package dev.restartbot.restart;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.microprofile.context.ManagedExecutor;
import org.jboss.logging.Logger;

/**
 * What the request store holds, for {@code /q/metrics}: {@code restartbot_requests_pending}, the
 * requests waiting for an approver in the whole store (every replica reports the same figure, so
 * dashboards take the {@code max}, never the {@code sum}), and {@code
 * restartbot_request_store_reachable}, 1 when the last read of the store succeeded and 0 when it
 * failed.
 *
 * <p>The store is read in the background, as {@link KubernetesHealth} reads the API server: once at
 * start and then every {@code restart.health-refresh-every}, selecting only pending requests. A
 * scrape reads the last answer and never waits on the store; when a read fails, the pending figure
 * keeps its last value.
 */
@ApplicationScoped
public class RequestStoreMetrics {

  private static final Logger LOG = Logger.getLogger(RequestStoreMetrics.class);

  private final RequestStore store;
  private final AtomicBoolean refreshing = new AtomicBoolean();
  private volatile double pending = Double.NaN;
  private volatile double reachable = Double.NaN;

  private final MeterRegistry registry;
  private final List<Gauge> gauges;

  public RequestStoreMetrics(RequestStore store, MeterRegistry registry) {
    this.store = store;
    this.registry = registry;
    this.gauges =
        List.of(
            Gauge.builder("restartbot.requests.pending", this, m -> m.pending)
                .description("Requests waiting for an approver, in the whole store")
                .register(registry),
            Gauge.builder("restartbot.request.store.reachable", this, m -> m.reachable)
                .description(
                    "1 when the last read of the request store succeeded, 0 when it failed")
                .register(registry));
  }

  /**
   * The gauges go with this bean: the registry Quarkus injects is Micrometer's global one, which
   * outlives the application in a JVM that starts it again (the tests do), and it would keep
   * answering a later registration with a gauge of an object that is gone.
   */
  @PreDestroy
  void removeGauges() {
    gauges.forEach(registry::remove);
  }

  void refreshAtStart(@Observes StartupEvent event, ManagedExecutor background) {
    background.execute(this::refresh);
  }

  /** Reads the pending requests; skipped while an earlier read still waits for its answer. */
  @Scheduled(
      every = KubernetesHealth.REFRESH_EVERY,
      delayed = KubernetesHealth.REFRESH_EVERY,
      concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
  void refresh() {
    if (!refreshing.compareAndSet(false, true)) {
      return;
    }
    try {
      pending = store.list(EnumSet.of(RequestState.PENDING), r -> true).size();
      reachable = 1;
    } catch (RuntimeException e) {
      LOG.debugf(e, "the request store could not be read");
      reachable = 0;
    } finally {
      refreshing.set(false);
    }
  }
}
