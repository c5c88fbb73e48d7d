package dev.restartbot.sandbox;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceQuotaBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.VersionInfo;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.quarkus.arc.profile.UnlessBuildProfile;
import io.quarkus.arc.properties.IfBuildProperty;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * The sandbox's clusters, {@code staging} and {@code prod}: each a fabric8 mock API server (CRUD:
 * objects are stored, patched and watched as on a real API server) on a loopback port, seeded with
 * the same workloads in three namespaces, some of them the kinds the approval message warns about,
 * so that {@code --cluster} decides which one restarts. They run no controllers of their own:
 * {@link RolloutSimulator} plays them.
 */
@Singleton
@IfBuildProperty(name = "restart.sandbox.enabled", stringValue = "true")
@UnlessBuildProfile("prod")
public class SandboxCluster {

  /**
   * Argo Rollouts' {@code Rollout}, which each simulated cluster serves as one with Argo Rollouts
   * installed does: in discovery, and with a status subresource.
   */
  public static final CustomResourceDefinitionContext ARGO_ROLLOUTS =
      new CustomResourceDefinitionContext.Builder()
          .withGroup("argoproj.io")
          .withVersion("v1alpha1")
          .withPlural("rollouts")
          .withKind("Rollout")
          .withScope("Namespaced")
          .withStatusSubresource(true)
          .build();

  /**
   * A Deployment with this annotation set to {@code fail} never finishes its rollouts; a Rollout
   * with it ends Degraded.
   */
  public static final String FAIL_ANNOTATION = "sandbox.restart-bot.dev/rollout";

  private static final Logger LOG = Logger.getLogger(SandboxCluster.class);

  /** What makes a seeded workload one the approval message warns about. */
  public enum Trait {
    NONE,
    /** A Deployment with the {@code Recreate} strategy. */
    RECREATE,
    /** Managed by an Argo CD app. */
    ARGO_CD,
    /** Fewer pods ready than desired: it starts (and stays, until restarted) unhealthy. */
    UNHEALTHY
  }

  /** One seeded workload, and the knob the page shows for it. */
  public record Workload(
      String namespace,
      String kind,
      String name,
      int replicas,
      String image,
      boolean failing,
      Trait trait) {
    Workload(String namespace, String kind, String name, int replicas, String image, boolean fail) {
      this(namespace, kind, name, replicas, image, fail, Trait.NONE);
    }
  }

  /** The namespaces the sandbox seeds. */
  static final List<String> NAMESPACES = List.of("payments", "platform", "vault");

  /**
   * The platform namespace's ResourceQuota, full to its last pod: a rollout there would stall for
   * want of room for its surge pod.
   */
  static final String FULL_QUOTA = "platform-pods";

  /** What the page shows about a workload now. */
  public record WorkloadView(
      String cluster,
      String namespace,
      String kind,
      String name,
      int desired,
      int ready,
      int updated,
      long generation,
      long observedGeneration,
      String restartedAt,
      boolean failing) {}

  static final List<Workload> SEED =
      List.of(
          new Workload("payments", "Deployment", "payments-api", 3, "payments/api:2.14.1", false),
          new Workload(
              "payments", "Deployment", "payments-worker", 2, "payments/worker:2.14.1", false),
          new Workload("payments", "Deployment", "checkout", 2, "shop/checkout:5.3.0", false),
          new Workload(
              "payments", "Deployment", "payments-reports", 2, "payments/reports:0.9.7", true),
          new Workload("payments", "StatefulSet", "payments-db", 3, "postgres:16.4", false),
          new Workload("platform", "DaemonSet", "log-agent", 4, "fluent/fluent-bit:3.1.9", false),
          new Workload(
              "platform", "Deployment", "ingress-gateway", 2, "envoyproxy/envoy:v1.31.2", false),
          new Workload(
              "payments",
              "Deployment",
              "payments-batch",
              2,
              "payments/batch:2.14.1",
              false,
              Trait.RECREATE),
          new Workload(
              "payments",
              "Deployment",
              "payments-cache",
              2,
              "payments/cache:2.14.1",
              false,
              Trait.ARGO_CD),
          new Workload(
              "payments",
              "Deployment",
              "payments-search",
              3,
              "payments/search:2.14.1",
              false,
              Trait.UNHEALTHY),
          new Workload("vault", "StatefulSet", "vault", 1, "hashicorp/vault:1.17.5", false),
          new Workload(
              "payments", "Rollout", "payments-canary", 3, "payments/canary:2.14.1", false),
          new Workload(
              "payments", "Rollout", "payments-preview", 2, "payments/preview:0.3.0", true));

  /**
   * Labels that only selectors look at, by workload name: {@code /restart -l tier=web} restarts
   * {@code checkout} and {@code payments-api}, {@code -l tier=backend} the workers behind them.
   */
  static final Map<String, Map<String, String>> SELECTOR_LABELS =
      Map.of(
          "payments-api", Map.of("tier", "web"),
          "checkout", Map.of("tier", "web"),
          "payments-worker", Map.of("tier", "backend"),
          "payments-batch", Map.of("tier", "backend"));

  /** The sandbox's clusters; the first is the default, and the one the bot's own client reaches. */
  public static final List<String> CLUSTERS = List.of("staging", "prod");

  private final Map<String, KubernetesMockServer> servers = new LinkedHashMap<>();
  private final Map<String, KubernetesClient> clients = new LinkedHashMap<>();

  public SandboxCluster() {
    for (String name : CLUSTERS) {
      KubernetesMockServer server = server(name);
      KubernetesClient client = client(server);
      servers.put(name, server);
      clients.put(name, client);
      SEED.forEach(w -> create(client, w));
      fillQuota(client);
      LOG.infof(
          "sandbox: simulated cluster %s on %s with %d workloads in %s",
          name, server.url("/"), SEED.size(), String.join(", ", NAMESPACES));
    }
  }

  private static KubernetesMockServer server(String name) {
    KubernetesMockServer server =
        new KubernetesMockServer(
            new Context(),
            new MockWebServer(),
            new HashMap<>(),
            new DryRunAwareDispatcher(),
            false,
            new VersionInfo.Builder()
                .withMajor("1")
                .withMinor("32")
                .withGitVersion("v1.32.0-sandbox-" + name)
                .withPlatform("simulated")
                .build());
    server.init(InetAddress.getLoopbackAddress(), 0);
    server.expectCustomResource(ARGO_ROLLOUTS);
    return server;
  }

  private static KubernetesClient client(KubernetesMockServer server) {
    // Config.empty(): nothing from KUBECONFIG, ~/.kube/config or a service account, ever.
    Config config =
        new ConfigBuilder(Config.empty())
            .withMasterUrl(server.url("/"))
            .withNamespace("payments")
            .withTrustCerts(true)
            .withHttp2Disable(true)
            .withRequestRetryBackoffLimit(1)
            .build();
    return new KubernetesClientBuilder().withConfig(config).build();
  }

  /** The platform namespace's pods quota, used to its last pod. */
  private static void fillQuota(KubernetesClient client) {
    client
        .resourceQuotas()
        .inNamespace("platform")
        .resource(
            new ResourceQuotaBuilder()
                .withNewMetadata()
                .withName(FULL_QUOTA)
                .withNamespace("platform")
                .endMetadata()
                .withNewSpec()
                .addToHard("pods", new Quantity("8"))
                .endSpec()
                .withNewStatus()
                .addToHard("pods", new Quantity("8"))
                .addToUsed("pods", new Quantity("8"))
                .endStatus()
                .build())
        .create();
  }

  /**
   * The mock's CRUD store applies a {@code dryRun=All} patch as if it were real; a real API server
   * runs its checks and stores nothing. This one answers a dry run with the object as it is.
   */
  public static final class DryRunAwareDispatcher extends KubernetesCrudDispatcher {
    public DryRunAwareDispatcher() {
      super(List.of());
    }

    @Override
    public MockResponse handlePatch(RecordedRequest request) {
      String path = request.getPath();
      int query = path.indexOf('?');
      if (query >= 0 && List.of(path.substring(query + 1).split("&")).contains("dryRun=All")) {
        return handleGet(path.substring(0, query));
      }
      return super.handlePatch(request);
    }
  }

  @PreDestroy
  void stop() {
    clients.values().forEach(KubernetesClient::close);
    servers.values().forEach(KubernetesMockServer::destroy);
  }

  /**
   * The client of the default simulated cluster ({@code staging}); the bot gets this one instead of
   * a real cluster's, and keeps its request store there.
   */
  public KubernetesClient client() {
    return clients.get(CLUSTERS.get(0));
  }

  /** Each simulated cluster's client, by name, the default first. */
  public Map<String, KubernetesClient> clients() {
    return Collections.unmodifiableMap(clients);
  }

  /** Every workload of every cluster, as stored now. */
  public List<WorkloadView> workloads() {
    List<WorkloadView> out = new ArrayList<>();
    clients.forEach(
        (cluster, client) -> {
          for (String ns : NAMESPACES) {
            client.apps().deployments().inNamespace(ns).list().getItems().stream()
                .map(w -> view(cluster, w))
                .forEach(out::add);
            client.apps().statefulSets().inNamespace(ns).list().getItems().stream()
                .map(w -> view(cluster, w))
                .forEach(out::add);
            client.apps().daemonSets().inNamespace(ns).list().getItems().stream()
                .map(w -> view(cluster, w))
                .forEach(out::add);
            client
                .genericKubernetesResources(ARGO_ROLLOUTS)
                .inNamespace(ns)
                .list()
                .getItems()
                .stream()
                .map(w -> view(cluster, w))
                .forEach(out::add);
          }
        });
    out.sort(
        Comparator.comparing((WorkloadView v) -> CLUSTERS.indexOf(v.cluster()))
            .thenComparing(WorkloadView::namespace)
            .thenComparing(WorkloadView::kind)
            .thenComparing(WorkloadView::name));
    return out;
  }

  /**
   * Makes the rollouts of a Deployment fail (or succeed again), from the next one on. Empty when
   * there is no such Deployment.
   */
  public Optional<WorkloadView> setFailing(String namespace, String name, boolean failing) {
    return setFailing(CLUSTERS.get(0), namespace, name, failing);
  }

  /** As {@link #setFailing(String, String, boolean)}, in the cluster named {@code cluster}. */
  public Optional<WorkloadView> setFailing(
      String cluster, String namespace, String name, boolean failing) {
    KubernetesClient client = clients.get(cluster);
    if (client == null) {
      return Optional.empty();
    }
    var resource = client.apps().deployments().inNamespace(namespace).withName(name);
    if (resource.get() == null) {
      return Optional.empty();
    }
    Deployment edited =
        resource.edit(
            d ->
                new DeploymentBuilder(d)
                    .editMetadata()
                    .addToAnnotations(FAIL_ANNOTATION, failing ? "fail" : "succeed")
                    .endMetadata()
                    .build());
    return Optional.of(view(cluster, edited));
  }

  static boolean failing(HasMetadata workload) {
    Map<String, String> annotations = workload.getMetadata().getAnnotations();
    return annotations != null && "fail".equals(annotations.get(FAIL_ANNOTATION));
  }

  private static void create(KubernetesClient client, Workload w) {
    Map<String, String> labels = Map.of("app.kubernetes.io/name", w.name());
    Map<String, String> workloadLabels = new HashMap<>(labels);
    if (w.trait() == Trait.ARGO_CD) {
      workloadLabels.put("argocd.argoproj.io/instance", w.namespace());
    }
    workloadLabels.putAll(SELECTOR_LABELS.getOrDefault(w.name(), Map.of()));
    String image = "registry.example.com/" + w.image();
    Map<String, String> annotations = new HashMap<>();
    annotations.put(FAIL_ANNOTATION, w.failing() ? "fail" : "succeed");
    HasMetadata created =
        switch (w.kind()) {
          case "Deployment" ->
              client
                  .apps()
                  .deployments()
                  .inNamespace(w.namespace())
                  .resource(
                      new DeploymentBuilder()
                          .withNewMetadata()
                          .withName(w.name())
                          .withNamespace(w.namespace())
                          .withLabels(workloadLabels)
                          .withAnnotations(annotations)
                          .endMetadata()
                          .withNewSpec()
                          .withReplicas(w.replicas())
                          .withProgressDeadlineSeconds(600)
                          .withNewSelector()
                          .withMatchLabels(labels)
                          .endSelector()
                          .withNewStrategy()
                          .withType(w.trait() == Trait.RECREATE ? "Recreate" : "RollingUpdate")
                          .endStrategy()
                          .withTemplate(podTemplate(w.name(), labels, image))
                          .endSpec()
                          .build())
                  .create();
          case "StatefulSet" ->
              client
                  .apps()
                  .statefulSets()
                  .inNamespace(w.namespace())
                  .resource(
                      new StatefulSetBuilder()
                          .withNewMetadata()
                          .withName(w.name())
                          .withNamespace(w.namespace())
                          .withLabels(labels)
                          .withAnnotations(annotations)
                          .endMetadata()
                          .withNewSpec()
                          .withReplicas(w.replicas())
                          .withServiceName(w.name())
                          .withNewSelector()
                          .withMatchLabels(labels)
                          .endSelector()
                          // RollingUpdate without a partition: kubectl follows it by revision.
                          .withNewUpdateStrategy()
                          .withType("RollingUpdate")
                          .endUpdateStrategy()
                          .withTemplate(podTemplate(w.name(), labels, image))
                          .endSpec()
                          .build())
                  .create();
          case "DaemonSet" ->
              client
                  .apps()
                  .daemonSets()
                  .inNamespace(w.namespace())
                  .resource(
                      new DaemonSetBuilder()
                          .withNewMetadata()
                          .withName(w.name())
                          .withNamespace(w.namespace())
                          .withLabels(labels)
                          .withAnnotations(annotations)
                          .endMetadata()
                          .withNewSpec()
                          .withNewSelector()
                          .withMatchLabels(labels)
                          .endSelector()
                          .withNewUpdateStrategy()
                          .withType("RollingUpdate")
                          .endUpdateStrategy()
                          .withTemplate(podTemplate(w.name(), labels, image))
                          .endSpec()
                          .build())
                  .create();
          case "Rollout" ->
              client
                  .genericKubernetesResources(ARGO_ROLLOUTS)
                  .inNamespace(w.namespace())
                  .resource(rollout(w, labels, annotations, image))
                  .create();
          default -> throw new IllegalArgumentException("unknown kind " + w.kind());
        };
    if (w.failing() && created instanceof Deployment d) {
      // Its last good release, so that a failed restart has something to roll back to.
      RolloutSimulator.seedEarlierRevision(client, d, image.replace(":0.9.7", ":0.9.6"));
    }
    RolloutSimulator.settle(client, created, w.replicas());
    if (w.trait() == Trait.UNHEALTHY) {
      client
          .apps()
          .deployments()
          .inNamespace(w.namespace())
          .withName(w.name())
          .editStatus(
              d ->
                  new DeploymentBuilder(d)
                      .editStatus()
                      .withReadyReplicas(1)
                      .withAvailableReplicas(1)
                      .endStatus()
                      .build());
    }
  }

  /** An Argo Rollout with a canary strategy of two steps, and the same pod template. */
  private static GenericKubernetesResource rollout(
      Workload w, Map<String, String> labels, Map<String, String> annotations, String image) {
    return new GenericKubernetesResourceBuilder()
        .withApiVersion(ARGO_ROLLOUTS.getGroup() + "/" + ARGO_ROLLOUTS.getVersion())
        .withKind(ARGO_ROLLOUTS.getKind())
        .withNewMetadata()
        .withName(w.name())
        .withNamespace(w.namespace())
        .withLabels(labels)
        .withAnnotations(annotations)
        .endMetadata()
        .addToAdditionalProperties(
            "spec",
            Map.of(
                "replicas",
                w.replicas(),
                "selector",
                Map.of("matchLabels", labels),
                "strategy",
                Map.of(
                    "canary",
                    Map.of(
                        "steps",
                        List.of(
                            Map.of("setWeight", 20), Map.of("pause", Map.of("duration", "30s"))))),
                "template",
                Map.of(
                    "metadata",
                    Map.of("labels", labels),
                    "spec",
                    Map.of("containers", List.of(Map.of("name", w.name(), "image", image))))))
        .build();
  }

  /** The pod template all three kinds share: one container named after the workload. */
  private static PodTemplateSpec podTemplate(
      String name, Map<String, String> labels, String image) {
    return new PodTemplateSpecBuilder()
        .withNewMetadata()
        .withLabels(labels)
        .endMetadata()
        .withNewSpec()
        .addNewContainer()
        .withName(name)
        .withImage(image)
        .endContainer()
        .endSpec()
        .build();
  }

  private static WorkloadView view(String cluster, HasMetadata w) {
    long generation = orZero(w.getMetadata().getGeneration());
    String restartedAt = null;
    int desired;
    int ready;
    int updated;
    long observed;
    if (w instanceof Deployment d) {
      desired = orZero(d.getSpec().getReplicas());
      var s = d.getStatus();
      ready = s == null ? 0 : orZero(s.getReadyReplicas());
      updated = s == null ? 0 : orZero(s.getUpdatedReplicas());
      observed = s == null ? 0 : orZero(s.getObservedGeneration());
      restartedAt = restartedAt(d.getSpec().getTemplate().getMetadata().getAnnotations());
    } else if (w instanceof StatefulSet sts) {
      desired = orZero(sts.getSpec().getReplicas());
      var s = sts.getStatus();
      ready = s == null ? 0 : orZero(s.getReadyReplicas());
      updated = s == null ? 0 : orZero(s.getUpdatedReplicas());
      observed = s == null ? 0 : orZero(s.getObservedGeneration());
      restartedAt = restartedAt(sts.getSpec().getTemplate().getMetadata().getAnnotations());
    } else if (w instanceof DaemonSet ds) {
      var s = ds.getStatus();
      desired = s == null ? 0 : orZero(s.getDesiredNumberScheduled());
      ready = s == null ? 0 : orZero(s.getNumberReady());
      updated = s == null ? 0 : orZero(s.getUpdatedNumberScheduled());
      observed = s == null ? 0 : orZero(s.getObservedGeneration());
      restartedAt = restartedAt(ds.getSpec().getTemplate().getMetadata().getAnnotations());
    } else if (w instanceof GenericKubernetesResource ro) {
      desired = RolloutSimulator.integer(ro, "spec", "replicas");
      ready = RolloutSimulator.integer(ro, "status", "readyReplicas");
      updated = RolloutSimulator.integer(ro, "status", "updatedReplicas");
      observed = RolloutSimulator.observedGeneration(ro);
      Object restartAt = ro.get("spec", "restartAt");
      restartedAt = restartAt == null ? null : restartAt.toString();
    } else {
      throw new IllegalArgumentException("not a workload: " + w.getKind());
    }
    return new WorkloadView(
        cluster,
        w.getMetadata().getNamespace(),
        w.getKind(),
        w.getMetadata().getName(),
        desired,
        ready,
        updated,
        generation,
        observed,
        restartedAt,
        failing(w));
  }

  private static String restartedAt(Map<String, String> annotations) {
    return annotations == null ? null : annotations.get("kubectl.kubernetes.io/restartedAt");
  }

  private static int orZero(Integer value) {
    return value == null ? 0 : value;
  }

  private static long orZero(Long value) {
    return value == null ? 0 : value;
  }
}
