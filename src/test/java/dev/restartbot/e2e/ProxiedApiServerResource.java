package dev.restartbot.e2e;

import dev.restartbot.testing.TcpProxy;
import io.fabric8.kubernetes.client.NamespacedKubernetesClient;
import io.quarkus.test.kubernetes.client.AbstractKubernetesTestResource;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import java.lang.annotation.Annotation;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The fabric8 mock API server in CRUD mode, as {@code @WithKubernetesTestServer(crud = true)}
 * starts it, but reached by the app through a {@link TcpProxy} that a test can close mid-sequence.
 * The test gets the server in its {@code @KubernetesTestServer KubernetesServer} field (its own
 * client goes straight to the server) and the proxy in its {@code TcpProxy} field.
 */
public class ProxiedApiServerResource
    extends AbstractKubernetesTestResource<KubernetesServer, NamespacedKubernetesClient> {

  private TcpProxy proxy;

  @Override
  public Map<String, String> start() {
    Map<String, String> config = new HashMap<>(super.start());
    proxy = new TcpProxy(server.getKubernetesMockServer().getPort());
    config.put("quarkus.kubernetes-client.api-server-url", "http://127.0.0.1:" + proxy.port());
    return config;
  }

  @Override
  public void inject(TestInjector testInjector) {
    super.inject(testInjector);
    testInjector.injectIntoFields(proxy, new TestInjector.MatchesType(TcpProxy.class));
  }

  @Override
  public void stop() {
    if (proxy != null) {
      proxy.close();
    }
    if (server != null) {
      server.after();
      server = null;
    }
  }

  @Override
  protected KubernetesServer createServer() {
    return new KubernetesServer(false, true, InetAddress.getLoopbackAddress(), 0, List.of());
  }

  @Override
  protected void initServer() {
    server.before();
  }

  @Override
  protected NamespacedKubernetesClient getClient() {
    return server.getClient();
  }

  @Override
  protected Class<?> getInjectedClass() {
    return KubernetesServer.class;
  }

  @Override
  protected Class<? extends Annotation> getInjectionAnnotation() {
    return KubernetesTestServer.class;
  }
}
