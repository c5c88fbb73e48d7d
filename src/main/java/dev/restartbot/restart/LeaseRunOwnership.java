package dev.restartbot.restart;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.HttpURLConnection;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.jboss.logging.Logger;

/**
 * Run ownership through {@code coordination.k8s.io} Leases, one per run in the bot's namespace, as
 * client-go's leader election uses them:
 *
 * <ul>
 *   <li>A claim is taken before the request moves to RUNNING: by creating the Lease, or by taking
 *       over one that was handed back or has lapsed, guarded by its {@code resourceVersion}.
 *   <li>Each claim renews itself on a task of its own, every sixth of its duration; a renewal that
 *       fails, whatever it throws, is logged and tried again at the next tick.
 *   <li>Another replica judges a Lease by how long its record has stayed unchanged on the
 *       observer's own monotonic clock, never by comparing {@code renewTime} with its wall clock:
 *       two pods' clocks may disagree by minutes.
 *   <li>A runner that could not renew for half the duration no longer holds its claim ({@link
 *       Claim#held()}): it starts no further target, well before anyone can take its claim for
 *       dead.
 * </ul>
 */
public final class LeaseRunOwnership implements RunOwnership {

  private static final Logger LOG = Logger.getLogger(LeaseRunOwnership.class);

  /** The Lease calls this class makes; a seam for tests that fail or slow them down. */
  public interface LeaseApi {
    /** The Lease, or null. */
    Lease get(String name);

    Lease create(Lease lease);

    /** Compare-and-set on the Lease's {@code resourceVersion}: 409 when it moved on. */
    Lease update(Lease lease);

    /** Deletes the Lease if it still has {@code lease}'s resourceVersion. */
    void delete(Lease lease);

    List<Lease> list();

    static LeaseApi of(KubernetesClient client, String namespace) {
      return new LeaseApi() {
        @Override
        public Lease get(String name) {
          return client.leases().inNamespace(namespace).withName(name).get();
        }

        @Override
        public Lease create(Lease lease) {
          return client.leases().inNamespace(namespace).resource(lease).create();
        }

        @Override
        public Lease update(Lease lease) {
          return client.leases().inNamespace(namespace).resource(lease).update();
        }

        @Override
        public void delete(Lease lease) {
          client
              .leases()
              .inNamespace(namespace)
              .withName(lease.getMetadata().getName())
              .lockResourceVersion(lease.getMetadata().getResourceVersion())
              .delete();
        }

        @Override
        public List<Lease> list() {
          return client
              .leases()
              .inNamespace(namespace)
              .withLabel(MANAGED_BY, MANAGER)
              .list()
              .getItems();
        }
      };
    }
  }

  static final String MANAGED_BY = "app.kubernetes.io/managed-by";
  static final String MANAGER = "restart-bot";
  static final String REQUEST_ID = "restart-bot/request-id";
  private static final String PREFIX = "restart-run-";

  private final LeaseApi api;
  private final String namespace;
  private final String identity;
  private final Duration duration;
  private final Clock clock;
  private final ScheduledExecutorService renewals;
  private final LongSupplier nanoTime;
  private final Sightings sightings;

  /**
   * @param clock the wall clock, only for the times written into the Lease for people to read
   * @param renewals where each claim's renewal task runs (threads of its own: a slow API server
   *     must not hold up the sequences)
   * @param nanoTime the monotonic clock every judgement of time is made on
   */
  public LeaseRunOwnership(
      LeaseApi api,
      String namespace,
      String identity,
      Duration duration,
      Clock clock,
      ScheduledExecutorService renewals,
      LongSupplier nanoTime) {
    this.api = api;
    this.namespace = namespace;
    this.identity = identity;
    this.duration = duration;
    this.clock = clock;
    this.renewals = renewals;
    this.nanoTime = nanoTime;
    this.sightings = new Sightings(nanoTime);
  }

  static String leaseName(String requestId) {
    return PREFIX + requestId;
  }

  @Override
  public Optional<Claim> claim(String requestId) {
    String name = leaseName(requestId);
    Lease existing = api.get(name);
    Lease mine;
    try {
      if (existing == null) {
        mine = api.create(fresh(name, requestId));
      } else {
        if (!isFree(requestId, existing)) {
          return Optional.empty();
        }
        ZonedDateTime now = now();
        Integer transitions = existing.getSpec().getLeaseTransitions();
        mine =
            api.update(
                new LeaseBuilder(existing)
                    .editSpec()
                    .withHolderIdentity(identity)
                    .withLeaseDurationSeconds(seconds())
                    .withAcquireTime(now)
                    .withRenewTime(now)
                    .withLeaseTransitions(transitions == null ? 1 : transitions + 1)
                    .endSpec()
                    .build());
        LOG.infof(
            "lease %s: taken over from %s",
            name, Optional.ofNullable(holder(existing)).orElse("nobody"));
      }
    } catch (KubernetesClientException e) {
      if (e.getCode() == HttpURLConnection.HTTP_CONFLICT) {
        return Optional.empty(); // another replica claimed it first
      }
      throw e;
    }
    sightings.forget(requestId);
    LeaseClaim claim = new LeaseClaim(name, mine);
    claim.start();
    return Optional.of(claim);
  }

  /** Whether a Lease that exists may be taken: handed back, or lapsed on this replica's clock. */
  private boolean isFree(String requestId, Lease lease) {
    Holding holding = judge(requestId, lease);
    return holding == Holding.RELEASED || holding == Holding.LAPSED;
  }

  @Override
  public Holding observe(String requestId) {
    return judge(requestId, api.get(leaseName(requestId)));
  }

  private Holding judge(String requestId, Lease lease) {
    if (lease != null && lease.getSpec() != null && isBlank(holder(lease))) {
      return Holding.RELEASED;
    }
    String record;
    Duration lasts = duration;
    if (lease == null || lease.getSpec() == null) {
      record = "absent";
    } else {
      Integer seconds = lease.getSpec().getLeaseDurationSeconds();
      if (seconds != null && seconds > 0) {
        lasts = Duration.ofSeconds(seconds);
      }
      record =
          holder(lease)
              + "|"
              + lease.getSpec().getRenewTime()
              + "|"
              + lease.getMetadata().getResourceVersion();
    }
    return sightings.unchangedFor(requestId, record, lasts) ? Holding.LAPSED : Holding.LIVE;
  }

  @Override
  public boolean canHandBack() {
    return true;
  }

  @Override
  public int removeLeftovers(Set<String> active) {
    int removed = 0;
    Set<String> watched = new HashSet<>(active);
    for (Lease lease : api.list()) {
      String requestId = lease.getMetadata().getLabels().get(REQUEST_ID);
      if (requestId == null || active.contains(requestId)) {
        continue;
      }
      watched.add(requestId);
      Holding holding = judge(requestId, lease);
      if (holding == Holding.LIVE) {
        continue; // its runner may be closing it right now; look again next time
      }
      try {
        api.delete(lease);
        sightings.forget(requestId);
        removed++;
      } catch (KubernetesClientException e) {
        LOG.debugf("lease %s: not removed (%s)", lease.getMetadata().getName(), e.getMessage());
      }
    }
    sightings.retainOnly(watched);
    return removed;
  }

  private Lease fresh(String name, String requestId) {
    ZonedDateTime now = now();
    return new LeaseBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(namespace)
        .addToLabels(MANAGED_BY, MANAGER)
        .addToLabels(REQUEST_ID, requestId)
        .endMetadata()
        .withNewSpec()
        .withHolderIdentity(identity)
        .withLeaseDurationSeconds(seconds())
        .withAcquireTime(now)
        .withRenewTime(now)
        .withLeaseTransitions(0)
        .endSpec()
        .build();
  }

  /** A claim of this replica, renewing itself until it is closed or handed back. */
  private final class LeaseClaim implements Claim {
    private final String name;
    private volatile Lease last;
    private volatile long renewedAt;
    private volatile boolean lost;
    private volatile boolean ended;
    private ScheduledFuture<?> renewal;

    LeaseClaim(String name, Lease written) {
      this.name = name;
      this.last = written;
      this.renewedAt = nanoTime.getAsLong();
    }

    synchronized void start() {
      long every = Math.max(1, duration.toMillis() / 6);
      renewal = renewals.scheduleWithFixedDelay(this::tick, every, every, TimeUnit.MILLISECONDS);
    }

    /** One renewal. Nothing escapes it: an exception would end the task's schedule. */
    private void tick() {
      if (ended || lost) {
        return;
      }
      try {
        renew();
      } catch (Throwable e) {
        LOG.warnf("lease %s: renewal failed, trying again at the next tick: %s", name, e);
      }
    }

    private void renew() {
      Lease next = new LeaseBuilder(last).editSpec().withRenewTime(now()).endSpec().build();
      try {
        last = api.update(next);
        renewedAt = nanoTime.getAsLong();
      } catch (KubernetesClientException e) {
        if (e.getCode() != HttpURLConnection.HTTP_CONFLICT
            && e.getCode() != HttpURLConnection.HTTP_NOT_FOUND) {
          throw e;
        }
        Lease current = api.get(name);
        if (current != null && identity.equals(holder(current))) {
          last = current; // our own write, retried after a lost reply: renew from it next time
          return;
        }
        lost = true;
        LOG.errorf(
            "lease %s: taken by %s; this replica starts no further target of the run",
            name, current == null ? "nobody (deleted)" : holder(current));
      }
    }

    @Override
    public boolean held() {
      return !lost && nanoTime.getAsLong() - renewedAt < duration.toNanos() / 2;
    }

    @Override
    public void handBack() {
      stop();
      try {
        api.update(new LeaseBuilder(last).editSpec().withHolderIdentity("").endSpec().build());
      } catch (RuntimeException e) {
        LOG.warnf("lease %s: could not hand back (%s); it will lapse instead", name, e);
      }
    }

    @Override
    public void close() {
      stop();
      if (lost) {
        return; // another replica holds it now
      }
      try {
        try {
          api.delete(last);
        } catch (KubernetesClientException e) {
          if (e.getCode() != HttpURLConnection.HTTP_CONFLICT || lost) {
            throw e;
          }
          // A renewal in flight moved it on: delete it if it is still ours.
          Lease current = api.get(name);
          if (current != null && identity.equals(holder(current))) {
            api.delete(current);
          }
        }
      } catch (KubernetesClientException e) {
        if (e.getCode() != HttpURLConnection.HTTP_NOT_FOUND
            && e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
          LOG.warnf("lease %s: not released (%s); the sweep removes it", name, e.getMessage());
        }
      } catch (RuntimeException e) {
        LOG.warnf("lease %s: not released (%s); the sweep removes it", name, e);
      }
    }

    private synchronized void stop() {
      ended = true;
      if (renewal != null) {
        renewal.cancel(false);
      }
    }
  }

  private int seconds() {
    return (int) Math.max(1, duration.toSeconds());
  }

  private static String holder(Lease lease) {
    return lease.getSpec() == null ? null : lease.getSpec().getHolderIdentity();
  }

  private static boolean isBlank(String s) {
    return s == null || s.isBlank();
  }

  private ZonedDateTime now() {
    return ZonedDateTime.ofInstant(clock.instant(), ZoneOffset.UTC);
  }
}
