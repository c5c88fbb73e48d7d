package dev.restartbot.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.restartbot.policy.Target;
import dev.restartbot.policy.WorkloadKind;
import dev.restartbot.restart.Outcome;
import dev.restartbot.restart.Workloads;
import dev.restartbot.testing.FakeSlackApi;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * 3: one approved request with 100 targets and rollout wait off, against a plain loop that restarts
 * the same 100 Deployments with the same requests (the app's own {@link Workloads}: GET, PATCH) on
 * a fabric8 client configured like the app's. Both are timed at the API server, from the arrival of
 * the first target's first PATCH to the arrival of the last target's first PATCH (99 intervals);
 * the bot's figure includes everything it does per target in between (Event, store, audit, the
 * target's thread reply and its update).
 */
final class FanOut {

  /** The section's name for {@code -Dbenchmark.only}. */
  static final String NAME = "fan-out";

  static final String HEADING = "Fan-out, 100 targets, round by round";

  static final int TARGETS = 100;
  static final int REPEATS = 3;

  /**
   * Warm-up rounds, at least and at most. One round was not enough: the driver's C2 compiler then
   * still took 0.25 to 0.6 s of CPU during each side of each counted round, on the same two cores,
   * and the loop kept getting faster for 20 rounds more.
   */
  static final int MIN_WARMUP = 10;

  static final int MAX_WARMUP = 40;

  /** At most this much JIT compiling in a round (both processes, both sides) counts as warm. */
  static final long QUIET_COMPILER_TICKS = 3;

  /** One counted round: each side's time from the first target's first PATCH to the last's. */
  record Round(Duration bot, Duration loop) {
    double ratio() {
      return bot.toNanos() / (double) loop.toNanos();
    }
  }

  /**
   * The median run of each side, and the bot's click-to-summary time; every counted round; and what
   * each side sent between its first and last first PATCH, per target (the requests the mock API
   * server answered, by {@link MockApiServer#shape shape}; the bot's Slack calls, by method).
   */
  record Result(
      Duration bot,
      Duration loop,
      Duration botClickToSummary,
      List<Round> rounds,
      int warmupRounds,
      Map<String, Double> botRequests,
      Map<String, Double> loopRequests,
      Map<String, Double> botSlackCalls,
      Map<String, Duration> botSteps,
      Map<String, Duration> loopSteps,
      Map<String, Double> botCpu,
      Map<String, Double> loopCpu) {
    double ratio() {
      return bot.toNanos() / (double) loop.toNanos();
    }
  }

  private final SlackUsers users;
  private final MockApiServer api;
  private final FakeSlackApi slack;
  private final long appPid;

  FanOut(SlackUsers users, MockApiServer api, FakeSlackApi slack, long appPid) {
    this.users = users;
    this.api = api;
    this.slack = slack;
    this.appPid = appPid;
  }

  Result run() {
    return run(REPEATS);
  }

  /**
   * {@code rounds} counted rounds of each side, after warm-up rounds: at least {@value
   * #MIN_WARMUP}, then until the JIT compilers of both processes were quiet through a whole round
   * (both sides), or {@value #MAX_WARMUP} in all.
   */
  Result run(int rounds) {
    List<String> names = api.seed("fan", TARGETS);
    String command = String.join(" ", names) + " -n " + MockApiServer.NAMESPACE;
    long driver = ProcessHandle.current().pid();
    List<Round> counted = new ArrayList<>();
    List<Duration> clickToSummary = new ArrayList<>();
    Map<String, Integer> botRequests = new TreeMap<>();
    Map<String, Integer> loopRequests = new TreeMap<>();
    Map<String, Integer> botSlackCalls = new TreeMap<>();
    Map<String, List<Duration>> botSteps = new TreeMap<>();
    Map<String, List<Duration>> loopSteps = new TreeMap<>();
    Map<String, Long> botCpu = new TreeMap<>();
    Map<String, Long> loopCpu = new TreeMap<>();
    int warmup = 0;
    boolean counting = false;
    try (KubernetesClient client = api.newClient()) {
      Workloads workloads = new Workloads(client, new ObjectMapper());
      while (counted.size() < rounds) {
        SlackUsers.Posted posted = users.submit(command);
        var click = users.approve(posted.requestId(), posted.messageTs());
        api.forget();
        int mark = slack.recorded();
        Map<String, Long> appBefore = ThreadCpu.ticks(appPid);
        Map<String, Long> driverBefore = ThreadCpu.ticks(driver);
        Instant clicked = Instant.now();
        users.send(click);
        Instant summary = users.awaitReply(posted.messageTs(), "Done", mark).at();
        Window botRun = firstToLastPatch(names);
        // The bot writes its Kubernetes Events and Slack messages beside the sequence; let the
        // last of them land before the loop runs, so that the loop does not share the cores with
        // the bot's tail.
        awaitEvents(TARGETS);
        Map<String, Long> botUsed =
            ThreadCpu.both(
                ThreadCpu.since(appBefore, ThreadCpu.ticks(appPid)),
                ThreadCpu.since(driverBefore, ThreadCpu.ticks(driver)));
        List<MockApiServer.Answered> botAnswered = api.answered();
        List<FakeSlackApi.Call> botCalls = slack.calls();

        api.forget();
        Map<String, Long> loopBefore = ThreadCpu.ticks(driver);
        for (String name : names) {
          Target target = new Target(WorkloadKind.DEPLOYMENT, MockApiServer.NAMESPACE, name);
          String restartedAt = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
          Outcome outcome =
              workloads.restart(
                  target, restartedAt, new Workloads.Attribution("loop", "benchmark", "policy"));
          if (!(outcome instanceof Outcome.Restarted)) {
            throw new IllegalStateException("the loop could not restart " + name + ": " + outcome);
          }
        }
        Window loopRun = firstToLastPatch(names);
        Map<String, Long> loopUsed =
            ThreadCpu.both(Map.of(), ThreadCpu.since(loopBefore, ThreadCpu.ticks(driver)));
        Round round = new Round(botRun.duration(), loopRun.duration());
        long compiling = ThreadCpu.compilers(botUsed) + ThreadCpu.compilers(loopUsed);
        counting |=
            warmup >= MAX_WARMUP || warmup >= MIN_WARMUP && compiling <= QUIET_COMPILER_TICKS;
        if (!counting) {
          warmup++;
          System.out.printf(
              Locale.ROOT,
              "[benchmark] fan-out warm-up round %d: bot %.2f ms a target, loop %.2f ms a target,"
                  + " %.2f×, JIT compilers %d ms%n",
              warmup,
              perTarget(round.bot()),
              perTarget(round.loop()),
              round.ratio(),
              compiling * ThreadCpu.TICK_MILLIS);
          continue;
        }
        count(botAnswered, botRun, MockApiServer.Answered::at, MockApiServer.Answered::shape)
            .forEach((k, v) -> botRequests.merge(k, v, Integer::sum));
        count(botCalls, botRun, FakeSlackApi.Call::at, FanOut::slackShape)
            .forEach((k, v) -> botSlackCalls.merge(k, v, Integer::sum));
        steps(botAnswered, botRun, botSteps);
        count(api.answered(), loopRun, MockApiServer.Answered::at, MockApiServer.Answered::shape)
            .forEach((k, v) -> loopRequests.merge(k, v, Integer::sum));
        steps(api.answered(), loopRun, loopSteps);
        botUsed.forEach((k, v) -> botCpu.merge(k, v, Long::sum));
        loopUsed.forEach((k, v) -> loopCpu.merge(k, v, Long::sum));
        counted.add(round);
        clickToSummary.add(Duration.between(clicked, summary));
        System.out.printf(
            Locale.ROOT,
            "[benchmark] fan-out round %d: bot %.2f ms a target, loop %.2f ms a target, %.2f×,"
                + " JIT compilers %d ms, load average %s%n",
            counted.size(),
            perTarget(round.bot()),
            perTarget(round.loop()),
            round.ratio(),
            compiling * ThreadCpu.TICK_MILLIS,
            loadAverage());
      }
    }
    int intervals = counted.size() * (TARGETS - 1);
    int restarts = counted.size() * TARGETS;
    return new Result(
        median(counted.stream().map(Round::bot).toList()),
        median(counted.stream().map(Round::loop).toList()),
        median(clickToSummary),
        counted,
        warmup,
        perInterval(botRequests, intervals),
        perInterval(loopRequests, intervals),
        perInterval(botSlackCalls, intervals),
        medians(botSteps),
        medians(loopSteps),
        ThreadCpu.millisEach(botCpu, restarts),
        ThreadCpu.millisEach(loopCpu, restarts));
  }

  /**
   * The time from each request of the sequence (those on the Deployments) to the next, by the pair
   * of requests: where the time between two first PATCHes goes, as the API server sees it.
   */
  private static void steps(
      List<MockApiServer.Answered> answered, Window window, Map<String, List<Duration>> into) {
    List<MockApiServer.Answered> sequence =
        answered.stream()
            .filter(a -> window.holds(a.at()) && a.shape().contains("/deployments/"))
            .sorted(Comparator.comparing(MockApiServer.Answered::at))
            .toList();
    for (int i = 1; i < sequence.size(); i++) {
      MockApiServer.Answered from = sequence.get(i - 1);
      MockApiServer.Answered to = sequence.get(i);
      into.computeIfAbsent(step(from) + " → " + step(to), k -> new ArrayList<>())
          .add(Duration.between(from.at(), to.at()));
    }
  }

  /** {@code GET}, {@code PATCH 415}, {@code PATCH 202}: a request of the sequence, in short. */
  private static String step(MockApiServer.Answered a) {
    String shape = a.shape();
    return shape.substring(0, shape.indexOf(' ')) + shape.substring(shape.lastIndexOf(' '));
  }

  private static Map<String, Duration> medians(Map<String, List<Duration>> steps) {
    Map<String, Duration> medians = new TreeMap<>();
    steps.forEach((k, v) -> medians.put(k + " (" + v.size() + ")", median(v)));
    return medians;
  }

  /** From the arrival of the first target's first PATCH to that of the last target's. */
  private record Window(Instant first, Instant last) {
    Duration duration() {
      return Duration.between(first, last);
    }

    boolean holds(Instant at) {
      return !at.isBefore(first) && at.isBefore(last);
    }
  }

  private static <T> Map<String, Integer> count(
      List<T> seen, Window window, Function<T, Instant> at, Function<T, String> shape) {
    Map<String, Integer> counts = new TreeMap<>();
    seen.stream()
        .filter(t -> window.holds(at.apply(t)))
        .forEach(t -> counts.merge(shape.apply(t), 1, Integer::sum));
    return counts;
  }

  private static String slackShape(FakeSlackApi.Call call) {
    return call.method() + (call.params().get("thread_ts") == null ? "" : " (in a thread)");
  }

  private static Map<String, Double> perInterval(Map<String, Integer> counts, int intervals) {
    Map<String, Double> per = new TreeMap<>();
    counts.forEach((k, v) -> per.put(k, v / (double) Math.max(1, intervals)));
    return per;
  }

  private static double perTarget(Duration run) {
    return run.toNanos() / 1e6 / (TARGETS - 1);
  }

  static String loadAverage() {
    try {
      String[] fields = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return fields[0] + ", " + fields[1] + ", " + fields[2];
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
  }

  private void awaitEvents(int count) {
    long deadline = System.nanoTime() + SlackUsers.WAIT.toNanos();
    while (api.arrivals().stream().filter(FanOut::isEventWrite).count() < count) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the bot wrote fewer than " + count + " Events");
      }
      MockApiServer.sleepBriefly();
    }
  }

  private static boolean isEventWrite(MockApiServer.Arrival a) {
    return a.method().equals("POST") && a.path().contains("/events");
  }

  private Window firstToLastPatch(List<String> names) {
    Instant first = api.await(MockApiServer.patchOf(names.get(0)), SlackUsers.WAIT).at();
    Instant last =
        api.await(MockApiServer.patchOf(names.get(names.size() - 1)), SlackUsers.WAIT).at();
    return new Window(first, last);
  }

  private static Duration median(List<Duration> runs) {
    return runs.stream().sorted(Comparator.naturalOrder()).toList().get(runs.size() / 2);
  }

  /**
   * Each counted round side by side, then what each side sent per target between its first and last
   * first PATCH: for the section run on its own.
   */
  static List<String> detail(Result r) {
    List<String> lines = new ArrayList<>();
    lines.add(
        r.rounds().size()
            + " rounds after "
            + r.warmupRounds()
            + " warm-up rounds (at least "
            + MIN_WARMUP
            + ", then until the JIT compilers of both processes took at most "
            + QUIET_COMPILER_TICKS * ThreadCpu.TICK_MILLIS
            + " ms in a round); each round the bot's request of "
            + TARGETS
            + " targets, then the plain loop over the same Deployments. Load average (1, 5, 15"
            + " min) at the end: "
            + loadAverage()
            + ".");
    lines.add("");
    lines.add("| round | bot, a target | plain loop, a target | bot / loop |");
    lines.add("| ---: | ---: | ---: | ---: |");
    for (int i = 0; i < r.rounds().size(); i++) {
      Round round = r.rounds().get(i);
      lines.add(
          String.format(
              Locale.ROOT,
              "| %d | %s | %s | %.2f× |",
              i + 1,
              Row.ms(perTarget(round.bot())),
              Row.ms(perTarget(round.loop())),
              round.ratio()));
    }
    lines.add(
        String.format(
            Locale.ROOT,
            "| median | %s | %s | %.2f× |",
            Row.ms(perTarget(r.bot())),
            Row.ms(perTarget(r.loop())),
            r.ratio()));
    lines.add("");
    lines.add(
        "Requests the mock API server answered between the first target's first PATCH and the last"
            + " target's, per target (all counted rounds):");
    lines.add("");
    lines.add("| request | bot | plain loop |");
    lines.add("| --- | ---: | ---: |");
    sideBySide(lines, r.botRequests(), r.loopRequests(), "%.2f");
    lines.add("");
    lines.add(
        "From one request of the sequence to the next (Deployments only), median, as the API"
            + " server saw them arrive (how many such steps in brackets):");
    lines.add("");
    lines.add("| step | bot | plain loop |");
    lines.add("| --- | ---: | ---: |");
    Map<String, String[]> steps = new TreeMap<>();
    stepColumn(steps, r.botSteps(), 0);
    stepColumn(steps, r.loopSteps(), 1);
    steps.forEach((k, v) -> lines.add("| " + k + " | " + v[0] + " | " + v[1] + " |"));
    lines.add("");
    lines.add("The bot's Slack calls in the same interval, per target:");
    lines.add("");
    lines.add("| Slack method | a target |");
    lines.add("| --- | ---: |");
    r.botSlackCalls()
        .forEach((k, v) -> lines.add(String.format(Locale.ROOT, "| `%s` | %.2f |", k, v)));
    lines.add("");
    lines.add(
        "CPU each side used per target, by process and thread (Linux's names, cut at 15"
            + " characters; `java` is a JVM's main thread), all counted rounds: the bot's from the"
            + " click to its last Event, the loop's over its run. The driver hosts the mock API"
            + " server (its `vert.x-eventloo`), the fake Slack (`fake-slack`, `HTTP-Dispatcher`)"
            + " and the loop itself (its main thread, and its client's `vert.x-eventloo`).");
    lines.add("");
    lines.add("| process: threads | bot | plain loop |");
    lines.add("| --- | ---: | ---: |");
    sideBySide(lines, r.botCpu(), r.loopCpu(), "%.2f ms");
    return lines;
  }

  /**
   * Puts each step's median into {@code column} of its row, the row keyed by the step without its
   * count, the count in brackets after the median.
   */
  private static void stepColumn(
      Map<String, String[]> steps, Map<String, Duration> medians, int column) {
    medians.forEach(
        (step, median) -> {
          String row = step.replaceAll(" \\(\\d+\\)$", "");
          String count = step.replaceAll("^.* (\\(\\d+\\))$", " $1");
          steps.computeIfAbsent(row, x -> new String[] {"", ""})[column] =
              Row.ms(median.toNanos() / 1e6) + count;
        });
  }

  /** One row a key, the bot's figure beside the loop's (0 where a side has none), then the sums. */
  private static void sideBySide(
      List<String> lines, Map<String, Double> bot, Map<String, Double> loop, String format) {
    Map<String, double[]> both = new TreeMap<>();
    bot.forEach((k, v) -> both.computeIfAbsent(k, x -> new double[2])[0] = v);
    loop.forEach((k, v) -> both.computeIfAbsent(k, x -> new double[2])[1] = v);
    String row = "| %s | " + format + " | " + format + " |";
    both.forEach((k, v) -> lines.add(String.format(Locale.ROOT, row, "`" + k + "`", v[0], v[1])));
    lines.add(
        String.format(
            Locale.ROOT,
            row,
            "all",
            bot.values().stream().mapToDouble(Double::doubleValue).sum(),
            loop.values().stream().mapToDouble(Double::doubleValue).sum()));
  }

  static List<Row> rows(Result r) {
    int intervals = TARGETS - 1;
    return List.of(
        Row.info(
            "Fan-out, 100 targets: bot, first → last PATCH",
            Row.ms(r.bot().toNanos() / 1e6)
                + " ("
                + Row.ms(r.bot().toNanos() / 1e6 / intervals)
                + " a target)"),
        Row.info(
            "Fan-out, 100 targets: plain loop, first → last PATCH",
            Row.ms(r.loop().toNanos() / 1e6)
                + " ("
                + Row.ms(r.loop().toNanos() / 1e6 / intervals)
                + " a target)"),
        Row.judged(
            "Fan-out: bot / plain loop",
            String.format(Locale.ROOT, "%.2f×", r.ratio()),
            "≤ 1.2×",
            r.ratio() <= 1.2),
        Row.info(
            "Fan-out, 100 targets: click → summary in the thread",
            Row.ms(r.botClickToSummary().toNanos() / 1e6)));
  }
}
