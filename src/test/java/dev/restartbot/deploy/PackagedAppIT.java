package dev.restartbot.deploy;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusIntegrationTest;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The packaged app, {@code target/quarkus-app} as the Dockerfile copies it, after {@code package}
 * (failsafe runs this in {@code integration-test}). The sandbox belongs to dev mode: the fabric8
 * mock server's jars are not among the app's libraries, and the app starts without them, serves
 * health, and answers 404 under {@code /sandbox}.
 */
@QuarkusIntegrationTest
@QuarkusTestResource(value = PackagedAppIT.SlackStub.class, restrictToAnnotatedClass = true)
class PackagedAppIT {

  static final Path APP = KustomizationTest.project("target/quarkus-app");

  @Test
  void theLibrariesHoldNoMockServer() throws IOException {
    assertThat(APP.resolve("quarkus-run.jar")).as("the packaged app").isRegularFile();
    List<String> jars;
    try (Stream<Path> files = Files.walk(APP.resolve("lib"))) {
      jars = files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".jar")).toList();
    }

    assertThat(jars)
        .as("the libraries the app runs with")
        .anyMatch(jar -> jar.startsWith("io.fabric8.kubernetes-client-"));
    assertThat(jars)
        .filteredOn(jar -> jar.contains("kubernetes-server-mock") || jar.contains("mockwebserver"))
        .as("mock API server jars among the app's libraries")
        .isEmpty();
  }

  @Test
  void startsWithoutThemAndServesNoSandbox() {
    given().get("/q/health/live").then().statusCode(200);
    for (String path : List.of("/sandbox", "/sandbox/", "/sandbox/api/session")) {
      given().get(path).then().statusCode(404);
    }
  }

  /**
   * Just enough Slack for the app to start and to look up who sent a command: it calls {@code
   * auth.test} at boot, {@code users.info} names a member of the workspace, and every other method
   * gets an {@code ok} answer. The memory store needs no cluster, and failsafe points KUBECONFIG
   * nowhere, so the app never reaches a cluster of the machine's kubeconfig.
   */
  public static class SlackStub implements QuarkusTestResourceLifecycleManager {

    private static final byte[] OK =
        """
        {"ok":true,"url":"https://packaged.slack.invalid/","team":"Packaged","user":"restart-bot",\
        "team_id":"T0PACKAGED","user_id":"U0PACKAGEDBOT","bot_id":"B0PACKAGED","app_id":"A0PACKAGED"}"""
            .getBytes(StandardCharsets.UTF_8);

    /** {@code users.info}: every user is a full member of the app's own workspace. */
    private static final byte[] USER =
        """
        {"ok":true,"user":{"id":"U0PACKAGED","team_id":"T0PACKAGED","name":"packaged",\
        "real_name":"Packaged User","is_restricted":false,"is_ultra_restricted":false,\
        "profile":{"display_name":"packaged","real_name":"Packaged User"}}}"""
            .getBytes(StandardCharsets.UTF_8);

    private HttpServer server;

    @Override
    public Map<String, String> start() {
      try {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      server.createContext(
          "/",
          exchange -> {
            try (exchange) {
              exchange.getRequestBody().readAllBytes();
              byte[] answer =
                  exchange.getRequestURI().getPath().endsWith("/users.info") ? USER : OK;
              exchange.getResponseHeaders().set("Content-Type", "application/json");
              exchange.sendResponseHeaders(200, answer.length);
              try (OutputStream out = exchange.getResponseBody()) {
                out.write(answer);
              }
            }
          });
      server.start();
      return Map.of(
          "slack.api-url", "http://127.0.0.1:" + server.getAddress().getPort() + "/api/",
          "slack.bot-token", "xoxb-packaged-app-test",
          "slack.signing-secret", "c4ca4238a0b923820dcc509a6f75849b",
          "restart.store", "memory");
    }

    @Override
    public void stop() {
      if (server != null) {
        server.stop(0);
      }
    }
  }
}
