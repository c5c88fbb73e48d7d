package dev.restartbot.restart;

import dev.restartbot.cluster.Clusters;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.microprofile.context.ManagedExecutor;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * Whether each cluster's Kubernetes API answers, shown as details of readiness and as the gauge
 * {@code restartbot.cluster.reachable} (1 when the last check reached the cluster, 0 when not).
 * Always UP: an API server hiccup, or one cluster of several gone, must not take every replica out
 * of the Service; the requests for that cluster are refused, naming it, and the others go on.
 *
 * <p>Each cluster is asked in the background, once at start and then every {@code
 * restart.health-refresh-every}, apart from the others, so that a cluster that never answers delays
 * no other's state; a probe only reads the last answers, so it never waits on an API server or on
 * the client's retries.
 */
@Readiness
@ApplicationScoped
public class KubernetesHealth implements HealthCheck {

  /** The refresh period, which is also when the first scheduled refresh comes after the start. */
  static final String REFRESH_EVERY = "${restart.health-refresh-every:30s}";

  /** One cluster's last answer, and whether a check of it is waiting for the API now. */
  private static final class State {
    final KubernetesClient client;
    final AtomicBoolean refreshing = new AtomicBoolean();
    final AtomicInteger reachable = new AtomicInteger();
    volatile String last = "not checked yet";

    State(KubernetesClient client) {
      this.client = client;
    }
  }

  private final Map<String, State> clusters = new LinkedHashMap<>();
  private final List<Gauge> gauges = new ArrayList<>();
  private final MeterRegistry registry;
  private final boolean named;
  private final Executor checks;

  @Inject
  public KubernetesHealth(Clusters clusters, MeterRegistry registry) {
    this(clusters, registry, background());
  }

  /** The health of one cluster, checked on the refreshing thread. */
  KubernetesHealth(KubernetesClient client) {
    this(Clusters.single(client), new SimpleMeterRegistry(), Runnable::run);
  }

  KubernetesHealth(Clusters clusters, MeterRegistry registry, Executor checks) {
    for (String name : clusters.names()) {
      State state = new State(clusters.client(name));
      this.clusters.put(name, state);
      gauges.add(
          Gauge.builder("restartbot.cluster.reachable", state.reachable, AtomicInteger::get)
              .description("1 when the last check reached the cluster's API server, 0 when not")
              .tag("cluster", name)
              .register(registry));
    }
    this.registry = registry;
    this.named = !clusters.names().equals(List.of(Clusters.DEFAULT));
    this.checks = checks;
  }

  private static Executor background() {
    AtomicInteger n = new AtomicInteger();
    return Executors.newCachedThreadPool(
        r -> {
          Thread t = new Thread(r, "cluster-health-" + n.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
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

  /** Asks every API server; a cluster whose earlier check still waits for its answer is skipped. */
  @Scheduled(
      every = REFRESH_EVERY,
      delayed = REFRESH_EVERY,
      concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
  void refresh() {
    clusters
        .values()
        .forEach(
            state -> {
              if (state.refreshing.compareAndSet(false, true)) {
                checks.execute(() -> check(state));
              }
            });
  }

  private static void check(State state) {
    try {
      state.last = "reachable (" + state.client.getKubernetesVersion().getGitVersion() + ")";
      state.reachable.set(1);
    } catch (KubernetesClientException e) {
      state.last = "unreachable: " + Workloads.apiMessage(e);
      state.reachable.set(0);
    } catch (RuntimeException e) {
      state.last = "unreachable: " + e.getMessage();
      state.reachable.set(0);
    } finally {
      state.refreshing.set(false);
    }
  }

  /** A bot of one unnamed cluster says {@code status}; a fleet says each cluster's by its name. */
  @Override
  public HealthCheckResponse call() {
    HealthCheckResponseBuilder response = HealthCheckResponse.named("kubernetes-api").up();
    clusters.forEach((name, state) -> response.withData(named ? name : "status", state.last));
    return response.build();
  }
}
