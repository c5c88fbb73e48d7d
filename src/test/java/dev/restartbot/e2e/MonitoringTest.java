package dev.restartbot.e2e;

import static dev.restartbot.e2e.SlackFlowHarness.LEAD;
import static dev.restartbot.e2e.SlackFlowHarness.REQUESTER;
import static dev.restartbot.e2e.SlackFlowHarness.WAIT;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.restartbot.deploy.Kustomize;
import dev.restartbot.restart.RequestState;
import dev.restartbot.restart.RequestStore;
import dev.restartbot.restart.RestartRequest;
import dev.restartbot.testing.FakeSlackResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.io.StringReader;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Keeps {@code k8s/monitoring} true to the app: every metric that an alert or a dashboard panel
 * asks for is on the running app's {@code /q/metrics}, with the labels the expression uses, after a
 * real request went through (most meters exist only once something was counted). Every alert
 * carries a summary, a description and a runbook that exists in the README's Operate part.
 */
@QuarkusTest
@TestProfile(RolloutProfile.class)
@WithKubernetesTestServer(crud = true)
@QuarkusTestResource(FakeSlackResource.class)
class MonitoringTest {

  /**
   * Series that do not come from the app: {@code up} is Prometheus's own, per scraped target;
   * {@code kube_deployment_status_replicas_ready} is kube-state-metrics'.
   */
  static final Set<String> NOT_FROM_THE_APP = Set.of("up", "kube_deployment_status_replicas_ready");

  /** Labels Prometheus adds to every series it scrapes through the ServiceMonitor. */
  static final Set<String> TARGET_LABELS =
      Set.of("job", "namespace", "pod", "instance", "service", "endpoint", "container");

  static final String RUNBOOK_BASE = "https://github.com/YOUR-ORG/restart-bot/blob/main/README.md#";

  static List<Map<String, Object>> rendered;
  static List<Expression> expressions;

  /** Series name → label names, from {@code /q/metrics} after a request went through. */
  private static Map<String, Set<String>> exposed;

  @KubernetesTestServer KubernetesServer server;
  @Inject RequestStore store;

  @BeforeAll
  static void render() throws Exception {
    rendered = parseAll(Kustomize.render("MonitoringTest", "k8s/monitoring"));
    expressions = expressionsOf(rendered);
  }

  /**
   * Once for the class: one request, approved, restarted and rolled out, whose approval message
   * meets a 429 first. That creates the meters that only exist once something was counted.
   */
  @BeforeEach
  void driveARequestThroughTheAppOnce() {
    if (exposed != null) {
      return;
    }
    SlackFlowHarness flow = new SlackFlowHarness(server, store);
    flow.slack.reset();
    flow.seedDeployment("payments-monitored");
    flow.slack.failNext("chat.postMessage", 1, 429, "1", null);
    RestartRequest request = flow.requested(REQUESTER, "payments-monitored", "payments-monitored");
    flow.click(LEAD, request, "restart_approve");
    await().atMost(WAIT).until(() -> flow.restartedAt("payments-monitored") != null);
    flow.controller("payments-monitored", true, 2, 2, 2);
    flow.awaitState(request.id(), RequestState.DONE);
    // The store and cluster gauges appear with their first background read after the start: on a
    // quiet machine the request above can be over before it.
    await()
        .atMost(WAIT)
        .until(
            () ->
                parseExposition(given().get("/q/metrics").then().extract().asString())
                    .keySet()
                    .containsAll(BACKGROUND_GAUGES));
    exposed =
        parseExposition(given().get("/q/metrics").then().statusCode(200).extract().asString());
  }

  /** Gauges read in the background, every {@code restart.health-refresh-every}. */
  static final Set<String> BACKGROUND_GAUGES =
      Set.of(
          "restartbot_cluster_reachable",
          "restartbot_request_store_reachable",
          "restartbot_requests_pending");

  static Stream<Expression> checkedExpressions() throws Exception {
    if (expressions == null) {
      render();
    }
    return expressions.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("checkedExpressions")
  void everyMetricOfTheExpressionIsExposedWithTheLabelsItUses(Expression expression) {
    PromQl promQl = PromQl.parse(expression.promQl());
    assertThat(promQl.selectors()).as("metrics of %s", expression).isNotEmpty();
    Set<String> labelsOfItsMetrics = new HashSet<>(TARGET_LABELS);
    for (PromQl.Selector selector : promQl.selectors()) {
      if (NOT_FROM_THE_APP.contains(selector.metric())) {
        continue;
      }
      assertThat(exposed)
          .as("%s uses %s, which /q/metrics does not have", expression, selector.metric())
          .containsKey(selector.metric());
      Set<String> labels = exposed.get(selector.metric());
      assertThat(labels)
          .as("labels of %s on /q/metrics, as %s uses them", selector.metric(), expression)
          .containsAll(without(selector.labels(), TARGET_LABELS));
      labelsOfItsMetrics.addAll(labels);
    }
    assertThat(labelsOfItsMetrics)
        .as("labels that %s groups by, among those of its metrics", expression)
        .containsAll(promQl.groupedBy());
  }

  @Test
  void everyAlertHasASummaryADescriptionAndARunbookInTheReadmesOperatePart() throws Exception {
    Set<String> anchors = operateAnchors();
    List<Map<String, Object>> alerts = alerts(rendered);
    assertThat(alerts).hasSizeGreaterThanOrEqualTo(7);
    for (Map<String, Object> alert : alerts) {
      Map<String, Object> annotations = cast(alert.get("annotations"));
      assertThat(annotations)
          .as("annotations of %s", alert.get("alert"))
          .containsKeys("summary", "description", "runbook_url");
      assertThat((String) annotations.get("summary")).isNotBlank();
      assertThat((String) annotations.get("description")).isNotBlank();
      String url = (String) annotations.get("runbook_url");
      assertThat(url).as("runbook of %s", alert.get("alert")).startsWith(RUNBOOK_BASE);
      assertThat(anchors)
          .as("README sections of the Operate part, for %s", alert.get("alert"))
          .contains(url.substring(RUNBOOK_BASE.length()));
    }
  }

  @Test
  void theServiceMonitorScrapesTheBotsMetricsPortAndPathWhereTheNetworkPolicyLetsIt()
      throws Exception {
    List<Map<String, Object>> app = parseAll(Kustomize.render("MonitoringTest", "k8s"));
    Map<String, Object> service = only(app, "Service");
    Map<String, Object> policy = only(app, "NetworkPolicy");
    Map<String, Object> monitor = only(rendered, "ServiceMonitor");

    assertThat(at(monitor, "apiVersion")).isEqualTo("monitoring.coreos.com/v1");
    assertThat(at(monitor, "metadata.namespace")).isEqualTo(at(service, "metadata.namespace"));
    Map<String, Object> serviceLabels = cast(at(service, "metadata.labels"));
    assertThat(serviceLabels).containsAllEntriesOf(cast(at(monitor, "spec.selector.matchLabels")));
    List<Map<String, Object>> endpoints = cast(at(monitor, "spec.endpoints"));
    assertThat(endpoints).hasSize(1);
    Map<String, Object> endpoint = endpoints.get(0);
    assertThat(endpoint.get("path")).isEqualTo("/q/metrics");
    List<Map<String, Object>> ports = cast(at(service, "spec.ports"));
    assertThat(ports).extracting(p -> p.get("name")).contains(endpoint.get("port"));

    // The port Prometheus reaches is the container's, which the NetworkPolicy opens to
    // namespaces labelled restart-bot/metrics=true.
    Map<String, Object> deployment = only(app, "Deployment");
    List<Map<String, Object>> containers = cast(at(deployment, "spec.template.spec.containers"));
    Object target =
        ports.stream()
            .filter(p -> p.get("name").equals(endpoint.get("port")))
            .findFirst()
            .orElseThrow()
            .get("targetPort");
    List<Map<String, Object>> containerPorts = cast(containers.get(0).get("ports"));
    Object containerPort =
        containerPorts.stream()
            .filter(p -> p.get("name").equals(target))
            .findFirst()
            .orElseThrow()
            .get("containerPort");
    List<Map<String, Object>> ingress = cast(at(policy, "spec.ingress"));
    assertThat(ingress)
        .anySatisfy(
            rule -> {
              assertThat(rule.toString()).contains("restart-bot/metrics=true");
              assertThat(rule.toString()).contains("port=" + containerPort);
            });
  }

  @Test
  void theDashboardIsAConfigMapForGrafanasSidecar() {
    Map<String, Object> dashboard = only(rendered, "ConfigMap");
    Map<String, Object> labels = cast(at(dashboard, "metadata.labels"));
    assertThat(labels).containsEntry("grafana_dashboard", "1");
    assertThat(at(dashboard, "metadata.name")).isEqualTo("restart-bot-dashboard");
    assertThat(expressions)
        .extracting(Expression::source)
        .contains(
            "panel Requests by step and outcome",
            "panel Restarts by kind and outcome",
            "panel Restarts by cluster",
            "panel Rollout duration",
            "panel Pending approvals",
            "panel Slack API errors",
            "panel JVM memory used",
            "panel Ack latency of /slack/events");
  }

  /** A PromQL expression of an alert or a dashboard panel, named for the test report. */
  record Expression(String source, String promQl) {
    @Override
    public String toString() {
      return source;
    }
  }

  static List<Expression> expressionsOf(List<Map<String, Object>> manifests) throws Exception {
    List<Expression> all = new ArrayList<>();
    for (Map<String, Object> alert : alerts(manifests)) {
      all.add(new Expression("alert " + alert.get("alert"), (String) alert.get("expr")));
    }
    Map<String, Object> data = cast(only(manifests, "ConfigMap").get("data"));
    JsonNode dashboard = new ObjectMapper().readTree((String) data.get("restart-bot.json"));
    for (JsonNode panel : dashboard.path("panels")) {
      for (JsonNode target : panel.path("targets")) {
        all.add(
            new Expression("panel " + panel.path("title").asText(), target.path("expr").asText()));
      }
    }
    return all;
  }

  static List<Map<String, Object>> alerts(List<Map<String, Object>> manifests) {
    List<Map<String, Object>> groups = cast(at(only(manifests, "PrometheusRule"), "spec.groups"));
    List<Map<String, Object>> alerts = new ArrayList<>();
    for (Map<String, Object> group : groups) {
      List<Map<String, Object>> rules = cast(group.get("rules"));
      rules.stream().filter(r -> r.containsKey("alert")).forEach(alerts::add);
    }
    return alerts;
  }

  /** The anchors GitHub gives the headings of the README's Operate part. */
  static Set<String> operateAnchors() throws Exception {
    String readme = Files.readString(Kustomize.project("README.md"));
    int start = readme.indexOf("\n## Operate\n");
    assertThat(start).as("the README's Operate part").isNotNegative();
    int end = readme.indexOf("\n## ", start + 1);
    Set<String> anchors = new TreeSet<>();
    Matcher heading =
        Pattern.compile("(?m)^#{2,6} (.+)$")
            .matcher(readme.substring(start, end < 0 ? readme.length() : end));
    while (heading.find()) {
      anchors.add(
          heading
              .group(1)
              .trim()
              .toLowerCase(Locale.ROOT)
              .replaceAll("[^\\p{L}\\p{N} _-]", "")
              .replace(' ', '-'));
    }
    return anchors;
  }

  /** Series name → every label name it has in the Prometheus text format. */
  static Map<String, Set<String>> parseExposition(String text) {
    Map<String, Set<String>> series = new TreeMap<>();
    Pattern line = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)\\})?\\s+\\S+.*$");
    Pattern label = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"(?:[^\"\\\\]|\\\\.)*\"");
    for (String l : text.split("\n")) {
      Matcher m = line.matcher(l);
      if (l.startsWith("#") || !m.matches()) {
        continue;
      }
      Set<String> labels = series.computeIfAbsent(m.group(1), k -> new TreeSet<>());
      if (m.group(3) != null) {
        Matcher lm = label.matcher(m.group(3));
        while (lm.find()) {
          labels.add(lm.group(1));
        }
      }
    }
    return series;
  }

  static List<Map<String, Object>> parseAll(String yaml) {
    List<Map<String, Object>> all = new ArrayList<>();
    for (Object document :
        new Yaml(new SafeConstructor(new LoaderOptions())).loadAll(new StringReader(yaml))) {
      if (document != null) {
        all.add(cast(document));
      }
    }
    return all;
  }

  static Map<String, Object> only(List<Map<String, Object>> manifests, String kind) {
    List<Map<String, Object>> ofKind =
        manifests.stream().filter(m -> kind.equals(m.get("kind"))).toList();
    assertThat(ofKind).as("objects of kind %s", kind).hasSize(1);
    return ofKind.get(0);
  }

  static Object at(Map<String, Object> body, String path) {
    Object here = body;
    for (String key : path.split("\\.")) {
      here = here instanceof Map<?, ?> map ? map.get(key) : null;
    }
    return here;
  }

  private static Set<String> without(Set<String> labels, Set<String> left) {
    Set<String> rest = new LinkedHashSet<>(labels);
    rest.removeAll(left);
    return rest;
  }

  @SuppressWarnings("unchecked")
  static <T> T cast(Object o) {
    return (T) o;
  }
}
