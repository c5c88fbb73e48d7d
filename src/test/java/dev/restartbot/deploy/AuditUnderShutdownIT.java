package dev.restartbot.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.restartbot.testing.SlackRequests;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * No audit line is lost under load and on SIGTERM: the packaged app (asynchronous console log)
 * takes {@value #COMMANDS} signed {@code /restart} commands at once, is told to stop right after
 * the last answer, and its output then holds one audit line per command. The commands name
 * workloads on no allowlist, so each is refused (and audited) before any call to a cluster.
 */
class AuditUnderShutdownIT {

  static final int COMMANDS = 500;
  private static final int CONNECTIONS = 64;
  private static final String SECRET = "0123456789abcdef0123456789abcdef";

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @Test
  void everyCommandAnsweredBeforeSigtermHasItsAuditLine() throws Exception {
    Run run = load(Duration.ZERO);

    assertThat(run.answered()).as("commands answered").isEqualTo(COMMANDS);
    assertThat(run.auditLinesPerCommand()).as("audit lines, by command").isEqualTo(run.once());
  }

  /**
   * The container runtime reads the log more slowly than the app writes it: the lines of the burst
   * are still queued in the app when SIGTERM comes, and the reader only catches up after the
   * shutdown delay. The app writes them out before it exits.
   */
  @Test
  void auditLinesStillQueuedAtSigtermAreWrittenBeforeTheAppExits() throws Exception {
    Run run = load(Duration.ofSeconds(3));

    assertThat(run.answered()).as("commands answered").isEqualTo(COMMANDS);
    assertThat(run.auditLinesPerCommand()).as("audit lines, by command").isEqualTo(run.once());
  }

  /**
   * Starts the app, sends the commands, SIGTERM after the last answer; with {@code stall} above
   * zero, the app's output is not read from the first command until {@code stall} after SIGTERM.
   */
  private Run load(Duration stall) throws Exception {
    PackagedAppIT.SlackStub slack = new PackagedAppIT.SlackStub();
    Map<String, String> config = slack.start();
    int port;
    try (ServerSocket free = new ServerSocket(0)) {
      port = free.getLocalPort();
    }
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Dfile.encoding=UTF-8");
    config.forEach(
        (k, v) -> command.add("-D" + k + "=" + (k.equals("slack.signing-secret") ? SECRET : v)));
    command.add("-Dquarkus.http.port=" + port);
    command.add("-Dquarkus.shutdown.delay=1s");
    // Every refusal in the ack itself, on a busy machine too: no answer comes later.
    command.add("-Dslack.ack-budget=2900ms");
    // One user sends every command here: the per-user limit would refuse most of them.
    command.add("-Dslack.user-limit.burst=1000000");
    command.add("-jar");
    command.add(PackagedAppIT.APP.resolve("quarkus-run.jar").toString());
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().put("KUBECONFIG", "/nonexistent/kubeconfig");
    Process app = builder.start();
    Output output = new Output(app);
    try {
      URI ready = URI.create("http://127.0.0.1:" + port + "/q/health/ready");
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
      while (status(ready) != 200) {
        assertThat(app.isAlive()).as("the app is running; its output: %s", output.lines).isTrue();
        assertThat(System.nanoTime()).as("ready within 90 s").isLessThan(deadline);
        Thread.sleep(200);
      }

      if (!stall.isZero()) {
        output.pause();
      }
      URI events = URI.create("http://127.0.0.1:" + port + SlackRequests.EVENTS_PATH);
      ExecutorService clients = Executors.newFixedThreadPool(CONNECTIONS);
      List<Future<String>> answers = new ArrayList<>();
      Instant start = Instant.now();
      for (int i = 0; i < COMMANDS; i++) {
        String name = name(i);
        answers.add(clients.submit(() -> send(events, name)));
      }
      int answered = 0;
      for (Future<String> answer : answers) {
        if (answer.get(120, TimeUnit.SECONDS) != null) {
          answered++;
        }
      }
      Duration took = Duration.between(start, Instant.now());
      clients.shutdown();

      // SIGTERM; Process.destroy() would also close our end of the app's output.
      app.toHandle().destroy();
      Instant sigterm = Instant.now();
      if (!stall.isZero()) {
        Thread.sleep(stall.toMillis());
        output.resume();
      }
      assertThat(app.waitFor(60, TimeUnit.SECONDS)).as("the app exits").isTrue();
      Duration exit = Duration.between(sigterm, Instant.now());
      output.join();
      System.out.printf(
          "%s: %d commands answered in %d ms, exit %d ms after SIGTERM, %d output lines%n",
          stall.isZero() ? "reader keeps up" : "reader stalled " + stall.toMillis() + " ms",
          answered,
          took.toMillis(),
          exit.toMillis(),
          output.lines.size());
      return new Run(answered, output.lines);
    } finally {
      output.resume();
      app.destroyForcibly();
      slack.stop();
    }
  }

  /** Sends one signed command; its answer, or null where there was none. */
  private String send(URI events, String name) throws InterruptedException {
    String body =
        SlackRequests.slashCommandBody(
            "U0PACKAGED", "C0OPS", "deployment/" + name, "http://127.0.0.1:1/respond");
    long now = Instant.now().getEpochSecond();
    HttpRequest request =
        HttpRequest.newBuilder(events)
            .timeout(Duration.ofSeconds(60))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("X-Slack-Request-Timestamp", Long.toString(now))
            .header("X-Slack-Signature", SlackRequests.sign(SECRET, now, body))
            .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
            .build();
    try {
      HttpResponse<String> answer = http.send(request, HttpResponse.BodyHandlers.ofString());
      assertThat(answer.statusCode()).as("status for %s", name).isEqualTo(200);
      assertThat(answer.body())
          .as("the answer to %s", name)
          .contains("not on the restart allowlist");
      return answer.body();
    } catch (IOException e) {
      return null;
    }
  }

  private static String name(int i) {
    return "audit-%03d".formatted(i);
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

  record Run(int answered, List<String> lines) {

    /** For each command, how many audit lines name it. */
    Map<String, Long> auditLinesPerCommand() {
      return lines.stream()
          .filter(line -> line.contains("{\"audit\":true"))
          .map(line -> line.replaceAll(".*\"targets\":\\[\"default/deployment/([^\"]+)\"].*", "$1"))
          .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
    }

    /** One line for each command. */
    Map<String, Long> once() {
      Map<String, Long> expected = new java.util.TreeMap<>();
      for (int i = 0; i < COMMANDS; i++) {
        expected.put(name(i), 1L);
      }
      return expected;
    }
  }

  /** The app's output, read line by line on a thread of its own, which a test can hold up. */
  private static final class Output {

    final List<String> lines = new CopyOnWriteArrayList<>();
    private final Thread reader;
    private volatile CountDownLatch paused = new CountDownLatch(0);

    Output(Process app) {
      reader =
          new Thread(
              () -> {
                try (BufferedReader in =
                    new BufferedReader(
                        new InputStreamReader(app.getInputStream(), StandardCharsets.UTF_8))) {
                  while (true) {
                    paused.await();
                    String line = in.readLine();
                    if (line == null) {
                      return;
                    }
                    lines.add(line);
                  }
                } catch (IOException | InterruptedException e) {
                  // the process is gone: what was read is the output
                }
              },
              "app-output");
      reader.setDaemon(true);
      reader.start();
    }

    void pause() {
      paused = new CountDownLatch(1);
    }

    void resume() {
      paused.countDown();
    }

    void join() throws InterruptedException {
      reader.join(TimeUnit.SECONDS.toMillis(30));
    }
  }
}
