package dev.restartbot.restart;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.microprofile.context.ManagedExecutor;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Whether the Kubernetes API answers, shown as a detail of readiness. Always UP: an API server
 * hiccup must not take every replica out of the Service, and restarts report it per target.
 *
 * <p>The API is asked in the background, once at start and then every {@code
 * restart.health-refresh-every}; a probe only reads the last answer, so it never waits on the API
 * server or on the client's retries.
 */
@Readiness
@ApplicationScoped
public class KubernetesHealth implements HealthCheck {

  /** The refresh period, which is also when the first scheduled refresh comes after the start. */
  static final String REFRESH_EVERY = "${restart.health-refresh-every:30s}";

  private final KubernetesClient client;
  private final AtomicBoolean refreshing = new AtomicBoolean();
  private volatile String last = "not checked yet";

  public KubernetesHealth(KubernetesClient client) {
    this.client = client;
  }

  void refreshAtStart(@Observes StartupEvent event, ManagedExecutor background) {
    background.execute(this::refresh);
  }

  /** Asks the API server; skipped while an earlier refresh still waits for its answer. */
  @Scheduled(
      every = REFRESH_EVERY,
      delayed = REFRESH_EVERY,
      concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
  void refresh() {
    if (!refreshing.compareAndSet(false, true)) {
      return;
    }
    try {
      last = "reachable (" + client.getKubernetesVersion().getGitVersion() + ")";
    } catch (KubernetesClientException e) {
      last = "unreachable: " + Workloads.apiMessage(e);
    } catch (RuntimeException e) {
      last = "unreachable: " + e.getMessage();
    } finally {
      refreshing.set(false);
    }
  }

  @Override
  public HealthCheckResponse call() {
    return HealthCheckResponse.named("kubernetes-api").up().withData("status", last).build();
  }
}
