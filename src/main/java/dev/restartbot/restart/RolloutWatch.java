package dev.restartbot.restart;

import dev.restartbot.policy.Target;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Follows one workload's rollout to its end with a fabric8 informer (list, then watch, with
 * reconnects), never by polling or sleeping, and never with {@code waitUntilReady}, which ignores
 * observedGeneration and updatedReplicas.
 */
@ApplicationScoped
public class RolloutWatch {

  private final KubernetesClient client;

  public RolloutWatch(KubernetesClient client) {
    this.client = client;
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
    // Empty means deleted.
    BlockingQueue<Optional<HasMetadata>> changes = new LinkedBlockingQueue<>();
    long deadline = System.nanoTime() + timeout.toNanos();
    SharedIndexInformer<? extends HasMetadata> informer;
    try {
      informer = Workloads.resource(client, target).inform(queueing(changes), 0);
    } catch (KubernetesClientException e) {
      return new Outcome.Error("could not watch the rollout: " + Workloads.apiMessage(e));
    }
    try {
      if (informer.getStore().list().isEmpty()) {
        return deleted(target);
      }
      String last = "waiting for the controller to see the change";
      while (true) {
        long remaining = deadline - System.nanoTime();
        Optional<HasMetadata> change =
            remaining <= 0 ? null : changes.poll(remaining, TimeUnit.NANOSECONDS);
        if (change == null) {
          return new Outcome.TimedOut(timeout, last);
        }
        // Only the newest state matters; older ones queued meanwhile are stale.
        for (Optional<HasMetadata> newer = changes.poll(); newer != null; newer = changes.poll()) {
          change = newer;
        }
        if (change.isEmpty()) {
          return deleted(target);
        }
        RolloutStatus status = RolloutStatus.of(change.get(), patchedGeneration);
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
              progress.accept(status);
            }
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Outcome.Error("interrupted while following the rollout");
    } finally {
      informer.close();
    }
  }

  private static Outcome deleted(Target target) {
    return new Outcome.RolloutFailed(
        target.ref() + " was deleted in namespace " + target.namespace() + " during its rollout");
  }

  private static ResourceEventHandler<HasMetadata> queueing(
      BlockingQueue<Optional<HasMetadata>> changes) {
    return new ResourceEventHandler<>() {
      @Override
      public void onAdd(HasMetadata obj) {
        changes.add(Optional.of(obj));
      }

      @Override
      public void onUpdate(HasMetadata oldObj, HasMetadata newObj) {
        changes.add(Optional.of(newObj));
      }

      @Override
      public void onDelete(HasMetadata obj, boolean deletedFinalStateUnknown) {
        changes.add(Optional.empty());
      }
    };
  }
}
