package dev.restartbot.restart;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.restartbot.policy.Actor;
import dev.restartbot.policy.ConversationKind;
import dev.restartbot.policy.Target;
import dev.restartbot.policy.WorkloadKind;
import dev.restartbot.testing.RequestBuilder;
import dev.restartbot.testing.Samples;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.Interceptor;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The cluster request store against the fabric8 CRUD mock API server, which enforces {@code
 * resourceVersion} on updates (proved below), so the races here are arbitrated as a real API server
 * would arbitrate them.
 */
@EnableKubernetesMockClient(crud = true)
class ConfigMapRequestStoreTest {

  private static final String NS = "restart-bot";
  private static final int RACES = 50;
  private static final Instant T0 = Instant.parse("2026-11-26T10:00:00.123456789Z");

  KubernetesClient client;
  KubernetesMockServer server;

  private KubernetesClient otherClient;
  private ConfigMapRequestStore store;
  private ConfigMapRequestStore otherStore;
  private ExecutorService pool;
  private final AtomicInteger ids = new AtomicInteger();

  @BeforeEach
  void setUp() {
    otherClient = new KubernetesClientBuilder().withConfig(client.getConfiguration()).build();
    store = new ConfigMapRequestStore(client, NS, new ObjectMapper());
    otherStore = new ConfigMapRequestStore(otherClient, NS, new ObjectMapper());
    pool = Executors.newFixedThreadPool(2);
  }

  @AfterEach
  void tearDown() {
    pool.shutdownNow();
    otherClient.close();
  }

  private static Target deployment(String name) {
    return new Target(WorkloadKind.DEPLOYMENT, "payments", name);
  }

  private String newId() {
    return "r" + ids.incrementAndGet();
  }

  private static RestartRequest minimal(String id, Instant createdAt, Target... targets) {
    return RequestBuilder.request()
        .id(id)
        .requester("U0REQ", "alice")
        .targets(targets)
        .createdAt(createdAt)
        .build();
  }

  private static RestartRequest rich(String id) {
    Target api = deployment("payments-api");
    Target db = new Target(WorkloadKind.STATEFULSET, "payments", "payments-db");
    Target agent = new Target(WorkloadKind.DAEMONSET, "kube-system", "node-agent");
    List<Outcome> outcomes =
        List.of(
            new Outcome.Restarted("2026-11-26T10:00:00Z", 7, "uid-1"),
            new Outcome.RolledOut("2026-11-26T10:00:00Z", "3/3 ready"),
            new Outcome.OnDelete("2026-11-26T10:00:00Z", "OnDelete strategy"),
            new Outcome.RolloutFailed("ProgressDeadlineExceeded"),
            new Outcome.TimedOut(Duration.ofMinutes(10).plusMillis(5), "1/3 new pods ready"),
            new Outcome.NotFound(),
            new Outcome.Forbidden("configmaps is forbidden: \"quoted\" ünïcödé"),
            new Outcome.Paused(),
            new Outcome.Error("500 from the API"),
            new Outcome.Skipped(new Outcome.SkipReason.EarlierFailed(Optional.of(api))),
            new Outcome.Skipped(new Outcome.SkipReason.StoreUnreachable("etcd timeout")),
            new Outcome.Unexpected());
    List<TargetResult> results = new ArrayList<>();
    for (int i = 0; i < outcomes.size(); i++) {
      results.add(
          new TargetResult(
              List.of(api, db, agent).get(i % 3), outcomes.get(i), Duration.ofNanos(i)));
    }
    RequestBuilder b =
        RequestBuilder.request()
            .id(id)
            .requester(new Actor("W0GUEST", true, true))
            .targets(api, db, agent)
            .reason("memory leak, see {\"json\": true}")
            .createdAt(T0)
            .message("1732615200.000100")
            .decided(RequestState.APPROVED, "U0LEAD", "bob", T0.plusSeconds(30));
    results.forEach(b::result);
    return b.finished(RequestState.DONE, T0.plusSeconds(300)).build();
  }

  private RestartRequest created(RestartRequest request) {
    RequestStore.CreateResult result = store.create(request);
    assertThat(result).isEqualTo(new RequestStore.CreateResult.Created(request));
    return request;
  }

  private ConfigMap map(String name) {
    return client.configMaps().inNamespace(NS).withName(name).get();
  }

  private List<ConfigMap> lockMaps() {
    return client
        .configMaps()
        .inNamespace(NS)
        .withLabel(ConfigMapRequestStore.LOCK, "target")
        .list()
        .getItems();
  }

  private ConfigMap putMap(String name, Map<String, String> labels, String json) {
    return client
        .configMaps()
        .inNamespace(NS)
        .resource(
            new ConfigMapBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(NS)
                .withLabels(labels)
                .endMetadata()
                .addToData(ConfigMapRequestStore.REQUEST_KEY, json)
                .build())
        .create();
  }

  @Test
  void aRichRequestComesBackEqualWithEveryOptionalAndEveryKindOfOutcome() {
    RestartRequest request = rich("rich");

    created(request);

    assertThat(store.find("rich")).contains(request);
    assertThat(otherStore.find("rich")).contains(request);
  }

  @Test
  void aMinimalRequestComesBackEqualWithItsOptionalsEmpty() {
    RestartRequest request = minimal("min", T0, deployment("payments-api"));

    created(request);

    assertThat(store.find("min")).contains(request);
  }

  @Test
  void everyPermittedOutcomeTypeHasAJsonForm() throws Exception {
    RequestJson codec = new RequestJson(new ObjectMapper());
    List<Outcome> every = Samples.all(Outcome.class);
    assertThat(every).hasSizeGreaterThanOrEqualTo(12);
    for (Outcome outcome : every) {
      RestartRequest request =
          minimal("o", T0, deployment("a"))
              .withResult(new TargetResult(deployment("a"), outcome, Duration.ofSeconds(3)));

      assertThat(codec.read(codec.write(request))).as(outcome.toString()).isEqualTo(request);
    }
  }

  @Test
  void aRollBackKeepsItsActionUnderASchemaOlderReadersRefuseAndARestartStaysAsItWas()
      throws Exception {
    RequestJson codec = new RequestJson(new ObjectMapper());
    RestartRequest restart = minimal("r", T0, deployment("a"));
    RestartRequest.Ask asked = restart.asked();
    RestartRequest rollback =
        new RestartRequest(
            "b",
            RequestState.PENDING,
            new RestartRequest.Ask(
                asked.requester(),
                asked.requesterName(),
                asked.channelId(),
                asked.conversation(),
                asked.targets(),
                asked.reason(),
                true,
                asked.createdAt(),
                asked.expiresAt(),
                1,
                java.util.Map.of(),
                RequestAction.ROLLBACK),
            Optional.empty(),
            Optional.empty(),
            List.of(),
            Optional.empty());

    assertThat(codec.read(codec.write(rollback))).isEqualTo(rollback);
    assertThat(codec.read(codec.write(rollback)).isRollback()).isTrue();
    ObjectMapper mapper = new ObjectMapper();
    assertThat(mapper.readTree(codec.write(rollback)).path("schema").asInt()).isEqualTo(2);
    assertThat(mapper.readTree(codec.write(rollback)).path("action").asText())
        .isEqualTo("ROLLBACK");
    // A restart is written as before: schema 1, no action, read back as a restart.
    assertThat(mapper.readTree(codec.write(restart)).path("schema").asInt()).isEqualTo(1);
    assertThat(mapper.readTree(codec.write(restart)).has("action")).isFalse();
    assertThat(codec.read(codec.write(restart)).action()).isEqualTo(RequestAction.RESTART);
  }

  @Test
  void approvalsGenerationsAndTheCountNeededComeBackEqual() {
    RequestJson codec = new RequestJson(new ObjectMapper());
    RestartRequest pending = minimal("n", T0, deployment("a"));
    RestartRequest request =
        new RestartRequest(
                "n",
                RequestState.PENDING,
                new RestartRequest.Ask(
                    pending.requester(),
                    pending.asked().requesterName(),
                    pending.channelId(),
                    pending.conversation(),
                    pending.targets(),
                    pending.reason(),
                    true,
                    pending.createdAt(),
                    pending.expiresAt(),
                    3,
                    java.util.Map.of(deployment("a"), 7L),
                    RequestAction.RESTART),
                Optional.of("1.1"),
                Optional.empty(),
                List.of(),
                Optional.empty())
            .withApproval(new Decider.Person("U0LEAD", "lead"), T0.plusSeconds(5));

    RestartRequest back = codec.read(codec.write(request));

    assertThat(back).isEqualTo(request);
    assertThat(back.approvalsNeeded()).isEqualTo(3);
    assertThat(back.asked().generations()).containsEntry(deployment("a"), 7L);
    assertThat(back.approvedBy("U0LEAD")).isTrue();
  }

  @Test
  void aRequestStoredBeforeApprovalsWereCountedReadsBackNeedingOneWithoutGenerations()
      throws Exception {
    RequestJson codec = new RequestJson(new ObjectMapper());
    com.fasterxml.jackson.databind.node.ObjectNode old =
        (com.fasterxml.jackson.databind.node.ObjectNode)
            new ObjectMapper().readTree(codec.write(minimal("old", T0, deployment("a"))));
    old.remove("approvalsNeeded");
    old.remove("approvals");

    RestartRequest back = codec.read(old.toString());

    assertThat(back.approvalsNeeded()).isEqualTo(1);
    assertThat(back.approvals()).isEmpty();
    assertThat(back.asked().generations()).isEmpty();
  }

  @Test
  void aSkipStoredAsASentenceBeforeReasonsHadTypesReadsBackAsItsReason() throws Exception {
    RequestJson codec = new RequestJson(new ObjectMapper());
    String stored =
        codec
            .write(
                minimal("legacy", T0, deployment("a"))
                    .withResult(
                        new TargetResult(
                            deployment("a"),
                            new Outcome.Skipped(new Outcome.SkipReason.StoreUnreachable("timeout")),
                            Duration.ZERO)))
            .replace(
                "\"skip\":\"StoreUnreachable\",\"error\":\"timeout\"",
                "\"reason\":\"not started: the request store could not be reached (timeout)\"");

    assertThat(codec.read(stored).results().get(0).outcome())
        .isEqualTo(
            new Outcome.Skipped(
                new Outcome.SkipReason.StoreUnreachable(
                    "not started: the request store could not be reached (timeout)")));
  }

  @Test
  void sameNameInTwoClustersTakesTwoLocksAndTheSameClusterIsBusy() {
    Target eu = new Target("eu-prod", WorkloadKind.DEPLOYMENT, "payments", "payments-api");
    Target us = new Target("us-prod", WorkloadKind.DEPLOYMENT, "payments", "payments-api");

    created(minimal("eu", T0, eu));
    created(minimal("us", T0, us));

    assertThat(store.create(minimal("eu2", T0, eu)))
        .isInstanceOf(RequestStore.CreateResult.TargetBusy.class);
    assertThat(ConfigMapRequestStore.lockName(eu))
        .isNotEqualTo(ConfigMapRequestStore.lockName(us))
        .isNotEqualTo(ConfigMapRequestStore.lockName(deployment("payments-api")));
    assertThat(map(ConfigMapRequestStore.lockName(us)).getData())
        .containsEntry("request", "us")
        .containsEntry("target", "us-prod/payments/deployment/payments-api");
    assertThat(store.find("us").orElseThrow().targets()).containsExactly(us);
  }

  @Test
  void aTargetStoredBeforeTargetsHadAClusterIsInTheLegacyCluster() throws Exception {
    RequestJson before = new RequestJson(new ObjectMapper());
    String stored =
        before
            .write(
                minimal("old", T0, deployment("a"))
                    .withResult(
                        new TargetResult(
                            deployment("a"),
                            new Outcome.Skipped(
                                new Outcome.SkipReason.EarlierFailed(Optional.of(deployment("b")))),
                            Duration.ZERO)))
            .replace("\"cluster\":\"default\",", "");
    assertThat(stored).doesNotContain("cluster");

    RestartRequest asDefault = before.read(stored);
    RestartRequest inFleet = new RequestJson(new ObjectMapper(), "eu-prod").read(stored);

    assertThat(asDefault.targets()).containsExactly(deployment("a"));
    assertThat(asDefault.targets().get(0).key())
        .as("the lock key a bot of one cluster took")
        .isEqualTo("payments/deployment/a");
    assertThat(inFleet.targets())
        .containsExactly(new Target("eu-prod", WorkloadKind.DEPLOYMENT, "payments", "a"));
    assertThat(inFleet.results().get(0).target().cluster()).isEqualTo("eu-prod");
    assertThat(((Outcome.Skipped) inFleet.results().get(0).outcome()).reason())
        .isEqualTo(
            new Outcome.SkipReason.EarlierFailed(
                Optional.of(new Target("eu-prod", WorkloadKind.DEPLOYMENT, "payments", "b"))));
  }

  @Test
  void theStoredConfigMapIsLabelledForKubectlAndHoldsTheRequestAsJson() throws Exception {
    created(minimal("shape", T0, deployment("payments-api")));

    ConfigMap cm = map("restart-request-shape");

    assertThat(cm.getMetadata().getLabels())
        .containsEntry("app.kubernetes.io/managed-by", "restart-bot")
        .containsEntry("restart-bot/state", "pending")
        .containsEntry("restart-bot/request-id", "shape");
    assertThat(cm.getMetadata().getAnnotations()).containsKey("restart-bot/transition");
    assertThat(cm.getData()).containsOnlyKeys("request.json");
    JsonNode json = new ObjectMapper().readTree(cm.getData().get("request.json"));
    assertThat(json.path("id").asText()).isEqualTo("shape");
    assertThat(json.path("state").asText()).isEqualTo("PENDING");
    assertThat(json.path("createdAt").asText()).isEqualTo("2026-11-26T10:00:00.123456789Z");
    assertThat(json.path("targets").get(0).path("kind").asText()).isEqualTo("DEPLOYMENT");
    assertThat(json.has("reason")).isFalse();

    ConfigMap lock = map(ConfigMapRequestStore.lockName(deployment("payments-api")));
    assertThat(lock.getMetadata().getName()).matches("restart-target-[0-9a-f]{20}");
    assertThat(lock.getMetadata().getLabels())
        .containsEntry("app.kubernetes.io/managed-by", "restart-bot")
        .containsEntry("restart-bot/lock", "target")
        .doesNotContainKey("restart-bot/request-id");
    assertThat(lock.getData())
        .containsEntry("request", "shape")
        .containsEntry("target", "payments/deployment/payments-api");
  }

  @Test
  void theStateLabelAndTheTransitionIdFollowEveryWrite() {
    created(minimal("label", T0, deployment("payments-api")));
    String before =
        map("restart-request-label").getMetadata().getAnnotations().get("restart-bot/transition");

    Optional<RestartRequest> approved =
        store.update(
            "label",
            r -> r.state() == RequestState.PENDING,
            r ->
                r.decided(
                    RequestState.APPROVED, new Decider.Person("U0LEAD", "bob"), T0.plusSeconds(5)));

    assertThat(approved).map(RestartRequest::state).contains(RequestState.APPROVED);
    ConfigMap cm = map("restart-request-label");
    assertThat(cm.getMetadata().getLabels()).containsEntry("restart-bot/state", "approved");
    assertThat(cm.getMetadata().getAnnotations().get("restart-bot/transition"))
        .isNotEqualTo(before);
    assertThat(store.find("label")).isEqualTo(approved);
  }

  @Test
  void anUpdateWhosePreconditionFailsAnswersEmptyAndWritesNothing() {
    created(minimal("cas", T0, deployment("payments-api")));
    String version = map("restart-request-cas").getMetadata().getResourceVersion();
    AtomicBoolean changed = new AtomicBoolean();

    Optional<RestartRequest> result =
        store.update(
            "cas",
            r -> r.state() == RequestState.RUNNING,
            r -> {
              changed.set(true);
              return r.withState(RequestState.DONE);
            });

    assertThat(result).isEmpty();
    assertThat(changed).isFalse();
    assertThat(map("restart-request-cas").getMetadata().getResourceVersion()).isEqualTo(version);
    assertThat(store.find("cas").map(RestartRequest::state)).contains(RequestState.PENDING);
  }

  @Test
  void aWriteThatIsNotAMoveOfTheStateMachineIsRefusedAndWritesNothing() {
    created(minimal("leap", T0, deployment("payments-api")));
    String version = map("restart-request-leap").getMetadata().getResourceVersion();

    assertThatThrownBy(
            () -> store.update("leap", r -> true, r -> r.withState(RequestState.RUNNING)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("pending → running");

    assertThat(map("restart-request-leap").getMetadata().getResourceVersion()).isEqualTo(version);
    assertThat(store.find("leap").map(RestartRequest::state)).contains(RequestState.PENDING);
  }

  @Test
  void aChangeToTheTargetsRequesterOrChannelIsRefusedAndWritesNothing() {
    created(minimal("fixed", T0, deployment("payments-api")));
    String version = map("restart-request-fixed").getMetadata().getResourceVersion();

    assertThatThrownBy(
            () ->
                store.update(
                    "fixed",
                    r -> true,
                    r -> RequestBuilder.from(r).targets(deployment("payments-db")).build()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("targets");
    assertThatThrownBy(
            () ->
                store.update(
                    "fixed",
                    r -> true,
                    r -> RequestBuilder.from(r).requester("U0SOMEONE", "mallory").build()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("requester");
    assertThatThrownBy(
            () ->
                store.update(
                    "fixed",
                    r -> true,
                    r -> RequestBuilder.from(r).requester(new Actor("U0REQ", true, false)).build()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("requester");
    assertThatThrownBy(
            () ->
                store.update(
                    "fixed", r -> true, r -> RequestBuilder.from(r).channel("C0ELSEWHERE").build()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("channel");

    assertThat(map("restart-request-fixed").getMetadata().getResourceVersion()).isEqualTo(version);
    assertThat(store.find("fixed")).contains(minimal("fixed", T0, deployment("payments-api")));
  }

  @Test
  void anUpdateOfAnUnknownRequestAnswersEmpty() {
    assertThat(store.update("nobody", r -> true, r -> r.withState(RequestState.DONE))).isEmpty();
    assertThat(store.find("nobody")).isEmpty();
  }

  @Test
  void theMockApiServerRefusesAStaleResourceVersionWith409() {
    created(minimal("stale", T0, deployment("payments-api")));
    ConfigMap old = map("restart-request-stale");
    client
        .configMaps()
        .inNamespace(NS)
        .resource(new ConfigMapBuilder(old).addToData("x", "first").build())
        .update();

    assertThatThrownBy(
            () ->
                otherClient
                    .configMaps()
                    .inNamespace(NS)
                    .resource(new ConfigMapBuilder(old).addToData("x", "second").build())
                    .update())
        .isInstanceOfSatisfying(
            KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(409));
    assertThat(map("restart-request-stale").getData()).containsEntry("x", "first");
  }

  @Test
  void theMockApiServerRefusesASecondCreateOfOneNameWith409() {
    putMap("once", Map.of(), "{}");

    assertThatThrownBy(() -> putMap("once", Map.of(), "{}"))
        .isInstanceOfSatisfying(
            KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(409));
  }

  @Test
  void twoStoresWithSeparateClientsRacingOneApprovalHaveExactlyOneWinnerEveryTime()
      throws Exception {
    int contended = 0;
    for (int i = 0; i < RACES; i++) {
      String id = newId();
      created(minimal(id, T0, deployment("race-" + i)));
      CountDownLatch start = new CountDownLatch(1);
      // Both sides read the same resourceVersion before either writes, so every iteration is a
      // real conflict for the API server to arbitrate rather than two writes that happen in turn.
      CyclicBarrier bothRead = new CyclicBarrier(2);
      AtomicInteger changes = new AtomicInteger();
      Future<Optional<RestartRequest>> a =
          pool.submit(approve(store, id, "U0A", start, bothRead, changes));
      Future<Optional<RestartRequest>> b =
          pool.submit(approve(otherStore, id, "U0B", start, bothRead, changes));
      start.countDown();
      Optional<RestartRequest> byA = a.get(30, TimeUnit.SECONDS);
      Optional<RestartRequest> byB = b.get(30, TimeUnit.SECONDS);

      assertThat(byA.isPresent() ^ byB.isPresent()).as("iteration %d: one winner", i).isTrue();
      RestartRequest winner = byA.or(() -> byB).orElseThrow();
      assertThat(store.find(id)).contains(winner);
      assertThat(winner.state()).isEqualTo(RequestState.APPROVED);
      if (changes.get() == 2) {
        contended++;
      }
    }
    System.out.printf(
        "approval race: %d iterations, %d with both writers past the precondition, 1 winner each%n",
        RACES, contended);
    assertThat(contended).isEqualTo(RACES);
  }

  private static Callable<Optional<RestartRequest>> approve(
      RequestStore on,
      String id,
      String approver,
      CountDownLatch start,
      CyclicBarrier bothRead,
      AtomicInteger changes) {
    return () -> {
      start.await();
      AtomicBoolean firstRead = new AtomicBoolean(true);
      return on.update(
          id,
          r -> {
            if (firstRead.getAndSet(false)) {
              await(bothRead);
            }
            return r.state() == RequestState.PENDING;
          },
          r -> {
            changes.incrementAndGet();
            return r.decided(
                RequestState.APPROVED, new Decider.Person(approver, approver), T0.plusSeconds(1));
          });
    };
  }

  private static void await(CyclicBarrier barrier) {
    try {
      barrier.await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("the other side never read", e);
    }
  }

  @Test
  void twoStoresRacingToCreateForOneTargetCreateExactlyOneAndTheTargetIsFreeAgainOnceItIsDenied()
      throws Exception {
    Target target = deployment("payments-api");
    for (int i = 0; i < RACES; i++) {
      RestartRequest first = minimal(newId(), T0.plusSeconds(i), target);
      RestartRequest second = minimal(newId(), T0.plusSeconds(i), target);
      CountDownLatch start = new CountDownLatch(1);
      Future<RequestStore.CreateResult> a = pool.submit(createAfter(start, store, first));
      Future<RequestStore.CreateResult> b = pool.submit(createAfter(start, otherStore, second));
      start.countDown();
      List<RequestStore.CreateResult> results =
          List.of(a.get(30, TimeUnit.SECONDS), b.get(30, TimeUnit.SECONDS));

      List<RestartRequest> winners =
          results.stream()
              .filter(RequestStore.CreateResult.Created.class::isInstance)
              .map(r -> ((RequestStore.CreateResult.Created) r).request())
              .toList();
      assertThat(winners).as("iteration %d: one created", i).hasSize(1);
      RestartRequest winner = winners.get(0);
      RestartRequest loser = winner == first ? second : first;
      assertThat(results).contains(new RequestStore.CreateResult.TargetBusy(winner));
      assertThat(store.find(loser.id())).as("the refused request leaves no map").isEmpty();
      assertThat(lockMaps())
          .singleElement()
          .satisfies(l -> assertThat(l.getData()).containsEntry("request", winner.id()));

      assertThat(
              otherStore.update(
                  winner.id(),
                  r -> r.state() == RequestState.PENDING,
                  r -> r.decided(RequestState.DENIED, new Decider.Person("U0LEAD", "bob"), T0)))
          .isPresent();
      assertThat(lockMaps()).as("denying releases the lock").isEmpty();
    }
    System.out.printf("create race: %d iterations, 1 created each%n", RACES);

    assertThat(store.create(minimal("after", T0.plusSeconds(RACES), target)))
        .isInstanceOf(RequestStore.CreateResult.Created.class);
  }

  private static Callable<RequestStore.CreateResult> createAfter(
      CountDownLatch start, RequestStore on, RestartRequest request) {
    return () -> {
      start.await();
      return on.create(request);
    };
  }

  /**
   * A client whose requests matching {@code method} and {@code path} lose their first reply: the
   * mock answers the first attempt 503 without storing anything, and just before fabric8's retry
   * this interceptor stores the body that attempt carried, as if the API server had applied it and
   * only the reply had been lost. The retry then meets what a real retry would meet.
   */
  private KubernetesClient losingFirstReply(String method, String path, AtomicInteger landed) {
    var expectation = method.equals("POST") ? server.expect().post() : server.expect().put();
    expectation.withPath(path).andReturn(503, "{}").once();
    AtomicInteger attempts = new AtomicInteger();
    Interceptor interceptor =
        new Interceptor() {
          @Override
          public void before(BasicBuilder builder, HttpRequest request, RequestTags tags) {
            if (!request.method().equals(method) || !request.uri().getPath().equals(path)) {
              return;
            }
            if (attempts.incrementAndGet() == 2) {
              ConfigMap sent = Serialization.unmarshal(request.bodyString(), ConfigMap.class);
              if (method.equals("POST")) {
                otherClient.configMaps().inNamespace(NS).resource(sent).create();
              } else {
                otherClient
                    .configMaps()
                    .inNamespace(NS)
                    .withName(sent.getMetadata().getName())
                    .edit(current -> new ConfigMapBuilder(sent).build());
              }
              landed.incrementAndGet();
            }
          }
        };
    return new KubernetesClientBuilder()
        .withConfig(client.getConfiguration())
        .withHttpClientBuilderConsumer(b -> b.addOrReplaceInterceptor("lose-reply", interceptor))
        .build();
  }

  @Test
  void aWriteWhoseReplyWasLostAndWhoseRetryMet409IsRecognisedAsOurOwnSuccess() {
    created(minimal("lost", T0, deployment("payments-api")));
    AtomicInteger landed = new AtomicInteger();
    AtomicInteger changes = new AtomicInteger();
    try (KubernetesClient lossy =
        losingFirstReply(
            "PUT", "/api/v1/namespaces/" + NS + "/configmaps/restart-request-lost", landed)) {
      Optional<RestartRequest> result =
          new ConfigMapRequestStore(lossy, NS, new ObjectMapper())
              .update(
                  "lost",
                  r -> r.state() == RequestState.PENDING,
                  r -> {
                    changes.incrementAndGet();
                    return r.decided(
                        RequestState.APPROVED, new Decider.Person("U0LEAD", "bob"), T0);
                  });

      assertThat(landed).as("the first attempt landed").hasValue(1);
      assertThat(changes).as("decided once, not again after the 409").hasValue(1);
      assertThat(result.flatMap(RestartRequest::decidedBy).map(Decider::id)).contains("U0LEAD");
      assertThat(store.find("lost")).isEqualTo(result);
    }
  }

  @Test
  void aCreationWhoseRetryMeetsItsOwnMapIsStillCreated() {
    RestartRequest request = minimal("lostcreate", T0, deployment("payments-api"));
    AtomicInteger landed = new AtomicInteger();
    try (KubernetesClient lossy =
        losingFirstReply("POST", "/api/v1/namespaces/" + NS + "/configmaps", landed)) {
      RequestStore.CreateResult result =
          new ConfigMapRequestStore(lossy, NS, new ObjectMapper()).create(request);

      assertThat(landed).hasValue(1);
      assertThat(result).isEqualTo(new RequestStore.CreateResult.Created(request));
      assertThat(store.find("lostcreate")).contains(request);
      assertThat(lockMaps()).hasSize(1);
    }
  }

  @Test
  void creatingARequestWhoseIdIsAlreadyStoredIsABug() {
    created(minimal("dup", T0, deployment("a")));

    assertThatThrownBy(() -> store.create(minimal("dup", T0, deployment("b"))))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("dup");
  }

  @Test
  void aRequestBusyOnOneOfItsTargetsTakesNoneOfThemAndLeavesNothingBehind() {
    RestartRequest holder = created(minimal("holder", T0, deployment("b")));

    RequestStore.CreateResult result =
        store.create(minimal("late", T0, deployment("c"), deployment("a"), deployment("b")));

    assertThat(result).isEqualTo(new RequestStore.CreateResult.TargetBusy(holder));
    assertThat(store.find("late")).isEmpty();
    assertThat(lockMaps())
        .singleElement()
        .satisfies(l -> assertThat(l.getData()).containsEntry("request", "holder"));
    assertThat(store.create(minimal("free", T0, deployment("a"), deployment("c"))))
        .isInstanceOf(RequestStore.CreateResult.Created.class);
  }

  @Test
  void aTargetHeldByAnActiveRequestIsBusyInEveryActiveState() {
    Target target = deployment("payments-api");
    RestartRequest holder = created(minimal("active", T0, target));
    for (RequestState state : List.of(RequestState.APPROVED, RequestState.RUNNING)) {
      assertThat(otherStore.create(minimal("other-" + holder.state(), T0, target)))
          .isEqualTo(new RequestStore.CreateResult.TargetBusy(holder));
      holder = store.update("active", r -> true, r -> r.withState(state)).orElseThrow();
    }
    assertThat(otherStore.create(minimal("other-running", T0, target)))
        .isEqualTo(new RequestStore.CreateResult.TargetBusy(holder));
  }

  @Test
  void aLockLeftNamingAFinalRequestIsTakenOver() {
    Target target = deployment("payments-api");
    created(minimal("old", T0, target));
    // Finished behind the store's back, as if the replica died between the write and the release.
    ConfigMap cm = map("restart-request-old");
    RestartRequest done = store.find("old").orElseThrow().finished(RequestState.DONE, T0);
    client
        .configMaps()
        .inNamespace(NS)
        .resource(
            new ConfigMapBuilder(cm)
                .addToData("request.json", new RequestJson(new ObjectMapper()).write(done))
                .build())
        .update();
    assertThat(lockMaps())
        .singleElement()
        .satisfies(l -> assertThat(l.getData()).containsEntry("request", "old"));

    assertThat(otherStore.create(minimal("new", T0, target)))
        .isInstanceOf(RequestStore.CreateResult.Created.class);
    assertThat(lockMaps())
        .singleElement()
        .satisfies(l -> assertThat(l.getData()).containsEntry("request", "new"));
  }

  @Test
  void aLockNamingARequestThatNoLongerExistsIsTakenOver() {
    Target target = deployment("payments-api");
    client
        .configMaps()
        .inNamespace(NS)
        .resource(
            new ConfigMapBuilder()
                .withNewMetadata()
                .withName(ConfigMapRequestStore.lockName(target))
                .withNamespace(NS)
                .addToLabels("app.kubernetes.io/managed-by", "restart-bot")
                .addToLabels("restart-bot/lock", "target")
                .endMetadata()
                .addToData("request", "deleted-by-retention")
                .addToData("target", target.key())
                .build())
        .create();

    assertThat(store.create(minimal("heir", T0, target)))
        .isInstanceOf(RequestStore.CreateResult.Created.class);
    assertThat(lockMaps())
        .singleElement()
        .satisfies(l -> assertThat(l.getData()).containsEntry("request", "heir"));
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "{\"schema\": 2, \"id\": \"future\", \"state\": \"PENDING\"}",
        "{not json",
        "{\"schema\": 1, \"id\": \"future\", \"state\": \"NOPE\"}"
      })
  void aLockWhoseHolderExistsButCannotBeReadIsBusyAndKeepsItsHolder(String stored) {
    // A newer version of the bot wrote this request: it may well be active, so taking its lock
    // could let two restarts of one target overlap.
    Target target = deployment("payments-api");
    putMap("restart-request-future", requestLabels("future"), stored);
    client
        .configMaps()
        .inNamespace(NS)
        .resource(
            new ConfigMapBuilder()
                .withNewMetadata()
                .withName(ConfigMapRequestStore.lockName(target))
                .withNamespace(NS)
                .addToLabels("app.kubernetes.io/managed-by", "restart-bot")
                .addToLabels("restart-bot/lock", "target")
                .endMetadata()
                .addToData("request", "future")
                .addToData("target", target.key())
                .build())
        .create();

    assertThat(store.create(minimal("late", T0, target)))
        .isEqualTo(new RequestStore.CreateResult.TargetHeldByUnreadable(target, "future"));
    assertThat(lockMaps())
        .singleElement()
        .satisfies(l -> assertThat(l.getData()).containsEntry("request", "future"));
    assertThat(map("restart-request-late")).isNull();
  }

  @Test
  void aLockThatAlreadyNamesTheRequestCountsAsHeldByIt() {
    // What a lock creation meets when fabric8 retried it after its reply was lost.
    Target target = deployment("payments-api");
    client
        .configMaps()
        .inNamespace(NS)
        .resource(
            new ConfigMapBuilder()
                .withNewMetadata()
                .withName(ConfigMapRequestStore.lockName(target))
                .withNamespace(NS)
                .endMetadata()
                .addToData("request", "mine")
                .addToData("target", target.key())
                .build())
        .create();

    assertThat(store.create(minimal("mine", T0, target)))
        .isInstanceOf(RequestStore.CreateResult.Created.class);
  }

  @Test
  void goingFinalNeverReleasesALockThatNamesAnotherRequest() {
    Target target = deployment("payments-api");
    created(minimal("first", T0, target));
    ConfigMap lock = map(ConfigMapRequestStore.lockName(target));
    client
        .configMaps()
        .inNamespace(NS)
        .resource(new ConfigMapBuilder(lock).addToData("request", "someone-else").build())
        .update();

    store.update("first", r -> true, r -> r.withState(RequestState.WITHDRAWN));

    assertThat(lockMaps())
        .singleElement()
        .satisfies(l -> assertThat(l.getData()).containsEntry("request", "someone-else"));
  }

  @Test
  void listLeavesOutLockMapsAndAnswersNewestFirst() {
    created(minimal("middle", T0.plusSeconds(10), deployment("a")));
    created(minimal("oldest", T0, deployment("b")));
    created(minimal("newest", T0.plusSeconds(20), deployment("c")));
    store.update("middle", r -> true, r -> r.withState(RequestState.EXPIRED));
    assertThat(lockMaps()).hasSize(2);

    assertThat(otherStore.list(r -> true))
        .extracting(RestartRequest::id)
        .containsExactly("newest", "middle", "oldest");
    assertThat(otherStore.list(r -> r.state().isActive()))
        .extracting(RestartRequest::id)
        .containsExactly("newest", "oldest");
  }

  /** The requests the mock server received since the last call, oldest first. */
  private List<RecordedRequest> drainRequests() throws InterruptedException {
    List<RecordedRequest> seen = new ArrayList<>();
    RecordedRequest r;
    while ((r = server.takeRequest(1, TimeUnit.MILLISECONDS)) != null) {
      seen.add(r);
    }
    return seen;
  }

  private static boolean listsConfigMaps(RecordedRequest r) {
    return "GET".equals(r.getMethod()) && r.getPath().matches(".*/configmaps(\\?.*)?$");
  }

  @Test
  void theStateLabelFollowsEveryMoveAndListingByStateSelectsOnItOnTheServer() throws Exception {
    created(minimal("runs", T0, deployment("a")));
    created(minimal("waits", T0.plusSeconds(10), deployment("b")));
    created(minimal("expires", T0.plusSeconds(20), deployment("c")));
    for (RequestState next :
        List.of(RequestState.APPROVED, RequestState.RUNNING, RequestState.DONE)) {
      store.update("runs", r -> true, r -> r.withState(next));
      assertThat(map("restart-request-runs").getMetadata().getLabels())
          .containsEntry("restart-bot/state", next.label());
    }
    store.update("expires", r -> true, r -> r.withState(RequestState.EXPIRED));
    assertThat(map("restart-request-expires").getMetadata().getLabels())
        .containsEntry("restart-bot/state", "expired");
    drainRequests();

    assertThat(otherStore.list(RequestState.ACTIVE, r -> true))
        .extracting(RestartRequest::id)
        .containsExactly("waits");
    List<String> selectors =
        drainRequests().stream()
            .filter(ConfigMapRequestStoreTest::listsConfigMaps)
            .map(r -> URLDecoder.decode(r.getPath(), StandardCharsets.UTF_8))
            .toList();
    assertThat(selectors)
        .as("one selector per active state, in the state machine's order")
        .hasSize(3)
        .satisfies(
            l -> assertThat(l.get(0)).contains("restart-bot/state=pending"),
            l -> assertThat(l.get(1)).contains("restart-bot/state=approved"),
            l -> assertThat(l.get(2)).contains("restart-bot/state=running"));

    assertThat(otherStore.list(RequestState.FINAL, r -> true))
        .extracting(RestartRequest::id)
        .containsExactly("expires", "runs");
    assertThat(otherStore.list(Set.of(RequestState.DONE), r -> r.id().startsWith("r")))
        .extracting(RestartRequest::id)
        .containsExactly("runs");
    assertThat(otherStore.list(Set.of(), r -> true)).isEmpty();
  }

  @Test
  void aRequestThatMovesBetweenTheListingsOfTwoStatesIsListedOnceAsLastRead() {
    created(minimal("moves", T0, deployment("a")));
    created(minimal("stays", T0.plusSeconds(5), deployment("b")));
    // Approves "moves" through the other client just after its pending state was listed and
    // before the approved state is: it is met in both listings.
    AtomicBoolean moved = new AtomicBoolean();
    Interceptor interceptor =
        new Interceptor() {
          @Override
          public void before(BasicBuilder builder, HttpRequest request, RequestTags tags) {
            String query = request.uri().getQuery();
            if (query != null
                && query.contains("restart-bot/state=approved")
                && moved.compareAndSet(false, true)) {
              otherStore.update(
                  "moves",
                  r -> r.state() == RequestState.PENDING,
                  r -> r.withState(RequestState.APPROVED));
            }
          }
        };
    try (KubernetesClient watched =
        new KubernetesClientBuilder()
            .withConfig(client.getConfiguration())
            .withHttpClientBuilderConsumer(b -> b.addOrReplaceInterceptor("move", interceptor))
            .build()) {
      List<RestartRequest> active =
          new ConfigMapRequestStore(watched, NS, new ObjectMapper())
              .list(RequestState.ACTIVE, r -> true);

      assertThat(moved).isTrue();
      assertThat(active).extracting(RestartRequest::id).containsExactly("stays", "moves");
      assertThat(active.get(1).state()).isEqualTo(RequestState.APPROVED);
    }
  }

  @Test
  void listingByStateTrustsTheStoredRequestOverALabelThatDisagrees() {
    created(minimal("good", T0, deployment("a")));
    RestartRequest ended =
        RequestBuilder.from(minimal("mislabelled", T0.plusSeconds(5), deployment("b")))
            .finished(RequestState.DONE, T0.plusSeconds(60))
            .build();
    Map<String, String> labels = new java.util.HashMap<>(requestLabels("mislabelled"));
    labels.put("restart-bot/state", "pending");
    putMap("restart-request-mislabelled", labels, new RequestJson(new ObjectMapper()).write(ended));

    assertThat(store.list(RequestState.ACTIVE, r -> true))
        .extracting(RestartRequest::id)
        .containsExactly("good");
  }

  @Test
  void aCreationReadsNoListOfRequestsHoweverManyAreStored() throws Exception {
    for (int i = 0; i < 30; i++) {
      created(minimal("old" + i, T0, deployment("old-" + i)));
      store.update("old" + i, r -> true, r -> r.withState(RequestState.DENIED));
    }
    created(minimal("holder", T0, deployment("busy")));
    drainRequests();

    created(minimal("fresh", T0, deployment("free"), deployment("old-3")));
    assertThat(store.create(minimal("refused", T0, deployment("busy"))))
        .isInstanceOf(RequestStore.CreateResult.TargetBusy.class);

    List<RecordedRequest> seen = drainRequests();
    assertThat(seen).isNotEmpty().noneMatch(ConfigMapRequestStoreTest::listsConfigMaps);
    assertThat(seen).as("calls per creation, whatever is stored").hasSizeLessThan(15);
  }

  private static Map<String, String> requestLabels(String id) {
    return Map.of("app.kubernetes.io/managed-by", "restart-bot", "restart-bot/request-id", id);
  }

  @Test
  void aRequestStoredBeforeItsConversationKindWasTakesTheKindItsChannelIdSays() throws Exception {
    RestartRequest fromPrivate =
        RequestBuilder.from(minimal("older", T0, deployment("a"))).channel("G0PRIVATE").build();
    ObjectNode stored =
        (ObjectNode)
            new ObjectMapper().readTree(new RequestJson(new ObjectMapper()).write(fromPrivate));
    stored.remove("conversation");
    putMap("restart-request-older", requestLabels("older"), stored.toString());

    assertThat(store.find("older").map(RestartRequest::conversation))
        .contains(ConversationKind.PRIVATE_CHANNEL);
  }

  @Test
  void aConfigMapWhoseJsonCannotBeReadIsAbsentForFindListAndUpdate() {
    created(minimal("good", T0, deployment("a")));
    putMap("restart-request-bad", requestLabels("bad"), "{not json");
    putMap("restart-request-alien", requestLabels("alien"), "{\"schema\": 99, \"id\": \"alien\"}");
    putMap(
        "restart-request-half",
        requestLabels("half"),
        "{\"schema\": 1, \"id\": \"half\", \"state\": \"NOPE\"}");

    assertThat(store.find("bad")).isEmpty();
    assertThat(store.find("alien")).isEmpty();
    assertThat(store.find("half")).isEmpty();
    assertThat(store.update("bad", r -> true, r -> r)).isEmpty();
    assertThat(store.list(r -> true)).extracting(RestartRequest::id).containsExactly("good");
  }

  @Test
  void apiErrorsOtherThanNotFoundReachTheCaller() {
    server
        .expect()
        .get()
        .withPath("/api/v1/namespaces/" + NS + "/configmaps/restart-request-x")
        .andReturn(403, "{\"kind\":\"Status\",\"code\":403,\"message\":\"forbidden\"}")
        .once();

    assertThatThrownBy(() -> store.find("x"))
        .isInstanceOfSatisfying(
            KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(403));
  }
}
