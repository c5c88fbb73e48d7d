package dev.restartbot.bench;

import dev.restartbot.testing.SlackRequests;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The packaged app ({@code target/quarkus-app/quarkus-run.jar}) in a child JVM, started with the
 * Dockerfile's {@code JAVA_OPTS} and system properties that point it at the mock API server and the
 * fake Slack. Measures start to ready and reads its resident memory from {@code /proc}.
 */
final class AppUnderTest implements AutoCloseable {

  /** How the image runs the app, read from the Dockerfile. */
  static final ContainerImage IMAGE = ContainerImage.read();

  /** The Dockerfile's {@code ENTRYPOINT} flags: the JVM the container runs. */
  static final List<String> DOCKERFILE_FLAGS = IMAGE.jvmFlags();

  /**
   * The memory the JVM sizes itself for, as it would see it in a pod with the Deployment's 256 MiB
   * limit; without it the JVM sizes its heap from the whole machine and its RSS says nothing about
   * the app.
   */
  static final String CONTAINER_MEMORY = "-XX:MaxRAM=256m";

  /**
   * How the app's JVM is set up: its flags (after which come the settings) and its environment.
   *
   * @param name what the report calls it
   */
  record Shape(String name, List<String> flags, Map<String, String> environment) {
    Shape {
      flags = List.copyOf(flags);
      environment = Map.copyOf(environment);
    }

    /** The Dockerfile's flags and environment in a pod with the Deployment's limit. */
    static final Shape DOCKERFILE =
        new Shape(
            "Dockerfile", concat(DOCKERFILE_FLAGS, List.of(CONTAINER_MEMORY)), IMAGE.environment());

    boolean usesCdsArchive() {
      return flags.stream().anyMatch(f -> f.startsWith("-XX:SharedArchiveFile="));
    }
  }

  static List<String> concat(List<String> first, List<String> second) {
    List<String> all = new ArrayList<>(first);
    all.addAll(second);
    return all;
  }

  private static final Pattern LISTENING = Pattern.compile("Listening on: http://[^:]+:(\\d+)");
  // GC.heap_info: "def new generation total 9792K, used 1234K" and "tenured generation …" (Serial,
  // which the JVM picks with 2 cores and 512 MiB), or "garbage-first heap total …, used …" (G1).
  private static final Pattern USED_HEAP =
      Pattern.compile("(?:generation|heap)\\s+total \\d+K, used (\\d+)K");
  private static final Pattern STARTED_IN = Pattern.compile("started in (\\d+[.,]\\d+)s");
  private static final DateTimeFormatter LOG_TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSZ");
  // An ISO timestamp with offset first, so that log lines can be placed in time.
  private static final String LOG_FORMAT =
      "%d{yyyy-MM-dd'T'HH:mm:ss.SSSZ} %-5p [%c{3.}] (%t) %s%e%n";

  /** One line the app logged, with the time it carries. */
  record LogLine(OffsetDateTime at, String text) {}

  /**
   * How a start went: process start to the first UP from {@code /q/health/ready} (polled every 5
   * ms), and what Quarkus itself logged as "started in".
   */
  record Start(long pid, Duration toReady, Optional<Double> startedInSeconds) {}

  private final Process process;
  private final List<LogLine> audit = new CopyOnWriteArrayList<>();
  private final List<String> tail = new CopyOnWriteArrayList<>();
  private final HttpClient http = HttpClient.newHttpClient();
  private volatile int port;
  private volatile Double startedInSeconds;
  private final Start start;

  private AppUnderTest(Process process, long startedNanos) {
    this.process = process;
    // An interrupted benchmark must not leave the app running.
    Runtime.getRuntime().addShutdownHook(new Thread(process::destroy, "app-stop"));
    Thread reader = new Thread(this::readOutput, "app-output");
    reader.setDaemon(true);
    reader.start();
    Duration toReady = awaitReady(startedNanos);
    // Quarkus logs "started in" just after it serves; give the reader a moment to see it.
    for (int i = 0; i < 200 && startedInSeconds == null; i++) {
      sleep(5);
    }
    this.start = new Start(process.pid(), toReady, Optional.ofNullable(startedInSeconds));
  }

  /**
   * Starts the app with {@code settings} on top of the ones every run shares, and waits until
   * {@code /q/health/ready} answers UP.
   */
  static AppUnderTest start(
      Path jar, String apiServerUrl, String slackApiUrl, Map<String, String> settings) {
    return start(jar, apiServerUrl, slackApiUrl, settings, Shape.DOCKERFILE);
  }

  /** As {@link #start(Path, String, String, Map)}, with the JVM set up as {@code shape} says. */
  static AppUnderTest start(
      Path jar,
      String apiServerUrl,
      String slackApiUrl,
      Map<String, String> settings,
      Shape shape) {
    Map<String, String> all = new TreeMap<>();
    all.put("quarkus.http.host", "127.0.0.1");
    all.put("quarkus.http.port", "0");
    all.put("quarkus.log.console.format", LOG_FORMAT);
    all.put("quarkus.kubernetes-client.api-server-url", apiServerUrl);
    all.put("quarkus.kubernetes-client.trust-certs", "true");
    all.put("quarkus.kubernetes-client.namespace", MockApiServer.NAMESPACE);
    // A bearer token, as every real cluster's service account has: without one, fabric8 7.5 reloads
    // its whole Config (system properties, environment, kubeconfig) before every request once a
    // minute has passed, which a profile of the app showed as 5 % of its CPU; with one it does not.
    all.put("quarkus.kubernetes-client.token", "benchmark-token");
    all.put("slack.api-url", slackApiUrl);
    all.put("slack.bot-token", "xoxb-benchmark");
    all.put("slack.signing-secret", SlackRequests.SIGNING_SECRET);
    // The load comes from a few user ids: the per-user limit would measure itself.
    all.put("slack.user-limit.burst", "1000000");
    all.put("restart.store", "memory");
    all.put("restart.default-namespace", MockApiServer.NAMESPACE);
    all.putAll(settings);

    List<String> command = new ArrayList<>();
    Pinning.appCpus().ifPresent(cpus -> command.addAll(List.of("taskset", "-c", cpus)));
    command.add(javaExecutable());
    command.addAll(shape.flags());
    command.addAll(extraOptions());
    all.forEach((key, value) -> command.add("-D" + key + "=" + value));
    command.add("-jar");
    command.add(jar.toAbsolutePath().toString());
    if (shape.usesCdsArchive()) {
      IMAGE.writeCdsArchive(jar);
    }
    // The jar's directory, as the image's WORKDIR: its flags name the AppCDS archive from there.
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .directory(jar.toAbsolutePath().getParent().toFile())
            .redirectErrorStream(true);
    // Only the URL above may name a cluster, never a kubeconfig of the machine.
    builder.environment().put("KUBECONFIG", "/nonexistent/kubeconfig");
    builder
        .environment()
        .keySet()
        .removeIf(k -> k.startsWith("SLACK_") || k.startsWith("RESTART_"));
    builder.environment().putAll(shape.environment());
    long started = System.nanoTime();
    try {
      return new AppUnderTest(builder.start(), started);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + jar, e);
    }
  }

  /**
   * JVM flags for a trial, from {@code -Dbenchmark.app-options="…"} (space-separated), after the
   * Dockerfile's: a profiler, another heap or collector. Empty in a run that writes the report.
   */
  static List<String> extraOptions() {
    String options = System.getProperty("benchmark.app-options", "").trim();
    return options.isEmpty() ? List.of() : List.of(options.split("\\s+"));
  }

  /** The same Java that runs the driver. */
  private static String javaExecutable() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  String baseUrl() {
    return "http://127.0.0.1:" + port;
  }

  Start start() {
    return start;
  }

  /**
   * The app's memory now: resident set and its peak (from {@code /proc/<pid>/status}), then the
   * heap still in use after a full collection ({@code jcmd GC.run}, {@code GC.heap_info}): what the
   * app holds, as opposed to what the JVM keeps.
   */
  record Memory(long rssMiB, long peakRssMiB, Optional<Long> liveHeapMiB) {}

  Memory memory() {
    long rss = procStatusKiB("VmRSS") / 1024;
    long peak = procStatusKiB("VmHWM") / 1024;
    jcmd("GC.run");
    List<Long> usedKiB =
        USED_HEAP
            .matcher(jcmd("GC.heap_info"))
            .results()
            .map(m -> Long.parseLong(m.group(1)))
            .toList();
    Optional<Long> live =
        usedKiB.isEmpty()
            ? Optional.empty()
            : Optional.of(usedKiB.stream().mapToLong(Long::longValue).sum() / 1024);
    return new Memory(rss, peak, live);
  }

  private String jcmd(String command) {
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    try {
      Process p =
          new ProcessBuilder(jcmd.toString(), Long.toString(process.pid()), command)
              .redirectErrorStream(true)
              .start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      p.waitFor(30, TimeUnit.SECONDS);
      return out;
    } catch (IOException e) {
      return "";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "";
    }
  }

  /** Audit lines logged so far (one per audited step), with their timestamps. */
  List<LogLine> auditLines() {
    return List.copyOf(audit);
  }

  private long procStatusKiB(String field) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", process.pid() + "", "status"))) {
        if (line.startsWith(field + ":")) {
          return Long.parseLong(line.replaceAll("\\D", ""));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read /proc for the app", e);
    }
    throw new IllegalStateException(field + " not in /proc/" + process.pid() + "/status");
  }

  private Duration awaitReady(long startedNanos) {
    long deadline = startedNanos + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("the app stopped at start:\n" + String.join("\n", tail));
      }
      if (port > 0 && ready()) {
        return Duration.ofNanos(System.nanoTime() - startedNanos);
      }
      sleep(5);
    }
    throw new IllegalStateException("the app was not ready in 60 s:\n" + String.join("\n", tail));
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted waiting for the app", e);
    }
  }

  private boolean ready() {
    try {
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(URI.create(baseUrl() + "/q/health/ready"))
                  .timeout(Duration.ofSeconds(2))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      return response.statusCode() == 200 && response.body().contains("\"UP\"");
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private void readOutput() {
    try (BufferedReader in =
        new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        if (port == 0) {
          Matcher listening = LISTENING.matcher(line);
          if (listening.find()) {
            port = Integer.parseInt(listening.group(1));
          }
        }
        Matcher started = STARTED_IN.matcher(line);
        if (started.find()) {
          startedInSeconds = Double.parseDouble(started.group(1).replace(',', '.'));
        }
        if (line.contains("{\"audit\":true")) {
          audit.add(new LogLine(OffsetDateTime.parse(line.substring(0, 28), LOG_TIME), line));
        } else {
          tail.add(line);
          if (tail.size() > 200) {
            tail.remove(0);
          }
        }
      }
    } catch (IOException e) {
      // The process ended; its last lines are in the tail.
    }
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
