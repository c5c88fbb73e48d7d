package dev.restartbot.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.restartbot.restart.RequestState;
import dev.restartbot.restart.RequestStore;
import dev.restartbot.restart.RestartRequest;
import dev.restartbot.sandbox.SlackWebApiFake;
import dev.restartbot.slack.OrderedDelivery;
import dev.restartbot.testing.FakeSlackApi;
import dev.restartbot.testing.SlackRequests;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.arc.Arc;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.restassured.response.Response;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/** The moves of the end-to-end tests: seed the cluster, type a command, click a button. */
final class SlackFlowHarness {

  static final String OPS = "C0OPS";
  static final String REQUESTER = "U0REQ";
  static final String LEAD = "U0LEAD";
  static final String LEAD2 = "U0LEAD2";
  static final Duration WAIT = Duration.ofSeconds(10);
  private static final AtomicInteger COMMANDS = new AtomicInteger();

  private final KubernetesServer server;
  private final KubernetesClient kube;
  private final RequestStore store;
  final FakeSlackApi slack = FakeSlackApi.get();
  private volatile String lastCommandKey = "";

  SlackFlowHarness(KubernetesServer server, RequestStore store) {
    this(server, server.getClient(), store);
  }

  /**
   * A harness on a cluster whose mock answers dry runs itself ({@code
   * SandboxCluster.DryRunAwareDispatcher}), so none need expecting.
   */
  SlackFlowHarness(KubernetesClient kube, RequestStore store) {
    this(null, kube, store);
  }

  private SlackFlowHarness(KubernetesServer server, KubernetesClient kube, RequestStore store) {
    this.server = server;
    this.kube = kube;
    this.store = store;
    // What an earlier test's requests still had to say reaches Slack before this test starts
    // (and resets the fake): Slack deliveries run on queues of their own.
    assertThat(Arc.container().instance(OrderedDelivery.class).get().awaitIdle(WAIT))
        .as("Slack deliveries of earlier tests finished")
        .isTrue();
  }

  Deployment seedDeployment(String name) {
    return seedDeployment("test", name);
  }

  Deployment seedDeployment(String namespace, String name) {
    Deployment d =
        new DeploymentBuilder()
            .withNewMetadata()
            .withName(name)
            .withNamespace(namespace)
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
    Deployment seeded =
        kube.apps().deployments().inNamespace(namespace).resource(d).createOr(r -> r.update());
    acceptDryRuns(namespace, name, seeded);
    return seeded;
  }

  /**
   * The mock API server stores a dry-run patch as if it were real (it knows no {@code dryRun}):
   * answer the restart's dry run as a real server does, with the object and without a change.
   * Expectations come first, so one registered earlier for the same path (a refusal) wins.
   */
  void acceptDryRuns(String namespace, String name, Deployment seeded) {
    if (server == null) {
      return;
    }
    server.expect().patch().withPath(dryRunPath(namespace, name)).andReturn(200, seeded).always();
  }

  /** Where the restart's dry run of a Deployment goes: the patch path, with {@code dryRun=All}. */
  static String dryRunPath(String namespace, String name) {
    return "/apis/apps/v1/namespaces/%s/deployments/%s?fieldManager=restart-bot&dryRun=All"
        .formatted(namespace, name);
  }

  Deployment deployment(String name) {
    return deployment("test", name);
  }

  Deployment deployment(String namespace, String name) {
    return kube.apps().deployments().inNamespace(namespace).withName(name).get();
  }

  /** Plays the Deployment controller: writes where the rollout of {@code name} stands. */
  void controller(String name, boolean observed, int replicas, int updated, int available) {
    long generation = deployment(name).getMetadata().getGeneration();
    kube.apps()
        .deployments()
        .inNamespace("test")
        .withName(name)
        .editStatus(
            d ->
                new DeploymentBuilder(d)
                    .editOrNewStatus()
                    .withObservedGeneration(observed ? generation : generation - 1)
                    .withReplicas(replicas)
                    .withUpdatedReplicas(updated)
                    .withAvailableReplicas(available)
                    .withReadyReplicas(available)
                    .endStatus()
                    .build());
  }

  String restartedAt(String name) {
    return restartedAt("test", name);
  }

  String restartedAt(String namespace, String name) {
    Map<String, String> a =
        deployment(namespace, name).getSpec().getTemplate().getMetadata().getAnnotations();
    return a == null ? null : a.get("kubectl.kubernetes.io/restartedAt");
  }

  Response command(String user, String channel, String text) {
    return SlackRequests.post(
        SlackRequests.slashCommandBody(user, channel, text, slack.responseUrl(nextCommandKey())));
  }

  /** A command from a conversation Slack names {@code channelName}, such as a DM. */
  Response command(String user, String channel, String channelName, String text) {
    return SlackRequests.post(
        SlackRequests.slashCommandBody(
            user, channel, channelName, text, slack.responseUrl(nextCommandKey())));
  }

  /** Each command its own response URL, so that a late answer is known to be its own. */
  private String nextCommandKey() {
    lastCommandKey = "cmd-" + COMMANDS.incrementAndGet();
    return lastCommandKey;
  }

  Response click(String user, RestartRequest request, String actionId) {
    return SlackRequests.post(
        SlackRequests.blockActionBody(
            user,
            request.channelId(),
            request.messageTs().orElse("0.0"),
            actionId,
            request.id(),
            slack.responseUrl("click")));
  }

  /** The request holding {@code targetName}, once its approval message is posted. */
  RestartRequest posted(String targetName) {
    return await()
        .atMost(WAIT)
        .until(
            () ->
                store
                    .list(r -> r.targets().stream().anyMatch(t -> t.name().equals(targetName)))
                    .stream()
                    .filter(r -> r.messageTs().isPresent())
                    .findFirst()
                    .orElse(null),
            r -> r != null);
  }

  /** Types {@code /restart text} in the ops channel and answers the request once it is posted. */
  RestartRequest requested(String user, String text, String targetName) {
    assertSubmitted(command(user, OPS, text));
    return posted(targetName);
  }

  /** The first {@code chat.update} of the approval message whose text contains {@code words}. */
  FakeSlackApi.Call awaitMessageUpdate(RestartRequest request, String words) {
    String ts = request.messageTs().orElseThrow();
    return slack.awaitCall(
        "chat.update",
        c -> ts.equals(c.params().get("ts")) && c.params().get("text").contains(words),
        WAIT);
  }

  List<RestartRequest> requestsFor(String targetName) {
    return store.list(r -> r.targets().stream().anyMatch(t -> t.name().equals(targetName)));
  }

  RestartRequest awaitState(String id, RequestState state) {
    return await().atMost(WAIT).until(() -> store.find(id).orElseThrow(), r -> r.state() == state);
  }

  FakeSlackApi.Call awaitEphemeral(String user) {
    return slack.awaitCall("chat.postEphemeral", c -> user.equals(c.params().get("user")), WAIT);
  }

  /**
   * The last command was submitted: its answer says so, or, when its checks took longer than {@code
   * slack.ack-budget} (a loaded machine), the answer it posts to its response URL afterwards, which
   * is where the requester reads it in Slack.
   */
  void assertSubmitted(Response ack) {
    assertThat(ack.statusCode()).isEqualTo(200);
    if (ack.asString().contains(":hourglass_flowing_sand: Checking your request")) {
      String key = lastCommandKey;
      slack.awaitCall(
          SlackWebApiFake.RESPONSE_URL,
          c -> key.equals(c.params().get("id")) && c.params().get("text").contains("submitted"),
          WAIT);
      return;
    }
    assertThat(ack.asString()).contains("submitted");
  }
}
