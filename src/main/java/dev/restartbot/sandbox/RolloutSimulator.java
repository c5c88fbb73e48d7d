package dev.restartbot.sandbox;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSetStatus;
import io.fabric8.kubernetes.api.model.apps.DaemonSetStatusBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.fabric8.kubernetes.api.model.apps.DeploymentConditionBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSetStatus;
import io.fabric8.kubernetes.api.model.apps.StatefulSetStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.quarkus.arc.profile.UnlessBuildProfile;
import io.quarkus.arc.properties.IfBuildProperty;
import io.quarkus.runtime.Startup;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Plays the Deployment, StatefulSet and DaemonSet controllers on each of the sandbox's clusters:
 * when a workload's generation moves past its {@code status.observedGeneration} (a pod template
 * changed, as a restart does), it walks the status through the fields a real controller writes, one
 * step every {@link #STEP}, until the rollout is complete. A Deployment annotated {@link
 * SandboxCluster#FAIL_ANNOTATION}{@code =fail} gets stuck on its first new pod and ends with the
 * {@code ProgressDeadlineExceeded} condition, as a crash-looping image would (after seconds rather
 * than the ten minutes of {@code progressDeadlineSeconds}); only a template it has not run before
 * fails: rolled back to an earlier revision, it rolls out. Each Deployment rollout keeps a
 * ReplicaSet per pod template with its {@code deployment.kubernetes.io/revision}, as the controller
 * does, so that a roll back has revisions to find.
 *
 * <p>It plays the Argo Rollouts controller too: a Rollout whose {@code spec.restartAt} moved has
 * its pods replaced one at a time, then {@code status.restartedAt} set and the phase back to {@code
 * Healthy}; with the fail annotation it ends {@code Degraded}, with the message the controller
 * gives a rollout that ran out of its progress deadline.
 */
@Singleton
@Startup
@IfBuildProperty(name = "restart.sandbox.enabled", stringValue = "true")
@UnlessBuildProfile("prod")
public class RolloutSimulator {

  static final Duration STEP = Duration.ofMillis(800);

  private static final Logger LOG = Logger.getLogger(RolloutSimulator.class);

  private final Duration step;
  private final ScheduledExecutorService steps;
  private final Map<String, Run> runs = new ConcurrentHashMap<>();
  private final List<SharedIndexInformer<?>> informers = new ArrayList<>();

  /** The rollout being played for one workload and generation. */
  private record Run(long generation, ScheduledFuture<?> next) {}

  @Inject
  public RolloutSimulator(SandboxCluster cluster) {
    this(cluster, STEP);
  }

  RolloutSimulator(SandboxCluster cluster, Duration step) {
    this.step = step;
    this.steps =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "sandbox-controllers");
              t.setDaemon(true);
              return t;
            });
    cluster
        .clients()
        .forEach(
            (name, client) -> {
              informers.add(
                  client.apps().deployments().inAnyNamespace().inform(handler(name, client)));
              informers.add(
                  client.apps().statefulSets().inAnyNamespace().inform(handler(name, client)));
              informers.add(
                  client.apps().daemonSets().inAnyNamespace().inform(handler(name, client)));
              informers.add(
                  client
                      .genericKubernetesResources(SandboxCluster.ARGO_ROLLOUTS)
                      .inAnyNamespace()
                      .inform(handler(name, client)));
            });
  }

  @PreDestroy
  void stop() {
    informers.forEach(SharedIndexInformer::close);
    steps.shutdownNow();
  }

  /** Writes the status of a workload whose rollout is complete at its current generation. */
  static void settle(KubernetesClient client, HasMetadata workload, int replicas) {
    long generation = generation(workload);
    if (workload instanceof Deployment d) {
      recordRevision(client, d);
      writeDeployment(client, d, deploymentDone(d, generation, replicas));
    } else if (workload instanceof StatefulSet s) {
      String revision = revision(s, generation);
      writeStatefulSet(
          client,
          s,
          stsStatus(generation, replicas, replicas, replicas, replicas, revision, revision));
    } else if (workload instanceof DaemonSet ds) {
      writeDaemonSet(client, ds, dsStatus(generation, replicas, replicas, replicas));
    } else if (workload instanceof GenericKubernetesResource ro) {
      writeRollout(
          client, ro, rolloutStatus(generation, "Healthy", replicas, replicas, null, null));
    }
  }

  private <T extends HasMetadata> ResourceEventHandler<T> handler(
      String cluster, KubernetesClient client) {
    return new ResourceEventHandler<>() {
      @Override
      public void onAdd(T workload) {
        observe(cluster, client, workload);
      }

      @Override
      public void onUpdate(T before, T workload) {
        observe(cluster, client, workload);
      }

      @Override
      public void onDelete(T workload, boolean unknownFinalState) {
        Run run = runs.remove(cluster + "/" + key(workload));
        if (run != null) {
          run.next().cancel(false);
        }
      }
    };
  }

  /** Starts playing a rollout when the spec moved past what the status has observed. */
  private void observe(String cluster, KubernetesClient client, HasMetadata workload) {
    long generation = generation(workload);
    if (generation <= observedGeneration(workload)) {
      return;
    }
    String key = cluster + "/" + key(workload);
    runs.compute(
        key,
        (k, running) -> {
          if (running != null && running.generation() == generation) {
            return running;
          }
          if (running != null) {
            running.next().cancel(false);
          }
          List<Runnable> frames = frames(client, workload, generation);
          LOG.debugf("sandbox: rolling out %s (generation %d)", key, generation);
          return new Run(generation, schedule(key, generation, frames, 0));
        });
  }

  private ScheduledFuture<?> schedule(String key, long generation, List<Runnable> frames, int i) {
    return steps.schedule(
        () -> {
          try {
            frames.get(i).run();
          } catch (KubernetesClientException e) {
            LOG.debugf("sandbox: %s went away mid-rollout: %s", key, e.getMessage());
            runs.remove(key);
            return;
          }
          if (i + 1 < frames.size()) {
            runs.computeIfPresent(
                key,
                (k, run) ->
                    run.generation() == generation
                        ? new Run(generation, schedule(key, generation, frames, i + 1))
                        : run);
          } else {
            runs.computeIfPresent(key, (k, run) -> run.generation() == generation ? null : run);
          }
        },
        step.toMillis(),
        TimeUnit.MILLISECONDS);
  }

  private List<Runnable> frames(KubernetesClient client, HasMetadata workload, long generation) {
    List<Runnable> frames = new ArrayList<>();
    if (workload instanceof Deployment d) {
      int n = orZero(d.getSpec().getReplicas());
      List<DeploymentCondition> progressing =
          progressing(d, "True", "ReplicaSetUpdated", "is progressing.");
      boolean fresh = recordRevision(client, d);
      frames.add(() -> writeDeployment(client, d, deployment(generation, n, 0, n, n, progressing)));
      if (SandboxCluster.failing(d) && fresh) {
        // The first new pod never becomes ready; the controller gives up at the deadline.
        DeploymentStatus stuck = deployment(generation, n + 1, 1, n, n, progressing);
        frames.add(() -> writeDeployment(client, d, stuck));
        frames.add(() -> writeDeployment(client, d, stuck));
        frames.add(() -> writeDeployment(client, d, stuck));
        List<DeploymentCondition> exceeded =
            progressing(d, "False", "ProgressDeadlineExceeded", "has timed out progressing.");
        frames.add(
            () -> writeDeployment(client, d, deployment(generation, n + 1, 1, n, n, exceeded)));
        return frames;
      }
      for (int updated = 1; updated <= n; updated++) {
        // One surge pod at a time: n old and new pods serve while the next new one starts.
        DeploymentStatus surge = deployment(generation, n + 1, updated, n, n, progressing);
        frames.add(() -> writeDeployment(client, d, surge));
      }
      DeploymentStatus warmingUp = deployment(generation, n, n, n - 1, n - 1, progressing);
      frames.add(() -> writeDeployment(client, d, warmingUp));
      frames.add(() -> writeDeployment(client, d, deploymentDone(d, generation, n)));
    } else if (workload instanceof StatefulSet s) {
      int n = orZero(s.getSpec().getReplicas());
      String current =
          s.getStatus() == null || s.getStatus().getCurrentRevision() == null
              ? revision(s, generation - 1)
              : s.getStatus().getCurrentRevision();
      String update = revision(s, generation);
      frames.add(
          () -> writeStatefulSet(client, s, stsStatus(generation, n, n, n, 0, current, update)));
      // Pods are replaced from the highest ordinal down, each deleted and then ready again.
      for (int updated = 1; updated <= n; updated++) {
        StatefulSetStatus down =
            stsStatus(generation, n, n - 1, n - updated, updated - 1, current, update);
        StatefulSetStatus up = stsStatus(generation, n, n, n - updated, updated, current, update);
        frames.add(() -> writeStatefulSet(client, s, down));
        frames.add(() -> writeStatefulSet(client, s, up));
      }
      frames.add(
          () -> writeStatefulSet(client, s, stsStatus(generation, n, n, n, n, update, update)));
    } else if (workload instanceof GenericKubernetesResource ro) {
      int n = integer(ro, "spec", "replicas");
      Object restartAt = ro.get("spec", "restartAt");
      Object before = ro.get("status", "restartedAt");
      String restartedAt = restartAt == null ? null : restartAt.toString();
      String previous = before == null ? null : before.toString();
      // The restart evicts one pod at a time; a new one takes its place.
      for (int replaced = 0; replaced < n; replaced++) {
        Map<String, Object> down =
            rolloutStatus(generation, "Progressing", n, n - 1, previous, "restarting pods");
        Map<String, Object> up =
            rolloutStatus(generation, "Progressing", n, n, previous, "restarting pods");
        frames.add(() -> writeRollout(client, ro, down));
        if (SandboxCluster.failing(ro)) {
          Map<String, Object> degraded =
              rolloutStatus(
                  generation,
                  "Degraded",
                  n,
                  n - 1,
                  previous,
                  "ProgressDeadlineExceeded: ReplicaSet \""
                      + ro.getMetadata().getName()
                      + "-"
                      + hash(ro.getMetadata().getName(), 1)
                      + "\" has timed out progressing.");
          frames.add(() -> writeRollout(client, ro, down));
          frames.add(() -> writeRollout(client, ro, degraded));
          return frames;
        }
        frames.add(() -> writeRollout(client, ro, up));
      }
      frames.add(
          () ->
              writeRollout(
                  client, ro, rolloutStatus(generation, "Healthy", n, n, restartedAt, null)));
    } else if (workload instanceof DaemonSet ds) {
      int n = ds.getStatus() == null ? 0 : orZero(ds.getStatus().getDesiredNumberScheduled());
      frames.add(() -> writeDaemonSet(client, ds, dsStatus(generation, n, 0, n)));
      for (int updated = 1; updated <= n; updated++) {
        // One node at a time: its old pod goes, the new one starts, then it is available.
        DaemonSetStatus restarting = dsStatus(generation, n, updated, n - 1);
        frames.add(() -> writeDaemonSet(client, ds, restarting));
      }
      frames.add(() -> writeDaemonSet(client, ds, dsStatus(generation, n, n, n)));
    }
    return frames;
  }

  private static DeploymentStatus deployment(
      long generation,
      int replicas,
      int updated,
      int ready,
      int available,
      List<DeploymentCondition> conditions) {
    return new DeploymentStatusBuilder()
        .withObservedGeneration(generation)
        .withReplicas(replicas)
        .withUpdatedReplicas(updated)
        .withReadyReplicas(ready)
        .withAvailableReplicas(available)
        .withUnavailableReplicas(Math.max(0, replicas - available))
        .withConditions(conditions)
        .build();
  }

  private static DeploymentStatus deploymentDone(Deployment d, long generation, int replicas) {
    return deployment(
        generation,
        replicas,
        replicas,
        replicas,
        replicas,
        progressing(d, "True", "NewReplicaSetAvailable", "has successfully progressed."));
  }

  /** The Available and Progressing conditions, worded as the Deployment controller words them. */
  private static List<DeploymentCondition> progressing(
      Deployment d, String status, String reason, String message) {
    String now = Instant.now().toString();
    String replicaSet =
        d.getMetadata().getName() + "-" + hash(d.getMetadata().getName(), generation(d));
    return List.of(
        new DeploymentConditionBuilder()
            .withType("Available")
            .withStatus("True")
            .withReason("MinimumReplicasAvailable")
            .withMessage("Deployment has minimum availability.")
            .withLastUpdateTime(now)
            .withLastTransitionTime(now)
            .build(),
        new DeploymentConditionBuilder()
            .withType("Progressing")
            .withStatus(status)
            .withReason(reason)
            .withMessage("ReplicaSet \"" + replicaSet + "\" " + message)
            .withLastUpdateTime(now)
            .withLastTransitionTime(now)
            .build());
  }

  private static StatefulSetStatus stsStatus(
      long generation,
      int replicas,
      int ready,
      int current,
      int updated,
      String currentRevision,
      String updateRevision) {
    return new StatefulSetStatusBuilder()
        .withObservedGeneration(generation)
        .withReplicas(replicas)
        .withReadyReplicas(ready)
        .withAvailableReplicas(ready)
        .withCurrentReplicas(current)
        .withUpdatedReplicas(updated)
        .withCurrentRevision(currentRevision)
        .withUpdateRevision(updateRevision)
        .build();
  }

  private static DaemonSetStatus dsStatus(
      long generation, int desired, int updated, int available) {
    return new DaemonSetStatusBuilder()
        .withObservedGeneration(generation)
        .withDesiredNumberScheduled(desired)
        .withCurrentNumberScheduled(desired)
        .withUpdatedNumberScheduled(updated)
        .withNumberReady(available)
        .withNumberAvailable(available)
        .withNumberUnavailable(desired - available)
        .withNumberMisscheduled(0)
        .build();
  }

  /** A Rollout's status as the Argo Rollouts controller writes it (observedGeneration a string). */
  private static Map<String, Object> rolloutStatus(
      long generation,
      String phase,
      int replicas,
      int available,
      String restartedAt,
      String message) {
    Map<String, Object> status = new HashMap<>();
    status.put("observedGeneration", Long.toString(generation));
    status.put("phase", phase);
    status.put("replicas", replicas);
    status.put("updatedReplicas", replicas);
    status.put("readyReplicas", available);
    status.put("availableReplicas", available);
    if (restartedAt != null) {
      status.put("restartedAt", restartedAt);
    }
    if (message != null) {
      status.put("message", message);
    }
    return status;
  }

  private static void writeRollout(
      KubernetesClient client, GenericKubernetesResource ro, Map<String, Object> status) {
    client
        .genericKubernetesResources(SandboxCluster.ARGO_ROLLOUTS)
        .inNamespace(ro.getMetadata().getNamespace())
        .withName(ro.getMetadata().getName())
        .editStatus(
            now -> {
              now.setAdditionalProperty("status", status);
              return now;
            });
  }

  /** An integer field of a generic resource, 0 when absent. */
  static int integer(GenericKubernetesResource resource, String... path) {
    Object value = resource.get((Object[]) path);
    return value instanceof Number n ? n.intValue() : 0;
  }

  /** A Rollout's {@code status.observedGeneration}, a string; 0 when absent or not a number. */
  static long observedGeneration(GenericKubernetesResource rollout) {
    Object value = rollout.get("status", "observedGeneration");
    try {
      return value == null ? 0 : Long.parseLong(value.toString());
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private static void writeDeployment(
      KubernetesClient client, Deployment d, DeploymentStatus status) {
    client
        .apps()
        .deployments()
        .inNamespace(d.getMetadata().getNamespace())
        .withName(d.getMetadata().getName())
        .editStatus(now -> new DeploymentBuilder(now).withStatus(status).build());
  }

  private static void writeStatefulSet(
      KubernetesClient client, StatefulSet s, StatefulSetStatus status) {
    client
        .apps()
        .statefulSets()
        .inNamespace(s.getMetadata().getNamespace())
        .withName(s.getMetadata().getName())
        .editStatus(now -> new StatefulSetBuilder(now).withStatus(status).build());
  }

  private static void writeDaemonSet(
      KubernetesClient client, DaemonSet ds, DaemonSetStatus status) {
    client
        .apps()
        .daemonSets()
        .inNamespace(ds.getMetadata().getNamespace())
        .withName(ds.getMetadata().getName())
        .editStatus(now -> new DaemonSetBuilder(now).withStatus(status).build());
  }

  static final String REVISION = "deployment.kubernetes.io/revision";

  /**
   * Keeps the Deployment's ReplicaSet of its current pod template at the newest revision, as the
   * controller does: a template seen before gets its ReplicaSet back with the next revision number,
   * a new one a new ReplicaSet. Templates are told apart by their images and {@code restartedAt}
   * (the attribution annotations do not make a pod different). Answers whether it is new.
   */
  static boolean recordRevision(KubernetesClient client, Deployment d) {
    String namespace = d.getMetadata().getNamespace();
    String uid = d.getMetadata().getUid();
    PodTemplateSpec template = d.getSpec().getTemplate();
    List<ReplicaSet> owned =
        client.apps().replicaSets().inNamespace(namespace).list().getItems().stream()
            .filter(
                rs ->
                    rs.getMetadata().getOwnerReferences() != null
                        && rs.getMetadata().getOwnerReferences().stream()
                            .anyMatch(o -> o.getUid() != null && o.getUid().equals(uid)))
            .toList();
    long newest =
        owned.stream()
            .mapToLong(
                rs -> {
                  String v =
                      rs.getMetadata().getAnnotations() == null
                          ? null
                          : rs.getMetadata().getAnnotations().get(REVISION);
                  return v == null ? 0 : Long.parseLong(v);
                })
            .max()
            .orElse(0);
    String hash = hash(identity(template), 0);
    String name = d.getMetadata().getName() + "-" + hash;
    ReplicaSet same =
        owned.stream()
            .filter(rs -> rs.getMetadata().getName().equals(name))
            .findFirst()
            .orElse(null);
    if (same != null) {
      String current = same.getMetadata().getAnnotations().get(REVISION);
      if (!Long.toString(newest).equals(current)) {
        client
            .apps()
            .replicaSets()
            .inNamespace(namespace)
            .withName(name)
            .edit(
                rs ->
                    new ReplicaSetBuilder(rs)
                        .editMetadata()
                        .addToAnnotations(REVISION, Long.toString(newest + 1))
                        .endMetadata()
                        .build());
      }
      return false;
    }
    createReplicaSet(client, d, template, name, hash, newest + 1);
    return true;
  }

  /**
   * Gives a Deployment a revision before its current one, as if it had run {@code image} before:
   * what a roll back goes back to.
   */
  static void seedEarlierRevision(KubernetesClient client, Deployment d, String image) {
    PodTemplateSpec earlier = new PodTemplateSpecBuilder(d.getSpec().getTemplate()).build();
    earlier.getSpec().getContainers().get(0).setImage(image);
    String hash = hash(identity(earlier), 0);
    createReplicaSet(client, d, earlier, d.getMetadata().getName() + "-" + hash, hash, 1);
  }

  /** A ReplicaSet of {@code d} at {@code revision}, made from {@code template}. */
  static void createReplicaSet(
      KubernetesClient client,
      Deployment d,
      PodTemplateSpec template,
      String name,
      String hash,
      long revision) {
    PodTemplateSpec hashed =
        new PodTemplateSpecBuilder(template)
            .editOrNewMetadata()
            .addToLabels("pod-template-hash", hash)
            .endMetadata()
            .build();
    client
        .apps()
        .replicaSets()
        .inNamespace(d.getMetadata().getNamespace())
        .resource(
            new ReplicaSetBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(d.getMetadata().getNamespace())
                .addToAnnotations(REVISION, Long.toString(revision))
                .addNewOwnerReference()
                .withApiVersion("apps/v1")
                .withKind("Deployment")
                .withName(d.getMetadata().getName())
                .withUid(d.getMetadata().getUid())
                .withController(true)
                .endOwnerReference()
                .endMetadata()
                .withNewSpec()
                .withReplicas(d.getSpec().getReplicas())
                .withNewSelector()
                .addToMatchLabels("pod-template-hash", hash)
                .endSelector()
                .withTemplate(hashed)
                .endSpec()
                .build())
        .createOr(r -> r.update());
  }

  /** What makes two pod templates run different pods here: images and restartedAt. */
  private static String identity(PodTemplateSpec template) {
    String images =
        template.getSpec() == null
            ? ""
            : String.join(
                ",", template.getSpec().getContainers().stream().map(c -> c.getImage()).toList());
    Map<String, String> annotations =
        template.getMetadata() == null ? null : template.getMetadata().getAnnotations();
    String restartedAt =
        annotations == null
            ? ""
            : annotations.getOrDefault("kubectl.kubernetes.io/restartedAt", "");
    return images + "|" + restartedAt;
  }

  /** A controller-revision name, as {@code payments-db-6d4f8b9c7}: stable per generation. */
  private static String revision(StatefulSet s, long generation) {
    return s.getMetadata().getName() + "-" + hash(s.getMetadata().getName(), generation);
  }

  private static String hash(String name, long generation) {
    return Integer.toHexString((name + "#" + generation).hashCode() & 0x7fffffff)
        .toLowerCase(Locale.ROOT);
  }

  private static String key(HasMetadata w) {
    return w.getMetadata().getNamespace() + "/" + w.getKind() + "/" + w.getMetadata().getName();
  }

  private static long generation(HasMetadata w) {
    Long g = w.getMetadata().getGeneration();
    return g == null ? 0 : g;
  }

  private static long observedGeneration(HasMetadata w) {
    Long observed = null;
    if (w instanceof Deployment d && d.getStatus() != null) {
      observed = d.getStatus().getObservedGeneration();
    } else if (w instanceof StatefulSet s && s.getStatus() != null) {
      observed = s.getStatus().getObservedGeneration();
    } else if (w instanceof DaemonSet ds && ds.getStatus() != null) {
      observed = ds.getStatus().getObservedGeneration();
    } else if (w instanceof GenericKubernetesResource ro) {
      observed = observedGeneration(ro);
    }
    return observed == null ? 0 : observed;
  }

  private static int orZero(Integer value) {
    return value == null ? 0 : value;
  }
}
