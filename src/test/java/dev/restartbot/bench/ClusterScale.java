package dev.restartbot.bench;

import dev.restartbot.testing.FakeSlackApi;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * 10: one bot serving many clusters, each a mock API server of its own reached through a kubeconfig
 * file ({@code restart.clusters.<name>.kubeconfig}), with one request per cluster: start to ready
 * and the memory with one cluster and with {@link #CLUSTERS}, so that the cost of a cluster is
 * measured, and how many watches each cluster's API server saw (none is expected while no rollout
 * is followed there). Runs alone with {@code -Dbenchmark.only=clusters}.
 */
final class ClusterScale {

  static final String NAME = "clusters";
  static final String HEADING = "Many clusters: one bot, one request per cluster";
  static final int CLUSTERS = 50;
  static final String WORKLOAD = "scale-000";

  /** One configuration's figures. */
  record Trial(
      int clusters,
      AppUnderTest.Start start,
      AppUnderTest.Memory memory,
      int requests,
      long watches,
      long apiRequests) {}

  private ClusterScale() {}

  static List<Trial> run(Path jar, FakeSlackApi slack) {
    List<MockApiServer> servers = new ArrayList<>();
    try {
      Path dir = Files.createTempDirectory("restart-bot-clusters");
      for (int i = 0; i < CLUSTERS; i++) {
        MockApiServer server = new MockApiServer();
        server.seed("scale", 1);
        servers.add(server);
        Files.writeString(dir.resolve(name(i)), kubeconfig(name(i), server.url()));
      }
      List<Trial> trials = new ArrayList<>();
      for (int count : List.of(1, CLUSTERS)) {
        servers.forEach(MockApiServer::forget);
        trials.add(trial(jar, slack, servers.subList(0, count), dir));
        slack.reset();
      }
      return trials;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      servers.forEach(MockApiServer::close);
    }
  }

  private static Trial trial(
      Path jar, FakeSlackApi slack, List<MockApiServer> servers, Path kubeconfigs) {
    Map<String, String> settings = new LinkedHashMap<>();
    for (int i = 0; i < servers.size(); i++) {
      settings.put(
          "restart.clusters." + name(i) + ".kubeconfig", kubeconfigs.resolve(name(i)).toString());
    }
    settings.put("restart.default-cluster", name(0));
    settings.put("restart.rollout.wait", "false");
    settings.put("restart.rules[0].clusters[0]", "*");
    settings.put("restart.rules[0].namespace", MockApiServer.NAMESPACE);
    settings.put("restart.rules[0].deployments[0]", "*");
    settings.put("restart.rules[0].approvers[0]", SlackUsers.APPROVER);
    System.out.printf(Locale.ROOT, "[benchmark] %d cluster(s)%n", servers.size());
    try (AppUnderTest app =
        AppUnderTest.start(
            jar, servers.get(0).url(), slack.baseUrl(), settings, AppUnderTest.Shape.DOCKERFILE)) {
      SlackUsers users = new SlackUsers(app.baseUrl(), slack);
      for (int i = 0; i < servers.size(); i++) {
        users.submit(WORKLOAD + " --cluster " + name(i));
      }
      AppUnderTest.Memory memory = app.memory();
      long watches =
          servers.stream()
              .flatMap(s -> s.arrivals().stream())
              .filter(a -> a.path().contains("watch=true"))
              .count();
      long apiRequests = servers.stream().mapToLong(s -> s.arrivals().size()).sum();
      return new Trial(servers.size(), app.start(), memory, servers.size(), watches, apiRequests);
    }
  }

  static String name(int i) {
    return String.format(Locale.ROOT, "c%02d", i);
  }

  private static String kubeconfig(String name, String url) {
    return """
        apiVersion: v1
        kind: Config
        clusters:
          - name: %1$s
            cluster:
              server: %2$s
              insecure-skip-tls-verify: true
        users:
          - name: restart-bot
            user:
              token: benchmark-token
        contexts:
          - name: %1$s
            context:
              cluster: %1$s
              user: restart-bot
              namespace: %3$s
        current-context: %1$s
        """
        .formatted(name, url, MockApiServer.NAMESPACE);
  }

  static List<Row> rows(List<Trial> trials) {
    Trial one = trials.get(0);
    Trial many = trials.get(trials.size() - 1);
    double perCluster =
        (many.memory().rssMiB() - one.memory().rssMiB()) / (double) (many.clusters() - 1);
    return List.of(
        Row.info(
            "Start to ready with " + many.clusters() + " clusters (1 cluster)",
            Row.ms(many.start().toReady().toNanos() / 1e6)
                + " ("
                + Row.ms(one.start().toReady().toNanos() / 1e6)
                + ")"),
        Row.info(
            "RSS per added cluster, one request each",
            String.format(
                Locale.ROOT,
                "%.1f MiB (%d MiB with %d, %d MiB with 1)",
                perCluster,
                many.memory().rssMiB(),
                many.clusters(),
                one.memory().rssMiB())));
  }

  static List<String> detail(List<Trial> trials) {
    List<String> lines = new ArrayList<>();
    lines.add(
        "Each cluster a mock API server of its own with one Deployment, named in a kubeconfig file"
            + " of its own; one `/restart "
            + WORKLOAD
            + " --cluster cNN` per cluster, each left pending; memory read after the last.");
    lines.add("");
    lines.add(
        "| clusters | start to ready | RSS | heap held after a full GC | requests | API requests,"
            + " all clusters | watches opened |");
    lines.add("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for (Trial t : trials) {
      lines.add(
          String.format(
              Locale.ROOT,
              "| %d | %d ms | %d MiB | %s | %d | %d | %d |",
              t.clusters(),
              t.start().toReady().toMillis(),
              t.memory().rssMiB(),
              t.memory().liveHeapMiB().map(m -> m + " MiB").orElse("not read"),
              t.requests(),
              t.apiRequests(),
              t.watches()));
    }
    return lines;
  }
}
