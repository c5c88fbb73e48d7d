package dev.restartbot.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The packaged app told to stop, as Kubernetes tells a pod (SIGTERM): readiness answers DOWN at
 * once, while the app still serves, so that the Service stops routing to it before it exits.
 */
class GracefulShutdownIT {

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  @Test
  void onSigtermReadinessGoesDownBeforeTheAppExits() throws Exception {
    PackagedAppIT.SlackStub slack = new PackagedAppIT.SlackStub();
    Map<String, String> config = slack.start();
    int port;
    try (ServerSocket free = new ServerSocket(0)) {
      port = free.getLocalPort();
    }
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    config.forEach(
        (k, v) ->
            command.add(
                "-D"
                    + k
                    + "="
                    + (k.equals("slack.signing-secret") ? "0123456789abcdef0123456789abcdef" : v)));
    command.add("-Dquarkus.http.port=" + port);
    command.add("-Dquarkus.shutdown.delay=4s");
    command.add("-jar");
    command.add(PackagedAppIT.APP.resolve("quarkus-run.jar").toString());
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().put("KUBECONFIG", "/nonexistent/kubeconfig");
    builder.redirectOutput(
        Path.of(System.getProperty("java.io.tmpdir"), "graceful-shutdown-it.log").toFile());
    Process app = builder.start();
    try {
      URI ready = URI.create("http://127.0.0.1:" + port + "/q/health/ready");
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
      while (status(ready) != 200) {
        assertThat(app.isAlive()).as("the app is running").isTrue();
        assertThat(System.nanoTime()).as("ready within 90 s").isLessThan(deadline);
        Thread.sleep(200);
      }

      app.destroy(); // SIGTERM

      int seen = 200;
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
      while (System.nanoTime() < until && seen == 200) {
        seen = status(ready);
        Thread.sleep(50);
      }
      assertThat(seen).as("readiness after SIGTERM, while the app still answers").isEqualTo(503);
      assertThat(app.waitFor(60, TimeUnit.SECONDS)).as("the app exits").isTrue();
    } finally {
      app.destroyForcibly();
      slack.stop();
    }
  }

  private int status(URI uri) throws InterruptedException {
    try {
      return http.send(
              HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(2)).GET().build(),
              HttpResponse.BodyHandlers.discarding())
          .statusCode();
    } catch (IOException e) {
      return -1;
    }
  }
}
