package dev.restartbot.restart;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Run ownership through {@code coordination.k8s.io} Leases, one per running request in the bot's
 * namespace, renewed while the sequence runs.
 */
public final class LeaseRunOwnership implements RunOwnership {

  private static final Logger LOG = Logger.getLogger(LeaseRunOwnership.class);

  private final KubernetesClient client;
  private final String namespace;
  private final String identity;
  private final Duration duration;
  private final Clock clock;
  private final ScheduledExecutorService renewer;

  public LeaseRunOwnership(
      KubernetesClient client, String namespace, String identity, Duration duration, Clock clock) {
    this.client = client;
    this.namespace = namespace;
    this.identity = identity;
    this.duration = duration;
    this.clock = clock;
    this.renewer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "restart-lease-renewer");
              t.setDaemon(true);
              return t;
            });
  }

  static String leaseName(String requestId) {
    return "restart-run-" + requestId;
  }

  @Override
  public Claim claim(RestartRequest request) {
    String name = leaseName(request.id());
    ZonedDateTime now = now();
    Lease lease =
        new LeaseBuilder()
            .withNewMetadata()
            .withName(name)
            .withNamespace(namespace)
            .addToLabels("app.kubernetes.io/managed-by", "restart-bot")
            .addToLabels("restart-bot/request-id", request.id())
            .endMetadata()
            .withNewSpec()
            .withHolderIdentity(identity)
            .withLeaseDurationSeconds((int) duration.toSeconds())
            .withAcquireTime(now)
            .withRenewTime(now)
            .endSpec()
            .build();
    client.leases().inNamespace(namespace).resource(lease).createOr(existing -> existing.update());
    long every = Math.max(1, duration.toMillis() / 3);
    ScheduledFuture<?> renewal =
        renewer.scheduleAtFixedRate(() -> renew(name), every, every, TimeUnit.MILLISECONDS);
    return () -> {
      renewal.cancel(false);
      try {
        client.leases().inNamespace(namespace).withName(name).delete();
      } catch (KubernetesClientException e) {
        LOG.warnf("could not release lease %s: %s", name, Workloads.apiMessage(e));
      }
    };
  }

  private void renew(String name) {
    try {
      client
          .leases()
          .inNamespace(namespace)
          .withName(name)
          .edit(
              l ->
                  new LeaseBuilder(l)
                      .editSpec()
                      .withHolderIdentity(identity)
                      .withRenewTime(now())
                      .endSpec()
                      .build());
    } catch (KubernetesClientException e) {
      // A missed renewal is survivable: the lease lasts three renewal periods.
      LOG.warnf("could not renew lease %s: %s", name, Workloads.apiMessage(e));
    }
  }

  @Override
  public boolean isAbandoned(RestartRequest request) {
    Lease lease = client.leases().inNamespace(namespace).withName(leaseName(request.id())).get();
    Instant now = clock.instant();
    if (lease == null || lease.getSpec() == null || lease.getSpec().getRenewTime() == null) {
      // The owner claims right after it starts the run; give it one lease period to do so.
      Instant started =
          request.decision().map(RestartRequest.Decision::at).orElse(request.createdAt());
      return now.isAfter(started.plus(duration));
    }
    Integer seconds = lease.getSpec().getLeaseDurationSeconds();
    Duration lasts = seconds == null ? duration : Duration.ofSeconds(seconds);
    return now.isAfter(lease.getSpec().getRenewTime().toInstant().plus(lasts));
  }

  private ZonedDateTime now() {
    return ZonedDateTime.ofInstant(clock.instant(), ZoneOffset.UTC);
  }
}
