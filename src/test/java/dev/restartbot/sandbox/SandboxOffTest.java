package dev.restartbot.sandbox;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import dev.restartbot.slack.SlackSettings;
import dev.restartbot.testing.FakeSlackApi;
import dev.restartbot.testing.FakeSlackResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.arc.Arc;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * With {@code restart.sandbox.enabled} off (the default, as in prod and in the other tests), none
 * of the sandbox is in the app: no routes, no fakes, the real Slack and cluster settings in charge.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
@QuarkusTestResource(FakeSlackResource.class)
class SandboxOffTest {

  @KubernetesTestServer KubernetesServer server;
  @Inject KubernetesClient client;
  @Inject SlackSettings slack;

  @ParameterizedTest
  @ValueSource(
      strings = {
        "/sandbox",
        "/sandbox/",
        "/sandbox/index.html",
        "/sandbox/assets/sandbox.js",
        "/sandbox/assets/sandbox.css",
        "/sandbox/sandbox.js",
        "/sandbox/api/session",
        "/sandbox/api/messages?user=U0SBALICE",
        "/sandbox/api/cluster"
      })
  void sandboxRoutesAnswer404(String path) {
    given().get(path).then().statusCode(404);
  }

  @Test
  void failingToggleIsNotServedEither() {
    given()
        .contentType("application/json")
        .body("{\"failing\":true}")
        .put("/sandbox/api/cluster/payments/deployments/payments-api/failing")
        .then()
        .statusCode(404);
  }

  @Test
  void sandboxBeansAreNotInTheApp() {
    for (Class<?> type :
        List.of(
            SandboxSlack.class,
            SandboxCluster.class,
            SandboxChannel.class,
            RolloutSimulator.class,
            SandboxResource.class)) {
      assertThat(Arc.container().instance(type).isAvailable()).as(type.getSimpleName()).isFalse();
    }
    assertThat(Thread.getAllStackTraces().keySet())
        .extracting(Thread::getName)
        .noneMatch(name -> name.startsWith("sandbox-"));
  }

  @Test
  void realSlackAndClusterSettingsAreInCharge() {
    assertThat(slack.apiUrl()).isEqualTo(FakeSlackApi.get().baseUrl());
    assertThat(slack.botToken()).contains(FakeSlackResource.BOT_TOKEN);
    assertThat(client.getMasterUrl().toString())
        .isEqualTo(server.getClient().getMasterUrl().toString());
  }

  @Test
  void sandboxFilesAreNotStaticResources() {
    ClassLoader loader = Thread.currentThread().getContextClassLoader();
    // They are in the jar (the sandbox serves them when on)...
    assertThat(loader.getResource("sandbox/index.html")).isNotNull();
    // ...but never where Quarkus serves static files on its own.
    assertThat(loader.getResource("META-INF/resources/sandbox/index.html")).isNull();
    assertThat(loader.getResource("META-INF/resources/sandbox.js")).isNull();
  }
}
