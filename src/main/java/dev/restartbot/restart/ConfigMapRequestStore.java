package dev.restartbot.restart;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.restartbot.policy.Target;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ConfigMapList;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.FilterWatchListDeletable;
import io.fabric8.kubernetes.client.dsl.NonNamespaceOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import java.net.HttpURLConnection;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import org.jboss.logging.Logger;

/**
 * The request store of several replicas: one ConfigMap per request in the bot's namespace, every
 * write a compare-and-set on {@code resourceVersion} that the API server arbitrates (DESIGN.md §4).
 *
 * <p>"One active request per target" is held by one lock ConfigMap per target, which names the
 * request holding it. A request's own ConfigMap is written <em>before</em> its locks, so a lock
 * whose request does not exist can only be left over (by a creation that gave up, or by retention)
 * and is safe to take over; a lock naming a final request is taken over likewise. A lock naming a
 * request whose map exists but cannot be read (a newer schema, or damage) is busy: that request may
 * be active. Hence two rules for anyone else touching these maps: delete only final requests
 * (retention), and never edit a lock by hand while its request is active.
 *
 * <p>What a request asked (its targets, requester and channel) never changes after creation: {@link
 * #update} refuses such a change, so its locks always match its targets.
 *
 * <p>Request ids go into object names and label values: they must be short lower-case
 * alphanumerics, as {@code RequestLifecycle.newId()} makes them.
 *
 * <p>API errors other than 404 on a read, and other than the conflicts this class resolves itself,
 * are thrown as {@link KubernetesClientException}: callers decide.
 */
public final class ConfigMapRequestStore implements RequestStore {

  private static final Logger LOG = Logger.getLogger(ConfigMapRequestStore.class);

  static final String MANAGED_BY = "app.kubernetes.io/managed-by";
  static final String MANAGER = "restart-bot";
  static final String STATE = "restart-bot/state";
  static final String REQUEST_ID = "restart-bot/request-id";
  static final String LOCK = "restart-bot/lock";
  static final String TRANSITION = "restart-bot/transition";
  static final String REQUEST_KEY = "request.json";
  static final String LOCK_REQUEST_KEY = "request";
  static final String LOCK_TARGET_KEY = "target";

  /**
   * Each conflict means another writer made progress, so this bounds only how long one caller can
   * be starved, not whether the store as a whole moves on.
   */
  static final int MAX_ATTEMPTS = 20;

  private static final int PAGE_SIZE = 250;

  private final KubernetesClient client;
  private final String namespace;
  private final RequestJson codec;

  public ConfigMapRequestStore(KubernetesClient client, String namespace, ObjectMapper json) {
    this(client, namespace, json, Target.DEFAULT_CLUSTER);
  }

  /**
   * @param client the bot's own cluster, which holds the store whatever the targets' clusters are
   * @param legacyCluster the cluster of a target stored before targets named one
   */
  public ConfigMapRequestStore(
      KubernetesClient client, String namespace, ObjectMapper json, String legacyCluster) {
    this.client = Objects.requireNonNull(client, "client");
    this.namespace = Objects.requireNonNull(namespace, "namespace");
    this.codec = new RequestJson(Objects.requireNonNull(json, "json"), legacyCluster);
  }

  /** The ConfigMap that holds request {@code id}. */
  public static String configMapName(String id) {
    return "restart-request-" + id;
  }

  /**
   * The lock ConfigMap of a target. Hashed because a target key ({@code [cluster/]ns/kind/name}) is
   * not a valid object name and may be longer than one.
   */
  public static String lockName(Target target) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256")
              .digest(target.key().getBytes(StandardCharsets.UTF_8));
      return "restart-target-" + HexFormat.of().formatHex(digest).substring(0, 20);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  /**
   * {@inheritDoc}
   *
   * <p>The request's map exists for the moment it takes to claim the locks; a creation refused then
   * deletes it again, so {@link #find} and {@link #list} may briefly see a request that ends up not
   * created.
   */
  @Override
  public CreateResult create(RestartRequest request) {
    String transition = UUID.randomUUID().toString();
    ConfigMap stored = writeNew(request, transition);
    // Sorted, so that two creations wanting overlapping targets meet at the same first lock and
    // cannot each hold one the other waits for.
    Map<String, Target> byKey = new TreeMap<>();
    request.targets().forEach(t -> byKey.putIfAbsent(t.key(), t));
    List<Target> held = new ArrayList<>();
    for (Target target : byKey.values()) {
      Optional<CreateResult> busy;
      try {
        busy = acquire(target, request.id());
      } catch (RuntimeException e) {
        abandon(request, held, stored);
        throw e;
      }
      if (busy.isPresent()) {
        abandon(request, held, stored);
        return busy.get();
      }
      held.add(target);
    }
    return new CreateResult.Created(request);
  }

  @Override
  public Optional<RestartRequest> find(String id) {
    return Optional.ofNullable(maps().withName(configMapName(id)).get()).flatMap(this::decode);
  }

  @Override
  public Optional<RestartRequest> update(
      String id, Predicate<RestartRequest> precondition, UnaryOperator<RestartRequest> change) {
    Resource<ConfigMap> resource = maps().withName(configMapName(id));
    for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      ConfigMap read = resource.get();
      if (read == null) {
        return Optional.empty();
      }
      Optional<RestartRequest> decoded = decode(read);
      if (decoded.isEmpty()) {
        return Optional.empty();
      }
      RestartRequest current = decoded.get();
      if (!precondition.test(current)) {
        return Optional.empty();
      }
      RestartRequest next = change.apply(current);
      RequestStore.checkAskUnchanged(id, current, next);
      RequestState.checkMove(id, current.state(), next.state());
      String transition = UUID.randomUUID().toString();
      ConfigMap written = withRequest(read, next, transition);
      boolean ours;
      try {
        // resourceVersion is set on the object: update() sends it, and the API server refuses a
        // stale one with 409. (replace() would instead re-read and overwrite: no compare-and-set.)
        maps().resource(written).update();
        ours = true;
      } catch (KubernetesClientException e) {
        if (e.getCode() == HttpURLConnection.HTTP_NOT_FOUND) {
          return Optional.empty();
        }
        if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
          throw e;
        }
        // Either another writer won, or fabric8 retried our own write after a lost reply and the
        // retry met the resourceVersion our first attempt had already moved on.
        ours = transition.equals(transitionOf(resource.get()));
        if (!ours) {
          LOG.debugf("request %s: conflict on attempt %d, deciding again", id, attempt);
        }
      }
      if (ours) {
        if (current.state().isActive() && next.state().isFinal()) {
          Set<Target> targets = new LinkedHashSet<>(current.targets());
          targets.addAll(next.targets());
          release(id, targets);
        }
        return Optional.of(next);
      }
    }
    LOG.warnf(
        "request %s: gave up after %d conflicting writes; answering as a lost race",
        id, MAX_ATTEMPTS);
    return Optional.empty();
  }

  @Override
  public boolean deleteFinished(String id) {
    Resource<ConfigMap> resource = maps().withName(configMapName(id));
    ConfigMap read = resource.get();
    if (read == null) {
      return false;
    }
    Optional<RestartRequest> decoded = decode(read);
    if (decoded.isPresent() && decoded.get().state().isActive()) {
      return false;
    }
    // Guarded by resourceVersion: a request that changed since the read is left for next time.
    try {
      maps().resource(read).lockResourceVersion(read.getMetadata().getResourceVersion()).delete();
    } catch (KubernetesClientException e) {
      if (e.getCode() == HttpURLConnection.HTTP_CONFLICT
          || e.getCode() == HttpURLConnection.HTTP_NOT_FOUND) {
        return false;
      }
      throw e;
    }
    decoded.ifPresent(r -> release(id, r.targets()));
    return true;
  }

  @Override
  public List<RestartRequest> list(Predicate<RestartRequest> filter) {
    return listSelected(requestMaps(), r -> true, filter);
  }

  /**
   * {@inheritDoc}
   *
   * <p>The API server selects on the {@code restart-bot/state} label, which every write sets from
   * the request it stores: one equality selector per state ({@code restart-bot/state=pending}, …),
   * not one set-based {@code in (…)}. Both select the same maps on a real API server, but the
   * fabric8 mock server that the tests run against ignores set-based requirements (it reads {@code
   * in (a,b)} as existence checks and answers nothing), so a set-based selector would go untested.
   *
   * <p>The states are listed in the state machine's order (the declaration order of {@link
   * RequestState}, in which every move goes forward), so a request that moves between two of these
   * lists is met again in a later one, never missed: a request active throughout a listing of the
   * active states is in the answer. A request met twice is answered once, as last read.
   */
  @Override
  public List<RestartRequest> list(Set<RequestState> states, Predicate<RestartRequest> filter) {
    if (states.isEmpty()) {
      return List.of();
    }
    Map<String, RestartRequest> byId = new LinkedHashMap<>();
    for (RequestState state : EnumSet.copyOf(states)) {
      for (RestartRequest found :
          listSelected(
              requestMaps().withLabel(STATE, state.label()), r -> r.state() == state, filter)) {
        byId.remove(found.id());
        byId.put(found.id(), found);
      }
    }
    return newestFirst(new ArrayList<>(byId.values()));
  }

  private FilterWatchListDeletable<ConfigMap, ConfigMapList, Resource<ConfigMap>> requestMaps() {
    return maps().withLabel(MANAGED_BY, MANAGER).withLabel(REQUEST_ID);
  }

  /**
   * Reads the maps {@code selected} lists, a page at a time. {@code selectedAgain} repeats the
   * selector on the decoded request, so that a server (or mock) that ignores part of a selector
   * cannot change the answer.
   */
  private List<RestartRequest> listSelected(
      FilterWatchListDeletable<ConfigMap, ConfigMapList, Resource<ConfigMap>> selected,
      Predicate<RestartRequest> selectedAgain,
      Predicate<RestartRequest> filter) {
    List<RestartRequest> found = new ArrayList<>();
    String continueToken = null;
    do {
      ConfigMapList page =
          selected.list(
              new ListOptionsBuilder()
                  .withLimit((long) PAGE_SIZE)
                  .withContinue(continueToken)
                  .build());
      for (ConfigMap cm : page.getItems()) {
        // The selector already excludes lock maps; checked again so that a server (or mock)
        // that ignores an existence selector cannot feed locks to the decoder.
        if (labels(cm).containsKey(REQUEST_ID)) {
          decode(cm).filter(selectedAgain).filter(filter).ifPresent(found::add);
        }
      }
      continueToken = page.getMetadata() == null ? null : page.getMetadata().getContinue();
    } while (continueToken != null && !continueToken.isEmpty());
    return newestFirst(found);
  }

  private static List<RestartRequest> newestFirst(List<RestartRequest> found) {
    found.sort(
        Comparator.comparing(
                RestartRequest::createdAt, Comparator.nullsFirst(Comparator.naturalOrder()))
            .reversed());
    return found;
  }

  /**
   * {@inheritDoc}
   *
   * <p>A lock is left over when the request it names is final or gone; a lock whose request cannot
   * be read (a newer version of the bot wrote it) stays. Each delete is guarded by the lock's
   * resourceVersion, so a lock taken over meanwhile stays too.
   */
  @Override
  public int removeLeftoverLocks() {
    int removed = 0;
    for (ConfigMap lock : maps().withLabel(MANAGED_BY, MANAGER).withLabel(LOCK).list().getItems()) {
      if (!labels(lock).containsKey(LOCK)) {
        continue;
      }
      String holder = holderOf(lock);
      if (holder != null) {
        ConfigMap held = maps().withName(configMapName(holder)).get();
        if (held != null && decode(held).map(r -> r.state().isActive()).orElse(true)) {
          continue;
        }
      }
      try {
        maps()
            .withName(lock.getMetadata().getName())
            .lockResourceVersion(lock.getMetadata().getResourceVersion())
            .delete();
        removed++;
      } catch (KubernetesClientException e) {
        if (e.getCode() != HttpURLConnection.HTTP_CONFLICT
            && e.getCode() != HttpURLConnection.HTTP_NOT_FOUND) {
          throw e;
        }
      }
    }
    return removed;
  }

  /** Writes the request's ConfigMap; a request id is never reused. */
  private ConfigMap writeNew(RestartRequest request, String transition) {
    ConfigMap fresh =
        withRequest(
            new ConfigMapBuilder()
                .withNewMetadata()
                .withName(configMapName(request.id()))
                .withNamespace(namespace)
                .endMetadata()
                .build(),
            request,
            transition);
    try {
      return maps().resource(fresh).create();
    } catch (KubernetesClientException e) {
      if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
        throw e;
      }
      // A retried POST whose first attempt landed meets its own object.
      ConfigMap existing = maps().withName(configMapName(request.id())).get();
      if (existing != null && transition.equals(transitionOf(existing))) {
        return existing;
      }
      throw new IllegalStateException("duplicate request id " + request.id(), e);
    }
  }

  /** A copy of {@code base} that carries {@code request}, keeping its resourceVersion. */
  private ConfigMap withRequest(ConfigMap base, RestartRequest request, String transition) {
    return new ConfigMapBuilder(base)
        .editMetadata()
        .addToLabels(MANAGED_BY, MANAGER)
        .addToLabels(STATE, request.state().label())
        .addToLabels(REQUEST_ID, request.id())
        .addToAnnotations(TRANSITION, transition)
        .endMetadata()
        .addToData(REQUEST_KEY, codec.write(request))
        .build();
  }

  /**
   * Takes the lock of {@code target} for request {@code id}; answers why it cannot instead: an
   * active request holds it, or a request this version cannot read (a newer schema, or damage).
   */
  private Optional<CreateResult> acquire(Target target, String id) {
    String name = lockName(target);
    for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      try {
        maps().resource(newLock(name, target, id)).create();
        return Optional.empty();
      } catch (KubernetesClientException e) {
        if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
          throw e;
        }
      }
      ConfigMap lock = maps().withName(name).get();
      if (lock == null) {
        continue; // released between our create and our read: try creating again
      }
      String holder = holderOf(lock);
      if (id.equals(holder)) {
        return Optional.empty(); // our own create, retried by fabric8 after a lost reply
      }
      ConfigMap holderMap = holder == null ? null : maps().withName(configMapName(holder)).get();
      if (holderMap != null) {
        Optional<RestartRequest> holding = decode(holderMap);
        if (holding.isEmpty()) {
          // Written by a newer version (or damaged): it may be active, so it keeps its lock.
          return Optional.of(new CreateResult.TargetHeldByUnreadable(target, holder));
        }
        if (holding.get().state().isActive()) {
          return Optional.of(new CreateResult.TargetBusy(holding.get()));
        }
      }
      // The holder is final, or gone: its request map is written before its locks, so a lock
      // naming a missing request is a leftover, never a creation still in flight.
      ConfigMap takeover =
          new ConfigMapBuilder(lock)
              .addToData(LOCK_REQUEST_KEY, id)
              .addToData(LOCK_TARGET_KEY, target.key())
              .build();
      try {
        maps().resource(takeover).update();
        LOG.debugf("lock %s (%s): taken over from %s by %s", name, target.key(), holder, id);
        return Optional.empty();
      } catch (KubernetesClientException e) {
        if (e.getCode() != HttpURLConnection.HTTP_CONFLICT
            && e.getCode() != HttpURLConnection.HTTP_NOT_FOUND) {
          throw e;
        }
        // Someone else moved the lock (or a retry of ours did): look again.
      }
    }
    throw new IllegalStateException(
        "lock " + name + " for " + target.key() + " kept changing under request " + id);
  }

  private ConfigMap newLock(String name, Target target, String id) {
    return new ConfigMapBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(namespace)
        .addToLabels(MANAGED_BY, MANAGER)
        .addToLabels(LOCK, "target")
        .endMetadata()
        .addToData(LOCK_REQUEST_KEY, id)
        .addToData(LOCK_TARGET_KEY, target.key())
        .build();
  }

  /** Undoes a creation that could not take every lock: nothing of it may remain active. */
  private void abandon(RestartRequest request, List<Target> held, ConfigMap stored) {
    release(request.id(), held);
    try {
      maps()
          .withName(stored.getMetadata().getName())
          .lockResourceVersion(stored.getMetadata().getResourceVersion())
          .delete();
    } catch (KubernetesClientException e) {
      // Left behind, it is an active request that nobody was told about; its locks are gone,
      // and expiry (PENDING) or an operator (APPROVED) ends it.
      LOG.warnf(e, "request %s: could not delete the map of an abandoned creation", request.id());
    }
  }

  /**
   * Deletes the locks of {@code targets} that still name request {@code id}. Best effort: a lock
   * left behind names a request that is final or gone, and the next creation takes it over.
   */
  private void release(String id, Iterable<Target> targets) {
    for (Target target : targets) {
      String name = lockName(target);
      try {
        ConfigMap lock = maps().withName(name).get();
        if (lock == null || !id.equals(holderOf(lock))) {
          continue;
        }
        // Guarded by resourceVersion (a delete precondition): a lock taken over since we read it
        // belongs to another request and must stay.
        maps().withName(name).lockResourceVersion(lock.getMetadata().getResourceVersion()).delete();
      } catch (KubernetesClientException e) {
        if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
          LOG.warnf(e, "request %s: could not release lock %s (%s)", id, name, target.key());
        }
      }
    }
  }

  private Optional<RestartRequest> decode(ConfigMap cm) {
    String name = cm.getMetadata() == null ? "?" : cm.getMetadata().getName();
    String text = cm.getData() == null ? null : cm.getData().get(REQUEST_KEY);
    if (text == null) {
      LOG.warnf("configmap %s/%s has no %s; ignored", namespace, name, REQUEST_KEY);
      return Optional.empty();
    }
    try {
      return Optional.of(codec.read(text));
    } catch (IllegalArgumentException e) {
      LOG.warnf("configmap %s/%s holds no readable request (%s); ignored", namespace, name, e);
      return Optional.empty();
    }
  }

  private static String holderOf(ConfigMap lock) {
    return lock.getData() == null ? null : lock.getData().get(LOCK_REQUEST_KEY);
  }

  private static String transitionOf(ConfigMap cm) {
    if (cm == null || cm.getMetadata() == null || cm.getMetadata().getAnnotations() == null) {
      return null;
    }
    return cm.getMetadata().getAnnotations().get(TRANSITION);
  }

  private static Map<String, String> labels(ConfigMap cm) {
    return cm.getMetadata() == null || cm.getMetadata().getLabels() == null
        ? Map.of()
        : cm.getMetadata().getLabels();
  }

  private NonNamespaceOperation<ConfigMap, ConfigMapList, Resource<ConfigMap>> maps() {
    return client.configMaps().inNamespace(namespace);
  }
}
