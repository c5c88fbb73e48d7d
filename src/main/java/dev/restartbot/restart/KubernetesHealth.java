package dev.restartbot.restart;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Whether the Kubernetes API answers, shown as a detail of readiness. Always UP: an API server
 * hiccup must not take every replica out of the Service, and restarts report it per target.
 */
@Readiness
@ApplicationScoped
public class KubernetesHealth implements HealthCheck {

  private static final Duration CACHE = Duration.ofSeconds(30);

  private final KubernetesClient client;
  private final Clock clock;
  private volatile String last = "not checked yet";
  private volatile Instant checkedAt = Instant.EPOCH;

  public KubernetesHealth(KubernetesClient client, Clock clock) {
    this.client = client;
    this.clock = clock;
  }

  @Override
  public HealthCheckResponse call() {
    Instant now = clock.instant();
    if (now.isAfter(checkedAt.plus(CACHE))) {
      checkedAt = now;
      try {
        last = "reachable (" + client.getKubernetesVersion().getGitVersion() + ")";
      } catch (KubernetesClientException e) {
        last = "unreachable: " + Workloads.apiMessage(e);
      } catch (RuntimeException e) {
        last = "unreachable: " + e.getMessage();
      }
    }
    return HealthCheckResponse.named("kubernetes-api").up().withData("status", last).build();
  }
}
