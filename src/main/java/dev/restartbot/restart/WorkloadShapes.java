package dev.restartbot.restart;

import dev.restartbot.policy.Target;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceQuota;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Turns what the API server answered into the plain facts {@link RiskAssessment} works on. */
final class WorkloadShapes {

  private WorkloadShapes() {}

  static PodTemplateSpec template(HasMetadata workload) {
    if (workload instanceof Deployment d) {
      return d.getSpec().getTemplate();
    }
    if (workload instanceof StatefulSet s) {
      return s.getSpec().getTemplate();
    }
    if (workload instanceof GenericKubernetesResource rollout) {
      return ArgoRollouts.template(rollout);
    }
    return ((DaemonSet) workload).getSpec().getTemplate();
  }

  static RiskAssessment.Shape shape(Target target, HasMetadata workload) {
    long generation = orZero(workload.getMetadata().getGeneration());
    List<Map<String, String>> requests = requests(template(workload));
    if (workload instanceof Deployment d) {
      var status = d.getStatus();
      var strategy = d.getSpec().getStrategy();
      boolean recreate = strategy != null && "Recreate".equals(strategy.getType());
      Optional<String> surge =
          Optional.ofNullable(strategy)
              .map(x -> x.getRollingUpdate())
              .map(r -> r.getMaxSurge())
              .map(WorkloadShapes::text);
      return new RiskAssessment.Shape(
          target.kind(),
          orZero(d.getSpec().getReplicas(), 1),
          status == null ? 0 : orZero(status.getReadyReplicas(), 0),
          status == null ? 0 : orZero(status.getUpdatedReplicas(), 0),
          generation,
          status == null ? 0 : orZero(status.getObservedGeneration()),
          recreate ? RiskAssessment.Strategy.RECREATE : RiskAssessment.Strategy.ROLLING_UPDATE,
          surge,
          requests);
    }
    if (workload instanceof StatefulSet s) {
      var status = s.getStatus();
      var strategy = s.getSpec().getUpdateStrategy();
      boolean onDelete = strategy != null && "OnDelete".equals(strategy.getType());
      return new RiskAssessment.Shape(
          target.kind(),
          orZero(s.getSpec().getReplicas(), 1),
          status == null ? 0 : orZero(status.getReadyReplicas(), 0),
          status == null ? 0 : orZero(status.getUpdatedReplicas(), 0),
          generation,
          status == null ? 0 : orZero(status.getObservedGeneration()),
          onDelete ? RiskAssessment.Strategy.ON_DELETE : RiskAssessment.Strategy.ROLLING_UPDATE,
          Optional.empty(),
          requests);
    }
    if (workload instanceof GenericKubernetesResource rollout) {
      return rollout(target, rollout, generation, requests);
    }
    DaemonSet ds = (DaemonSet) workload;
    var status = ds.getStatus();
    var strategy = ds.getSpec().getUpdateStrategy();
    boolean onDelete = strategy != null && "OnDelete".equals(strategy.getType());
    Optional<String> surge =
        Optional.ofNullable(strategy)
            .map(x -> x.getRollingUpdate())
            .map(r -> r.getMaxSurge())
            .map(WorkloadShapes::text);
    return new RiskAssessment.Shape(
        target.kind(),
        status == null ? 0 : orZero(status.getDesiredNumberScheduled(), 0),
        status == null ? 0 : orZero(status.getNumberReady(), 0),
        status == null ? 0 : orZero(status.getUpdatedNumberScheduled(), 0),
        generation,
        status == null ? 0 : orZero(status.getObservedGeneration()),
        onDelete ? RiskAssessment.Strategy.ON_DELETE : RiskAssessment.Strategy.ROLLING_UPDATE,
        surge,
        requests);
  }

  /**
   * A Rollout restarts by replacing its pods in place, one at a time and without surge pods or a
   * new revision, whatever its canary or blue-green strategy: to the risks it is a rolling update
   * with no surge. Argo writes {@code observedGeneration} as a string; one it did not write as a
   * number counts as caught up, since nothing can be told from it.
   */
  private static RiskAssessment.Shape rollout(
      Target target,
      GenericKubernetesResource rollout,
      long generation,
      List<Map<String, String>> requests) {
    return new RiskAssessment.Shape(
        target.kind(),
        ArgoRollouts.integer(rollout, 1, "spec", "replicas"),
        ArgoRollouts.integer(rollout, 0, "status", "readyReplicas"),
        ArgoRollouts.integer(rollout, 0, "status", "updatedReplicas"),
        generation,
        ArgoRollouts.observedGeneration(rollout).orElse(generation),
        RiskAssessment.Strategy.ROLLING_UPDATE,
        Optional.of("0"),
        requests);
  }

  /** Hard limits from the status (what the quota controller enforces), else from the spec. */
  static RiskAssessment.Quota quota(ResourceQuota quota) {
    Map<String, Quantity> hard =
        quota.getStatus() != null && quota.getStatus().getHard() != null
            ? quota.getStatus().getHard()
            : quota.getSpec() == null ? null : quota.getSpec().getHard();
    Map<String, Quantity> used = quota.getStatus() == null ? null : quota.getStatus().getUsed();
    return new RiskAssessment.Quota(
        quota.getMetadata().getName(), quantities(hard), quantities(used));
  }

  /** Per container, its requests; a limit stands in for a request it lacks, as defaulting does. */
  private static List<Map<String, String>> requests(PodTemplateSpec template) {
    if (template == null || template.getSpec() == null) {
      return List.of();
    }
    return template.getSpec().getContainers().stream().map(WorkloadShapes::requests).toList();
  }

  private static Map<String, String> requests(Container container) {
    ResourceRequirements resources = container.getResources();
    if (resources == null) {
      return Map.of();
    }
    Map<String, String> out = new HashMap<>(quantities(resources.getLimits()));
    out.putAll(quantities(resources.getRequests()));
    return out;
  }

  private static Map<String, String> quantities(Map<String, Quantity> quantities) {
    Map<String, String> out = new HashMap<>();
    if (quantities != null) {
      quantities.forEach((k, v) -> out.put(k, v.toString()));
    }
    return out;
  }

  private static String text(IntOrString value) {
    return value.getIntVal() != null ? value.getIntVal().toString() : value.getStrVal();
  }

  private static int orZero(Integer value, int fallback) {
    return value == null ? fallback : value;
  }

  private static long orZero(Long value) {
    return value == null ? 0 : value;
  }
}
