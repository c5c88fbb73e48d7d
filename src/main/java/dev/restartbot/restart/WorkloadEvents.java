package dev.restartbot.restart;

import dev.restartbot.cluster.Clusters;
import dev.restartbot.policy.Target;
import dev.restartbot.policy.WorkloadKind;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Kubernetes Events on the restarted workloads, so that {@code kubectl describe} and {@code kubectl
 * get events} show who restarted what, and how the rollout ended. A subscriber of the request
 * events: it writes on a thread of its own, in order, so the sequence never waits for the API.
 */
@ApplicationScoped
public class WorkloadEvents {

  public static final String REQUESTED = "RestartRequested";
  public static final String COMPLETE = "RolloutComplete";
  public static final String FAILED = "RolloutFailed";
  static final String COMPONENT = "restart-bot";

  private static final Logger LOG = Logger.getLogger(WorkloadEvents.class);

  private final Clusters clusters;
  private final Clock clock;
  private final Executor writer;

  @Inject
  public WorkloadEvents(Clusters clusters, Clock clock) {
    this(
        clusters,
        clock,
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "kubernetes-events");
              t.setDaemon(true);
              return t;
            }));
  }

  /** Events in one cluster, {@value Clusters#DEFAULT}. */
  public WorkloadEvents(KubernetesClient client, Clock clock, Executor writer) {
    this(client == null ? null : Clusters.single(client), clock, writer);
  }

  /** With {@code writer} {@code Runnable::run}, events are written on the publishing thread. */
  public WorkloadEvents(Clusters clusters, Clock clock, Executor writer) {
    this.clusters = clusters;
    this.clock = clock;
    this.writer = writer;
  }

  /** The patch accepted, and the rollout's end: each an Event on the workload. */
  void on(@Observes RequestEvent event) {
    if (event instanceof RequestEvent.TargetPatched p) {
      String message =
          p.request().isRollback()
              ? "%s: rollout undo to the previous revision (restartedAt %s)"
                  .formatted(attribution(p.request()), p.patch().restartedAt())
              : "%s: rollout restart (restartedAt %s)"
                  .formatted(attribution(p.request()), p.patch().restartedAt());
      writer.execute(
          () -> record(p.target(), p.patch().uid(), p.requestId(), REQUESTED, false, message));
    } else if (event instanceof RequestEvent.TargetFinished f && f.patched().isPresent()) {
      Outcome end = f.result().outcome();
      if (end instanceof Outcome.Restarted) {
        return; // not followed: the patch is the end, and its Event is written
      }
      boolean ok = end.succeeded();
      String message =
          (ok ? "%s: restart %s" : "%s: restart failed: %s")
              .formatted(attribution(f.request()), end.detail());
      String uid = f.patched().get().uid();
      writer.execute(
          () ->
              record(
                  f.result().target(), uid, f.requestId(), ok ? COMPLETE : FAILED, !ok, message));
    }
  }

  /**
   * The request and who asked and approved it, by id and first in the message: display names are
   * what people chose to call themselves, so they are left out. The same ids as the pod template's
   * annotations.
   */
  static String attribution(RestartRequest request) {
    Workloads.Attribution who = Workloads.Attribution.of(request);
    return "Request %s, requested by %s, approved by %s"
        .formatted(who.requestId(), who.requestedBy(), who.approvedBy());
  }

  /** Writes what is queued before the client goes away, within a few seconds. */
  @PreDestroy
  void drain() {
    if (writer instanceof ExecutorService service) {
      service.shutdown();
      try {
        service.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * Records one Event. Its name is derived from the request, so a retried create meets 409 and
   * never makes a second Event. Failing to record is logged, never fatal to the restart.
   */
  public void record(
      Target target, String uid, String requestId, String reason, boolean warning, String message) {
    String time = clock.instant().truncatedTo(ChronoUnit.SECONDS).toString();
    Event event =
        new EventBuilder()
            .withNewMetadata()
            .withName(name(target, requestId, reason))
            .withNamespace(target.namespace())
            .addToLabels("app.kubernetes.io/managed-by", COMPONENT)
            .endMetadata()
            .withNewInvolvedObject()
            .withApiVersion(apiVersion(target))
            .withKind(kind(target))
            .withName(target.name())
            .withNamespace(target.namespace())
            .withUid(uid)
            .endInvolvedObject()
            .withReason(reason)
            .withMessage(message.length() > 1024 ? message.substring(0, 1024) : message)
            .withType(warning ? "Warning" : "Normal")
            .withNewSource()
            .withComponent(COMPONENT)
            .endSource()
            .withReportingComponent(COMPONENT)
            .withReportingInstance(COMPONENT)
            .withFirstTimestamp(time)
            .withLastTimestamp(time)
            .withCount(1)
            .build();
    try {
      // In the target's cluster, beside the workload, whatever cluster holds the request store.
      clusters
          .client(target.cluster())
          .v1()
          .events()
          .inNamespace(target.namespace())
          .resource(event)
          .create();
    } catch (Clusters.UnknownClusterException e) {
      LOG.warnf("could not record the %s event on %s: %s", reason, target, e.getMessage());
    } catch (KubernetesClientException e) {
      if (e.getCode() == 409) {
        return;
      }
      LOG.warnf("could not record the %s event on %s: %s", reason, target, Workloads.apiMessage(e));
    }
  }

  static String name(Target target, String requestId, String reason) {
    String base = target.name() + "." + requestId + "." + reason.toLowerCase(Locale.ROOT);
    // Event names are DNS subdomains: at most 253 characters.
    return base.length() <= 253 ? base : base.substring(base.length() - 253);
  }

  private static String kind(Target target) {
    return switch (target.kind()) {
      case DEPLOYMENT -> "Deployment";
      case STATEFULSET -> "StatefulSet";
      case DAEMONSET -> "DaemonSet";
      case ROLLOUT -> ArgoRollouts.KIND;
    };
  }

  private static String apiVersion(Target target) {
    return target.kind() == WorkloadKind.ROLLOUT ? ArgoRollouts.API_VERSION : "apps/v1";
  }
}
