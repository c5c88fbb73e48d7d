package dev.restartbot.restart;

import dev.restartbot.cluster.Clusters;
import dev.restartbot.policy.Target;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Follows one workload's rollout to its end with a fabric8 informer (list, then watch, with
 * reconnects), never by polling or sleeping, and never with {@code waitUntilReady}, which ignores
 * observedGeneration and updatedReplicas.
 *
 * <p>The deadline is a timer that drops a marker into the same queue the informer feeds, so the
 * waiting thread blocks on one queue with no clock of its own, and a test decides when time is up
 * by driving the timer.
 */
@ApplicationScoped
public class RolloutWatch {

  /** One thing the waiting caller is told: a new state, the workload's deletion, or time up. */
  private record Change(Kind kind, HasMetadata object) {
    enum Kind {
      UPDATED,
      DELETED,
      DEADLINE
    }

    static final Change DELETED = new Change(Kind.DELETED, null);
    static final Change DEADLINE = new Change(Kind.DEADLINE, null);
  }

  private final Clusters clusters;
  private final ScheduledExecutorService deadlines;

  @Inject
  public RolloutWatch(Clusters clusters) {
    this(clusters, deadlineTimer());
  }

  /** Follows rollouts in one cluster, {@value Clusters#DEFAULT}. */
  public RolloutWatch(KubernetesClient client) {
    this(Clusters.single(client), deadlineTimer());
  }

  RolloutWatch(KubernetesClient client, ScheduledExecutorService deadlines) {
    this(Clusters.single(client), deadlines);
  }

  /** {@code deadlines} runs each rollout's timeout; tests pass a manual one. */
  RolloutWatch(Clusters clusters, ScheduledExecutorService deadlines) {
    this.clusters = clusters;
    this.deadlines = deadlines;
  }

  private static ScheduledExecutorService deadlineTimer() {
    ScheduledThreadPoolExecutor timer =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread t = new Thread(r, "rollout-deadlines");
              t.setDaemon(true);
              return t;
            });
    // Most rollouts end long before their deadline; do not keep the cancelled timers queued.
    timer.setRemoveOnCancelPolicy(true);
    return timer;
  }

  /**
   * Waits until the rollout of {@code target} is done, failed, or out of time. Each new status goes
   * to {@code progress} on the caller's thread (the informer's own thread only queues).
   */
  public Outcome await(
      Target target,
      String restartedAt,
      long patchedGeneration,
      Duration timeout,
      Consumer<RolloutStatus> progress) {
    BlockingQueue<Change> changes = new LinkedBlockingQueue<>();
    ScheduledFuture<?> deadline =
        deadlines.schedule(
            () -> changes.add(Change.DEADLINE), timeout.toNanos(), TimeUnit.NANOSECONDS);
    SharedIndexInformer<? extends HasMetadata> informer;
    try {
      // Watched in the target's cluster only, and only until this rollout ends.
      informer =
          Workloads.resource(clusters.client(target.cluster()), target)
              .inform(queueing(changes), 0);
    } catch (KubernetesClientException e) {
      deadline.cancel(false);
      return new Outcome.Error(
          (Workloads.answered(e) ? "could not watch the rollout: " : cannotReach(target))
              + Workloads.apiMessage(e));
    }
    try {
      if (informer.getStore().list().isEmpty()) {
        return deleted(target);
      }
      String last = "waiting for the controller to see the change";
      while (true) {
        Change change = changes.take();
        boolean late = change.kind() == Change.Kind.DEADLINE;
        // Only the newest state matters; older ones queued meanwhile are stale. A state that came
        // in with the deadline still counts: it was there before the deadline was noticed.
        for (Change newer = changes.poll(); newer != null; newer = changes.poll()) {
          if (newer.kind() == Change.Kind.DEADLINE) {
            late = true;
          } else {
            change = newer;
          }
        }
        if (change.kind() == Change.Kind.DELETED) {
          return deleted(target);
        }
        if (change.kind() == Change.Kind.UPDATED) {
          RolloutStatus status = RolloutStatus.of(change.object(), patchedGeneration, restartedAt);
          switch (status.phase()) {
            case DONE:
              return new Outcome.RolledOut(restartedAt, status.summary());
            case FAILED:
              return new Outcome.RolloutFailed(status.summary());
            case ON_DELETE:
              return new Outcome.OnDelete(restartedAt, status.summary());
            case WAITING:
            default:
              if (!status.summary().equals(last)) {
                last = status.summary();
                if (!late) {
                  progress.accept(status);
                }
              }
          }
        }
        if (late) {
          Optional<String> unreachable = unreachable(target);
          if (unreachable.isPresent()) {
            return new Outcome.Error(
                cannotReach(target)
                    + "%s; after %s the rollout's end is unknown (last seen: %s)"
                        .formatted(unreachable.get(), timeout, last));
          }
          return new Outcome.TimedOut(timeout, last);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Outcome.Error("interrupted while following the rollout");
    } finally {
      deadline.cancel(false);
      informer.close();
    }
  }

  /**
   * Why the target's cluster does not answer, asked once more when the time is up: a rollout that
   * is merely slow has timed out, but one whose cluster stopped answering has an end nobody knows.
   */
  private Optional<String> unreachable(Target target) {
    try {
      Workloads.resource(clusters.client(target.cluster()), target).get();
      return Optional.empty();
    } catch (KubernetesClientException e) {
      return Workloads.answered(e) ? Optional.empty() : Optional.of(Workloads.apiMessage(e));
    }
  }

  private static String cannotReach(Target target) {
    return target.inNamedCluster()
        ? "cannot reach cluster " + target.cluster() + ": "
        : "cannot reach the Kubernetes API: ";
  }

  private static Outcome deleted(Target target) {
    return new Outcome.RolloutFailed(
        target.ref() + " was deleted in namespace " + target.namespace() + " during its rollout");
  }

  private static ResourceEventHandler<HasMetadata> queueing(BlockingQueue<Change> changes) {
    return new ResourceEventHandler<>() {
      @Override
      public void onAdd(HasMetadata obj) {
        changes.add(new Change(Change.Kind.UPDATED, obj));
      }

      @Override
      public void onUpdate(HasMetadata oldObj, HasMetadata newObj) {
        changes.add(new Change(Change.Kind.UPDATED, newObj));
      }

      @Override
      public void onDelete(HasMetadata obj, boolean deletedFinalStateUnknown) {
        changes.add(Change.DELETED);
      }
    };
  }

  @PreDestroy
  void stop() {
    deadlines.shutdownNow();
  }
}
