package dev.restartbot.bench;

import dev.restartbot.slack.ExpirySweep;
import dev.restartbot.testing.FakeSlackApi;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Measures the packaged app side by side in one run and writes {@code BENCHMARKS.md}. The app runs
 * in a child JVM; this JVM holds the fabric8 mock API server, the fake Slack Web API and the load.
 * Each group of measurements gets a fresh app, so that one's state (thousands of pending requests)
 * does not weigh on the next.
 *
 * <p>Arguments: the {@code quarkus-run.jar} and the report file. {@code -Dbenchmark.seconds=N}
 * changes the 10 s per load level. {@code -Dbenchmark.only=expiry-sweep} runs only that section,
 * prints it and replaces it alone in the report (the sections that need no packaged app can run on
 * their own).
 */
public final class Benchmark {

  // Held so that the level set here is not collected with the logger.
  private static final List<Logger> QUIETED = new ArrayList<>();

  private Benchmark() {}

  public static void main(String[] args) {
    if (args.length != 2) {
      System.err.println("usage: Benchmark <quarkus-run.jar> <BENCHMARKS.md>");
      System.exit(2);
    }
    // The JDK's HTTP server under the fake Slack leaves Nagle's algorithm on by default: each
    // answer (headers, then body) would then wait for the client's delayed ACK, about 40 ms a
    // Slack call, which real Slack does not add. Read when the first server starts.
    System.setProperty("sun.net.httpserver.nodelay", "true");
    // The fakes and the clients keep threads of their own: end the JVM whatever happened.
    try {
      run(Path.of(args[0]), Path.of(args[1]));
    } catch (RuntimeException | Error e) {
      e.printStackTrace();
      System.exit(1);
    }
    System.exit(0);
  }

  private static void run(Path jar, Path output) {
    String only = System.getProperty("benchmark.only", "").trim();
    if (!only.isEmpty()) {
      runOnly(only, jar, output);
      return;
    }
    Duration each = Duration.ofSeconds(Integer.getInteger("benchmark.seconds", 10));
    quiet("io.fabric8.mockwebserver", "okhttp3", "io.fabric8.kubernetes.client");

    FakeSlackApi slack = FakeSlackApi.get();
    Report report = new Report();
    List<AppUnderTest.Start> starts = new ArrayList<>();
    try (MockApiServer api = new MockApiServer()) {
      AckLatency.Result ack;
      try (AppUnderTest app = start(jar, api, slack, Map.of(), starts)) {
        step("Slack ack latency at 1, 16, 64 connections, " + each.toSeconds() + " s each");
        ack =
            new AckLatency(app, new SlackUsers(app.baseUrl(), slack), () -> forget(slack, api))
                .run(app, each);
      }
      forget(slack, api);
      Latencies approval;
      FanOut.Result fanOut;
      try (AppUnderTest app = start(jar, api, slack, Map.of(), starts)) {
        SlackUsers users = new SlackUsers(app.baseUrl(), slack);
        step("Approve click to first PATCH");
        approval = new ApprovalToPatch(users, api).run();
        forget(slack, api);
        step("Fan-out of 100 targets against a plain loop");
        fanOut = new FanOut(users, api, slack, app.start().pid()).run();
      }
      forget(slack, api);
      Latencies rollout;
      try (AppUnderTest app =
          start(
              jar,
              api,
              slack,
              Map.of(
                  "restart.rollout.wait",
                  "true",
                  "slack.progress-updates-per-minute",
                  RolloutDetection.UPDATES_PER_MINUTE),
              starts)) {
        step("Rollout detection");
        rollout = new RolloutDetection(new SlackUsers(app.baseUrl(), slack), api).run();
      }
      forget(slack, api);
      PendingRequests.Result pending;
      try (AppUnderTest app =
          start(
              jar,
              api,
              slack,
              Map.of(
                  "restart.approval.ttl",
                  "1s",
                  "restart.approval.sweep-every",
                  PendingRequests.SWEEP_EVERY,
                  "slack.progress-updates-per-minute",
                  PendingRequests.UPDATES_PER_MINUTE),
              starts)) {
        step("1,000 pending requests: history and one expiry sweep");
        pending = new PendingRequests(new SlackUsers(app.baseUrl(), slack), slack).run(app);
      }

      step(ExpirySweepSection.HEADING + ", on a manual clock in this JVM");
      ExpirySweep.Result sweep = ExpirySweepSection.run();

      report.add(AckLatency.rows(ack));
      report.add(ApprovalToPatch.rows(approval));
      report.add(FanOut.rows(fanOut));
      report.add(RolloutDetection.rows(rollout));
      report.add(Footprint.rows(starts, ack));
      report.add(PendingRequests.rows(pending));
      report.add(ExpirySweepSection.rows(sweep));
      report.detail("Slack ack latency, every level", AckLatency.detail(ack));
      report.detail("Start to ready, every start", Footprint.detail(starts));
      report.detail(ExpirySweepSection.HEADING, ExpirySweepSection.detail(sweep));
    }

    System.out.println();
    report.table().forEach(System.out::println);
    report.write(output, method(each));
    System.out.println();
    System.out.println("Written to " + output.toAbsolutePath());
    report
        .missed()
        .forEach(
            r ->
                System.out.println(
                    "Missed: "
                        + r.metric()
                        + " (the notes at the end of "
                        + output.getFileName()
                        + " say why; check that they still fit these figures)"));
  }

  /** One section by its name; it replaces its own part of the report and nothing else. */
  private static void runOnly(String only, Path jar, Path output) {
    if (only.equals("ack")) {
      ackOnly(jar);
      return;
    }
    if (only.equals(MemoryShapes.NAME)) {
      Duration each = Duration.ofSeconds(Integer.getInteger("benchmark.seconds", 10));
      quiet("io.fabric8.mockwebserver", "okhttp3", "io.fabric8.kubernetes.client");
      List<String> detail;
      try (MockApiServer api = new MockApiServer()) {
        detail = MemoryShapes.detail(MemoryShapes.run(jar, api, FakeSlackApi.get(), each), each);
      }
      replaceSection(output, MemoryShapes.HEADING, List.of(), detail);
      return;
    }
    if (only.equals(ClusterScale.NAME)) {
      quiet("io.fabric8.mockwebserver", "okhttp3", "io.fabric8.kubernetes.client");
      List<ClusterScale.Trial> trials = ClusterScale.run(jar, FakeSlackApi.get());
      replaceSection(
          output, ClusterScale.HEADING, ClusterScale.rows(trials), ClusterScale.detail(trials));
      return;
    }
    if (only.equals(FanOut.NAME)) {
      fanOutOnly(jar, output);
      return;
    }
    if (only.equals("pinned")) {
      pinnedAndNot(jar, output);
      return;
    }
    if (only.equals(StartShapes.NAME)) {
      quiet("io.fabric8.mockwebserver", "okhttp3", "io.fabric8.kubernetes.client");
      List<String> detail;
      try (MockApiServer api = new MockApiServer()) {
        detail =
            StartShapes.detail(
                StartShapes.run(
                    jar, api, FakeSlackApi.get(), Integer.getInteger("benchmark.starts", 8)));
      }
      replaceSection(output, StartShapes.HEADING, List.of(), detail);
      return;
    }
    if (!only.equals(ExpirySweepSection.NAME)) {
      throw new IllegalArgumentException(
          "benchmark.only="
              + only
              + ": the sections that run alone are ack, "
              + MemoryShapes.NAME
              + ", "
              + StartShapes.NAME
              + ", pinned, "
              + FanOut.NAME
              + ", "
              + ClusterScale.NAME
              + " and "
              + ExpirySweepSection.NAME);
    }
    quiet("okhttp3");
    step(ExpirySweepSection.HEADING + ", on a manual clock in this JVM");
    ExpirySweep.Result sweep = ExpirySweepSection.run();
    replaceSection(
        output,
        ExpirySweepSection.HEADING,
        ExpirySweepSection.rows(sweep),
        ExpirySweepSection.detail(sweep));
  }

  /**
   * The ack levels and the footprint alone, printed and not written: for trying JVM flags ({@code
   * -Dbenchmark.app-options}) side by side.
   */
  private static void ackOnly(Path jar) {
    Duration each = Duration.ofSeconds(Integer.getInteger("benchmark.seconds", 10));
    quiet("io.fabric8.mockwebserver", "okhttp3", "io.fabric8.kubernetes.client");
    FakeSlackApi slack = FakeSlackApi.get();
    List<AppUnderTest.Start> starts = new ArrayList<>();
    Report report = new Report();
    try (MockApiServer api = new MockApiServer();
        AppUnderTest app = start(jar, api, slack, Map.of(), starts)) {
      step("app options: " + String.join(" ", AppUnderTest.extraOptions()));
      step("Slack ack latency at 1, 16, 64 connections, " + each.toSeconds() + " s each");
      AckLatency.Result ack =
          new AckLatency(app, new SlackUsers(app.baseUrl(), slack), () -> forget(slack, api))
              .run(app, each);
      report.add(AckLatency.rows(ack));
      report.add(Footprint.rows(starts, ack));
      System.out.println();
      report.table().forEach(System.out::println);
      System.out.println();
      AckLatency.detail(ack).forEach(System.out::println);
    }
  }

  /**
   * The fan-out alone, over {@code -Dbenchmark.fanout-rounds} counted rounds (5 by default), each
   * round's figures, the requests each side sent and the CPU each thread used per target: printed,
   * and its detail section replaced in the report (the results table keeps the full run's figures).
   */
  private static void fanOutOnly(Path jar, Path output) {
    quiet("io.fabric8.mockwebserver", "okhttp3", "io.fabric8.kubernetes.client");
    FakeSlackApi slack = FakeSlackApi.get();
    int rounds = Integer.getInteger("benchmark.fanout-rounds", 5);
    FanOut.Result result;
    try (MockApiServer api = new MockApiServer();
        AppUnderTest app = start(jar, api, slack, Map.of(), new ArrayList<>())) {
      step("app options: " + String.join(" ", AppUnderTest.extraOptions()));
      step("Fan-out of " + FanOut.TARGETS + " targets against a plain loop, " + rounds + " rounds");
      result =
          new FanOut(new SlackUsers(app.baseUrl(), slack), api, slack, app.start().pid())
              .run(rounds);
    }
    replaceSection(output, FanOut.HEADING, FanOut.rows(result), FanOut.detail(result));
  }

  static final String PINNED_HEADING = "Slack ack latency, the load generator on a core of its own";

  /**
   * The ack levels twice in one run: first with the app and the driver where the kernel puts them,
   * then with the app on CPU 0 and every thread of the driver (the load generator, the fakes) on
   * CPU 1, so that the floor is measured without the app's work beside it.
   */
  private static void pinnedAndNot(Path jar, Path output) {
    Duration each = Duration.ofSeconds(Integer.getInteger("benchmark.seconds", 10));
    quiet("io.fabric8.mockwebserver", "okhttp3", "io.fabric8.kubernetes.client");
    FakeSlackApi slack = FakeSlackApi.get();
    int cpus = Runtime.getRuntime().availableProcessors();
    String all = "0-" + (cpus - 1);
    List<String> lines = new ArrayList<>();
    lines.add(
        "The same ack levels ("
            + each.toSeconds()
            + " s each), first unpinned, then with `taskset`: the app on CPU 0, every thread of the"
            + " driver (load generator, fake Slack, mock API server) on CPU 1 of "
            + cpus
            + ".");
    lines.add("");
    lines.add(
        "| placement | connections | `/restart` p99 | floor p99 | ratio | `/restart` req/s |");
    lines.add("| --- | ---: | ---: | ---: | ---: | ---: |");
    for (boolean pinned : List.of(false, true)) {
      if (pinned) {
        Pinning.pin("0", cpus > 2 ? "1-" + (cpus - 1) : Integer.toString(cpus - 1));
      }
      try (MockApiServer api = new MockApiServer();
          AppUnderTest app = start(jar, api, slack, Map.of(), new ArrayList<>())) {
        step((pinned ? "pinned" : "unpinned") + ": ack levels, " + each.toSeconds() + " s each");
        AckLatency.Result ack =
            new AckLatency(app, new SlackUsers(app.baseUrl(), slack), () -> forget(slack, api))
                .run(app, each);
        for (AckLatency.Level level : ack.levels()) {
          double restart = level.restart().latencies().percentileMillis(99);
          double floor = level.floor().latencies().percentileMillis(99);
          lines.add(
              String.format(
                  java.util.Locale.ROOT,
                  "| %s | %d | %s | %s | %.1f× | %.0f |",
                  pinned ? "app on CPU 0, driver on CPU 1" : "unpinned",
                  level.connections(),
                  Row.ms(restart),
                  Row.ms(floor),
                  restart / floor,
                  level.restart().throughput()));
        }
      } finally {
        if (pinned) {
          Pinning.unpin(all);
        }
      }
      slack.reset();
    }
    replaceSection(output, PINNED_HEADING, List.of(), lines);
  }

  /**
   * Prints the table of {@code rows} (when there are any) and {@code detail}, and writes {@code
   * detail} as the section {@code heading} of {@code output}, leaving the rest of it as it is.
   */
  private static void replaceSection(
      Path output, String heading, List<Row> rows, List<String> detail) {
    System.out.println();
    if (!rows.isEmpty()) {
      Report report = new Report();
      report.add(rows);
      report.table().forEach(System.out::println);
      System.out.println();
    }
    detail.forEach(System.out::println);
    Report.replaceDetail(output, heading, detail);
    System.out.println();
    System.out.println("Section replaced in " + output.toAbsolutePath());
  }

  /** The allowlist and limits every app of the run shares. */
  static Map<String, String> policy() {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("restart.max-targets", Integer.toString(FanOut.TARGETS));
    p.put("restart.rollout.wait", "false");
    p.put("restart.rules[0].namespace", MockApiServer.GENERATED);
    p.put("restart.rules[0].deployments[0]", "*");
    p.put("restart.rules[0].approvers[0]", SlackUsers.APPROVER);
    p.put("restart.rules[1].namespace", MockApiServer.NAMESPACE);
    p.put("restart.rules[1].deployments[0]", "*");
    p.put("restart.rules[1].approvers[0]", SlackUsers.APPROVER);
    return p;
  }

  private static AppUnderTest start(
      Path jar,
      MockApiServer api,
      FakeSlackApi slack,
      Map<String, String> settings,
      List<AppUnderTest.Start> starts) {
    Map<String, String> all = policy();
    all.putAll(settings);
    AppUnderTest app = AppUnderTest.start(jar, api.url(), slack.baseUrl(), all);
    starts.add(app.start());
    step(
        String.format(
            Locale.ROOT,
            "app started: ready after %d ms, pid %s",
            app.start().toReady().toMillis(),
            app.start().pid()));
    return app;
  }

  private static void forget(FakeSlackApi slack, MockApiServer api) {
    slack.reset();
    api.forget();
  }

  private static void step(String what) {
    System.out.println("[benchmark] " + what);
  }

  private static void quiet(String... loggers) {
    for (String name : loggers) {
      Logger logger = Logger.getLogger(name);
      logger.setLevel(Level.WARNING);
      QUIETED.add(logger);
    }
  }

  private static List<String> method(Duration each) {
    return List.of(
        "- **The app** is the packaged fast-jar (`target/quarkus-app/quarkus-run.jar`), started as a",
        "  child process with the Dockerfile's ENTRYPOINT flags (`"
            + String.join(" ", AppUnderTest.DOCKERFILE_FLAGS)
            + "`)",
        "  and `"
            + AppUnderTest.CONTAINER_MEMORY
            + "`, so that the JVM sizes itself as in a pod with the Deployment's 256 MiB limit",
        "  (no container here), from the jar's directory as the image's WORKDIR, with the AppCDS",
        "  archive written as the image writes it. The memory store, rollout wait off except for the",
        "  rollout measurement, and a policy that admits every requester and names one approver.",
        "  Four fresh app processes: ack and footprint; approval and fan-out; rollout; 1,000 pending.",
        "- **The driver** (`src/test/java/dev/restartbot/bench/`) is a second JVM on the same",
        "  machine: the fabric8 CRUD mock API server over plain HTTP, the test suite's fake Slack Web",
        "  API, and the load. Both JVMs share the machine's cores, so every figure includes the cost",
        "  of the fakes and of the load generator; other processes ran beside it. The fake Slack's",
        "  JDK HTTP server runs with `sun.net.httpserver.nodelay=true`: without it every Slack call",
        "  waited about 40 ms for a delayed ACK, which real Slack does not add.",
        "- **Slack ack**: closed loops, one keep-alive HTTP/1.1 connection each (JDK `HttpClient`),",
        "  signed exactly as Slack signs, "
            + each.toSeconds()
            + " s a level after a warm-up of "
            + AckLatency.WARM_UP_REQUESTS
            + " commands at 16 connections and 3 s of the floor.",
        "  Latency is from sending a request to having its whole answer. An answer other than 200 with",
        "  \"submitted\" (for `/restart`) or 200 (for the floor) is an error. Every `/restart` names",
        "  a Deployment never named before (in a namespace where the mock answers every name), so",
        "  every one is accepted and **stays pending**: the memory store grows by one request per",
        "  command (the detail table shows how many it held before each level), and each creation",
        "  checks every stored request for a busy target. 8 requesters take turns; their profiles",
        "  are cached after the first `users.info`. There are no per-user limits in the app.",
        "  The floor is `GET /q/health/live` of the same app, at the same connections.",
        "  With closed loops the latency at 64 connections is about 64 / throughput (Little's law).",
        "- **Approve → PATCH**: the click is timed from just before it is sent; the PATCH at the",
        "  moment the mock has read the request, in the same JVM's clock. The first PATCH is the",
        "  strategic-merge patch (the mock answers 415, the bot sends the same body as a merge",
        "  patch). One request at a time; "
            + ApprovalToPatch.WARM_UP
            + " warm-up runs are not counted. Every click is sent "
            + SlackUsers.READING_TIME.toMillis()
            + " ms",
        "  or more after the approval message reached the fake Slack, as a person reads first.",
        "- **Fan-out**: one request naming "
            + FanOut.TARGETS
            + " stored Deployments, approved; then a plain loop restarts the",
        "  same Deployments with the app's own `Workloads` (GET, PATCH) on a fabric8 client",
        "  configured as the app's. Both are timed at the mock API server, from the first target's",
        "  first PATCH to the last target's first PATCH (99 intervals; the dry runs at request time are not",
        "  counted, and the mock answers them without storing them, as it answers the creation of",
        "  an Event: an API server creates one in constant time, fabric8's mock checks every object",
        "  it holds); median of " + FanOut.REPEATS + " rounds after at least " + FanOut.MIN_WARMUP,
        "  warm-up rounds, and more until the JIT compilers of both processes are quiet through a",
        "  round: with one warm-up round the driver's C2 compiler took 0.25 to 0.6 s of CPU during",
        "  each side of each counted round. The loop starts once the bot's summary is in the thread",
        "  and its Kubernetes Events have reached the mock, so that it does not share the cores with the",
        "  bot's tail (the bot writes Slack messages and Events beside its sequence).",
        "  `-Dbenchmark.only="
            + FanOut.NAME
            + "` runs it alone over `-Dbenchmark.fanout-rounds` rounds (5 by",
        "  default) and shows each round, the requests each side sent per target, the time between",
        "  them, and the CPU each process and thread used per target.",
        "- **Rollout detection**: the driver writes the final status after the bot showed progress;",
        "  measured from the status write's arrival at the mock to the \"rolled out\" `chat.update`'s",
        "  arrival at the fake Slack. "
            + RolloutDetection.RUNS
            + " rollouts back to back edit about four messages each within a",
        "  minute, more than Slack's 50 `chat.update` a minute: at that budget each edit waited its",
        "  turn (1.3 s median on 2026-12-01). This app's budget is "
            + RolloutDetection.UPDATES_PER_MINUTE
            + " a minute, so that the figure",
        "  is the detection's own; the budget's own figures are the expiry sweep's below.",
        "- **Start to ready**: from `ProcessBuilder.start()` to the first `200 UP` of",
        "  `/q/health/ready`, polled every 5 ms; Quarkus's own \"started in\" is shown beside it.",
        "  RSS is `VmRSS` from `/proc/<pid>/status` of the ack app after its last level (the peak is",
        "  `VmHWM`); then `jcmd GC.run` and `GC.heap_info` give the heap the app really holds.",
        "- **1,000 pending**: an app with a 1 s approval ttl and a sweep every "
            + PendingRequests.SWEEP_EVERY
            + "; 1,000",
        "  commands at 16 connections, then `/restart history 50` "
            + PendingRequests.HISTORY_RUNS
            + " times (its ack, median), then the first",
        "  sweep, which finds all 1,000 due: from the first \"expired\" audit line the app logs (its",
        "  log timestamp, in ms; written once the sweep has listed the store and expired the first",
        "  request) to the arrival at the fake Slack of the last `chat.update` marking one expired.",
        "  This app's `chat.update` budget is "
            + PendingRequests.UPDATES_PER_MINUTE
            + " a minute, so that the figure is the sweep's own cost;",
        "  at Slack's 50 a minute, see the expiry sweep below.",
        "- **Expiry sweep at 50 a minute**: in the driver's JVM, on a manual clock (simulated time;",
        "  no packaged app): 1,000 Expired events through the app's `RequestRenderer`, its",
        "  `MessageUpdates` budget and `SlackClient`, over HTTP to the fake Slack, which answers 429",
        "  past 50 `chat.update` calls in any 60 s of the same clock. 30.5 s into the sweep an",
        "  unrelated request is approved, at 35.5 s it starts, at 45.5 s it ends; its latencies are from",
        "  each event to its update's arrival. Runs alone with `-Dbenchmark.only=expiry-sweep`.");
  }
}
