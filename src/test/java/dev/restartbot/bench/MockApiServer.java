package dev.restartbot.bench;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * The API server of the benchmark: fabric8's CRUD mock over plain HTTP, which notes when each
 * PATCH, status write and watch arrives (the moment the request has been read, before it is
 * handled), and which answers a GET, and the dry-run patches, of any Deployment in {@link
 * #GENERATED} at once without storing it, so that a burst of distinct {@code /restart} commands
 * measures the bot and not the mock's linear search through thousands of stored objects.
 */
final class MockApiServer implements AutoCloseable {

  /** A namespace in which every Deployment name exists: the targets of the ack burst. */
  static final String GENERATED = "burst";

  /** The namespace of the stored Deployments the restarts patch. */
  static final String NAMESPACE = "bench";

  /** One request as the server saw it. */
  record Arrival(String method, String path, Instant at) {}

  /**
   * Any request, GETs included, as the server answered it: when it arrived, and its {@link
   * #shape(RecordedRequest, int) shape} (method, path with the object's name left out, patch type,
   * answer), so that requests can be counted by what they are.
   */
  record Answered(String shape, Instant at) {}

  private static final String GENERATED_PREFIX =
      "/apis/apps/v1/namespaces/" + GENERATED + "/deployments/";

  private final List<Arrival> arrivals = new CopyOnWriteArrayList<>();
  private final Queue<Answered> answered = new ConcurrentLinkedQueue<>();
  private final KubernetesMockServer server;
  private final KubernetesClient client;

  MockApiServer() {
    server =
        new KubernetesMockServer(
            new Context(), new MockWebServer(), new HashMap<>(), new Recording(), false);
    server.init(InetAddress.getLoopbackAddress(), 0);
    client = newClient();
  }

  /** The URL the app and the driver's clients use. */
  String url() {
    return server.url("/").replaceAll("/$", "");
  }

  /**
   * A fabric8 client configured as the app configures its own ({@code
   * request-retry-backoff-limit=3}, this server's URL): the plain loop of the fan-out uses it.
   */
  KubernetesClient newClient() {
    Config config =
        new ConfigBuilder(Config.empty())
            .withMasterUrl(url())
            .withNamespace(NAMESPACE)
            .withTrustCerts(true)
            .withRequestRetryBackoffLimit(3)
            .build();
    return new KubernetesClientBuilder().withConfig(config).build();
  }

  KubernetesClient client() {
    return client;
  }

  /** Stores Deployments {@code prefix-000…} of two ready replicas each; answers their names. */
  List<String> seed(String prefix, int count) {
    List<String> names =
        IntStream.range(0, count).mapToObj(i -> String.format("%s-%03d", prefix, i)).toList();
    names.forEach(
        name ->
            client
                .apps()
                .deployments()
                .inNamespace(NAMESPACE)
                .resource(newDeployment(NAMESPACE, name))
                .create());
    return names;
  }

  Deployment deployment(String namespace, String name) {
    return client.apps().deployments().inNamespace(namespace).withName(name).get();
  }

  /** Plays the Deployment controller: writes where the rollout of {@code name} stands. */
  void writeStatus(String name, long observedGeneration, int replicas, int updated, int available) {
    client
        .apps()
        .deployments()
        .inNamespace(NAMESPACE)
        .withName(name)
        .editStatus(
            d ->
                new DeploymentBuilder(d)
                    .editOrNewStatus()
                    .withObservedGeneration(observedGeneration)
                    .withReplicas(replicas)
                    .withUpdatedReplicas(updated)
                    .withAvailableReplicas(available)
                    .withReadyReplicas(available)
                    .endStatus()
                    .build());
  }

  /** Everything that arrived since the last {@link #forget()}, in order. */
  List<Arrival> arrivals() {
    return List.copyOf(arrivals);
  }

  /** Every request answered since the last {@link #forget()}, GETs included, in order. */
  List<Answered> answered() {
    return List.copyOf(answered);
  }

  /** The first arrival matching {@code match}, if any yet. */
  Optional<Arrival> first(Predicate<Arrival> match) {
    return arrivals.stream().filter(match).findFirst();
  }

  /** Waits for the first arrival matching {@code match}. */
  Arrival await(Predicate<Arrival> match, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      Optional<Arrival> found = first(match);
      if (found.isPresent()) {
        return found.get();
      }
      sleepBriefly();
    }
    throw new IllegalStateException("the API server saw no matching request within " + timeout);
  }

  /** Forgets the arrivals and the mock's own request log (which keeps every request). */
  void forget() {
    arrivals.clear();
    answered.clear();
    try {
      while (server.takeRequest(1, TimeUnit.MILLISECONDS) != null) {
        // drained
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The restart patches of Deployment {@code name}, not their dry runs. */
  static Predicate<Arrival> patchOf(String name) {
    String path = "/apis/apps/v1/namespaces/" + NAMESPACE + "/deployments/" + name;
    return a ->
        a.method().equals("PATCH")
            && !isDryRun(a.path())
            && (a.path().equals(path) || isQueryOf(a.path(), path));
  }

  static Predicate<Arrival> statusWriteOf(String name) {
    String path = "/apis/apps/v1/namespaces/" + NAMESPACE + "/deployments/" + name + "/status";
    return a -> !a.method().equals("GET") && (a.path().equals(path) || isQueryOf(a.path(), path));
  }

  /** Where Events are created, in any namespace. */
  private static final Pattern EVENTS = Pattern.compile("/api/v1/namespaces/[^/]+/events(\\?.*)?");

  private static boolean isDryRun(String path) {
    int q = path.indexOf('?');
    return q >= 0 && Arrays.asList(path.substring(q + 1).split("&")).contains("dryRun=All");
  }

  private static boolean isStrategicMerge(RecordedRequest request) {
    String type = request.getHeader("Content-Type");
    return type != null && type.contains("strategic-merge-patch");
  }

  private static boolean isQueryOf(String requestPath, String path) {
    return requestPath.startsWith(path + "?");
  }

  private static final Pattern NAMED =
      Pattern.compile("^(.*/namespaces/[^/]+/[^/]+)/[^/]+(/[^/]+)?$");

  /**
   * What a request is, without the object it names: {@code PATCH
   * /apis/apps/v1/namespaces/bench/deployments/{name} strategic-merge-patch → 415}. The query keeps
   * its keys (watch, dryRun, labelSelector …) but not their values, except {@code watch} and {@code
   * dryRun}.
   */
  static String shape(RecordedRequest request, int status) {
    String path = request.getPath();
    int q = path.indexOf('?');
    String query = q < 0 ? "" : path.substring(q + 1);
    path = q < 0 ? path : path.substring(0, q);
    Matcher named = NAMED.matcher(path);
    if (named.matches()) {
      path = named.group(1) + "/{name}" + (named.group(2) == null ? "" : named.group(2));
    }
    StringBuilder shape = new StringBuilder(request.getMethod()).append(' ').append(path);
    if (!query.isEmpty()) {
      shape.append('?');
      shape.append(
          Arrays.stream(query.split("&"))
              .map(
                  kv ->
                      kv.startsWith("watch=") || kv.startsWith("dryRun=")
                          ? kv
                          : kv.split("=", 2)[0])
              .sorted()
              .collect(Collectors.joining("&")));
    }
    String type = request.getHeader("Content-Type");
    if (request.getMethod().equals("PATCH") && type != null) {
      shape.append(' ').append(type.replaceFirst("^application/", "").replaceFirst(";.*$", ""));
    }
    return shape.append(" → ").append(status).toString();
  }

  static void sleepBriefly() {
    try {
      Thread.sleep(1);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  @Override
  public void close() {
    client.close();
    server.destroy();
  }

  /** A Deployment of two replicas, all of them up to date and ready. */
  private static Deployment newDeployment(String namespace, String name) {
    return new DeploymentBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(namespace)
        .withGeneration(1L)
        .withUid("uid-" + name)
        .withResourceVersion("1")
        .withLabels(Map.of("app", name))
        .endMetadata()
        .withNewSpec()
        .withReplicas(2)
        .withNewSelector()
        .addToMatchLabels("app", name)
        .endSelector()
        .withNewTemplate()
        .withNewMetadata()
        .addToLabels("app", name)
        .endMetadata()
        .withNewSpec()
        .addNewContainer()
        .withName("app")
        .withImage("registry.example/" + name + ":1.0")
        .endContainer()
        .endSpec()
        .endTemplate()
        .endSpec()
        .withNewStatus()
        .withObservedGeneration(1L)
        .withReplicas(2)
        .withReadyReplicas(2)
        .withAvailableReplicas(2)
        .withUpdatedReplicas(2)
        .endStatus()
        .build();
  }

  /** The CRUD dispatcher, noting arrivals and answering the generated namespace itself. */
  private final class Recording extends KubernetesCrudDispatcher {

    @Override
    public MockResponse dispatch(RecordedRequest request) {
      Instant at = Instant.now();
      String method = request.getMethod();
      String path = request.getPath();
      if (!method.equals("GET") || path.contains("watch=true")) {
        arrivals.add(new Arrival(method, path, at));
      }
      MockResponse response;
      if (method.equals("GET") && path.startsWith(GENERATED_PREFIX) && !path.contains("?")) {
        response = generated(path);
      } else if (path.startsWith(GENERATED_PREFIX) && isDryRun(path)) {
        // The request-time dry run of a command of the burst: answered as the mock answers the
        // same patches of a stored Deployment (415 to a strategic merge patch, then the object).
        response =
            isStrategicMerge(request)
                ? new MockResponse().setResponseCode(415)
                : generated(path.substring(0, path.indexOf('?')));
      } else if (method.equals("POST") && EVENTS.matcher(path).matches()) {
        // An API server creates an Event in constant time. fabric8's mock checks every object it
        // holds on each create, so each round's Events made the next round's creates, and the
        // requests that wait behind them, slower. Nothing reads the Events back: the benchmark
        // counts their arrivals.
        response =
            new MockResponse()
                .setResponseCode(201)
                .setHeader("Content-Type", "application/json")
                .setBody(request.getUtf8Body());
      } else if (isDryRun(path) && !isStrategicMerge(request)) {
        // fabric8's mock does not know dryRun and would store the patch (raising the generation
        // that the approval holds against the request's); an API server stores nothing. A
        // strategic merge patch still goes to the mock, which answers it 415 as it answers the
        // real one.
        response = handleGet(path.substring(0, path.indexOf('?')));
      } else {
        response = super.dispatch(request);
      }
      answered.add(new Answered(shape(request, response.code()), at));
      return response;
    }

    private MockResponse generated(String path) {
      String name = path.substring(GENERATED_PREFIX.length());
      return new MockResponse()
          .setResponseCode(200)
          .setHeader("Content-Type", "application/json")
          .setBody(Serialization.asJson(newDeployment(GENERATED, name)));
    }
  }
}
