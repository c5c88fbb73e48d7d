package dev.restartbot.restart;

import dev.restartbot.policy.Target;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import org.jboss.logging.Logger;

/**
 * Kubernetes Events on the restarted workloads, so that {@code kubectl describe} and {@code kubectl
 * get events} show who restarted what, and how the rollout ended.
 */
@ApplicationScoped
public class WorkloadEvents {

  public static final String REQUESTED = "RestartRequested";
  public static final String COMPLETE = "RolloutComplete";
  public static final String FAILED = "RolloutFailed";
  static final String COMPONENT = "restart-bot";

  private static final Logger LOG = Logger.getLogger(WorkloadEvents.class);

  private final KubernetesClient client;
  private final Clock clock;

  public WorkloadEvents(KubernetesClient client, Clock clock) {
    this.client = client;
    this.clock = clock;
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
            .withApiVersion("apps/v1")
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
      client.v1().events().inNamespace(target.namespace()).resource(event).create();
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
    };
  }
}
