package dev.restartbot.e2e;

import dev.restartbot.sandbox.SandboxCluster;
import dev.restartbot.testing.TcpProxy;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.VersionInfo;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.MockWebServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Two clusters, {@code staging} and {@code prod}: each a fabric8 mock API server (CRUD) that the
 * app reaches through a {@link TcpProxy} of its own, named in a kubeconfig file of its own, as a
 * mounted Secret would be. The test gets both in its {@link Fleet} field: a client straight to each
 * server (to seed and read, whatever the proxy does) and each proxy (to stop a cluster answering).
 */
public class TwoClustersResource implements QuarkusTestResourceLifecycleManager {

  /** One simulated cluster as a test sees it. */
  public record Cluster(
      String name, KubernetesMockServer server, KubernetesClient client, TcpProxy proxy) {}

  /** The clusters, by name. */
  public record Fleet(Map<String, Cluster> clusters) {
    public Cluster get(String name) {
      return clusters.get(name);
    }
  }

  static final List<String> NAMES = List.of("staging", "prod");

  private final Map<String, KubernetesMockServer> servers = new LinkedHashMap<>();
  private final Map<String, Cluster> clusters = new LinkedHashMap<>();
  private Path dir;

  @Override
  public Map<String, String> start() {
    Map<String, String> config = new HashMap<>();
    try {
      dir = Files.createTempDirectory("restart-bot-clusters");
      for (String name : NAMES) {
        KubernetesMockServer server =
            new KubernetesMockServer(
                new io.fabric8.mockwebserver.Context(),
                new MockWebServer(),
                new HashMap<>(),
                new SandboxCluster.DryRunAwareDispatcher(),
                false,
                new VersionInfo.Builder()
                    .withMajor("1")
                    .withMinor("32")
                    .withGitVersion("v1.32.0-" + name)
                    .build());
        server.init(InetAddress.getLoopbackAddress(), 0);
        TcpProxy proxy = new TcpProxy(server.getPort());
        servers.put(name, server);
        clusters.put(name, new Cluster(name, server, server.createClient(), proxy));
        Path kubeconfig = dir.resolve(name);
        Files.writeString(kubeconfig, kubeconfig(name, proxy.port()), StandardCharsets.UTF_8);
        config.put("restart.clusters." + name + ".kubeconfig", kubeconfig.toString());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return config;
  }

  /** A kubeconfig as {@code kubectl config} writes one for a cluster of its own. */
  static String kubeconfig(String name, int port) {
    return """
        apiVersion: v1
        kind: Config
        clusters:
        - name: %1$s
          cluster:
            server: http://127.0.0.1:%2$d
        users:
        - name: restart-bot
          user:
            token: a-token-for-%1$s
        contexts:
        - name: %1$s
          context:
            cluster: %1$s
            user: restart-bot
            namespace: test
        current-context: %1$s
        """
        .formatted(name, port);
  }

  @Override
  public void inject(TestInjector testInjector) {
    testInjector.injectIntoFields(
        new Fleet(Map.copyOf(clusters)), new TestInjector.MatchesType(Fleet.class));
  }

  @Override
  public void stop() {
    clusters.values().forEach(c -> c.proxy().close());
    clusters.values().forEach(c -> c.client().close());
    servers.values().forEach(KubernetesMockServer::destroy);
    try (var files = Files.list(dir)) {
      for (Path file : files.toList()) {
        Files.deleteIfExists(file);
      }
      Files.deleteIfExists(dir);
    } catch (IOException | RuntimeException e) {
      // A temporary directory left behind harms nothing.
    }
  }
}
