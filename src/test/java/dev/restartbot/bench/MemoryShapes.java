package dev.restartbot.bench;

import dev.restartbot.testing.FakeSlackApi;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * 8: the JVM set up for a pod with a 256 MiB memory limit, one candidate after another, each a
 * fresh app under the same ack load (1, 16 and 64 connections): resident memory, the heap the app
 * really holds, start to ready and the ack latency, side by side, so that the Dockerfile's flags
 * and the Deployment's limits are chosen on evidence. Runs alone with {@code
 * -Dbenchmark.only=memory-shapes}.
 */
final class MemoryShapes {

  static final String NAME = "memory-shapes";
  static final String HEADING = "Memory shapes for a pod with a 256 MiB limit";

  /** The pod's memory, as the JVM sees a container's limit. */
  static final String POD_MEMORY = "-XX:MaxRAM=256m";

  private static final Map<String, String> TWO_ARENAS = Map.of("MALLOC_ARENA_MAX", "2");
  private static final String C1_ONLY = "-XX:TieredStopAtLevel=1";
  private static final String APP_CDS = "-XX:SharedArchiveFile=" + ContainerImage.CDS_ARCHIVE;

  private static final List<String> COMMON =
      List.of(
          "-Dfile.encoding=UTF-8", "-Djava.util.logging.manager=org.jboss.logmanager.LogManager");

  /** The candidates, the previous Dockerfile first. */
  static final List<AppUnderTest.Shape> SHAPES =
      List.of(
          shape("heap 75 % (before)", Map.of(), "-XX:MaxRAMPercentage=75"),
          shape("heap 40 %, Serial", Map.of(), "-XX:MaxRAMPercentage=40", "-XX:+UseSerialGC"),
          shape("heap 40 %, Serial, small stacks and code cache", Map.of(), small(40)),
          shape("as above, 2 malloc arenas", TWO_ARENAS, small(40)),
          shape("as above, heap 25 %", TWO_ARENAS, small(25)),
          shape("as above, heap 40 %, C1 only", TWO_ARENAS, small(40, C1_ONLY)),
          shape(
              "heap 40 %, Serial, small stacks, 2 arenas, AppCDS", TWO_ARENAS, small(40, APP_CDS)),
          shape("as above, C1 only", TWO_ARENAS, small(40, C1_ONLY, APP_CDS)),
          shape("as above, heap 25 %", TWO_ARENAS, small(25, C1_ONLY, APP_CDS)),
          shape(
              "heap 40 %, C1 only, AppCDS, one compiler thread",
              TWO_ARENAS, small(40, C1_ONLY, "-XX:CICompilerCount=1", APP_CDS)));

  /** One candidate's figures. */
  record Trial(AppUnderTest.Shape shape, AppUnderTest.Start start, AckLatency.Result ack) {}

  private MemoryShapes() {}

  /**
   * A heap of {@code heapPercent} % with the serial collector, small thread stacks, code cache and
   * metaspace, then {@code more}.
   */
  private static String[] small(int heapPercent, String... more) {
    List<String> flags =
        new ArrayList<>(
            List.of(
                "-XX:MaxRAMPercentage=" + heapPercent,
                "-XX:+UseSerialGC",
                "-Xss512k",
                "-XX:ReservedCodeCacheSize=48m",
                "-XX:MaxMetaspaceSize=128m"));
    flags.addAll(List.of(more));
    return flags.toArray(String[]::new);
  }

  private static AppUnderTest.Shape shape(
      String name, Map<String, String> environment, String... flags) {
    List<String> all = new ArrayList<>(List.of(flags));
    all.addAll(COMMON);
    all.add(POD_MEMORY);
    return new AppUnderTest.Shape(name, all, environment);
  }

  static List<Trial> run(Path jar, MockApiServer api, FakeSlackApi slack, Duration each) {
    List<Trial> trials = new ArrayList<>();
    for (AppUnderTest.Shape shape : SHAPES) {
      System.out.println("[benchmark] memory shape: " + shape.name());
      try (AppUnderTest app =
          AppUnderTest.start(jar, api.url(), slack.baseUrl(), Benchmark.policy(), shape)) {
        Runnable forget =
            () -> {
              slack.reset();
              api.forget();
            };
        AckLatency.Result ack =
            new AckLatency(app, new SlackUsers(app.baseUrl(), slack), forget).run(app, each);
        trials.add(new Trial(shape, app.start(), ack));
      }
      slack.reset();
      api.forget();
    }
    return trials;
  }

  /** The flags that shape the JVM (not the pod's memory, not the app's properties). */
  static String describe(AppUnderTest.Shape shape) {
    String flags =
        shape.flags().stream()
            .filter(f -> f.startsWith("-X"))
            .filter(f -> !f.startsWith("-XX:MaxRAM="))
            .collect(Collectors.joining(" "));
    String env =
        shape.environment().entrySet().stream()
            .map(e -> e.getKey() + "=" + e.getValue())
            .collect(Collectors.joining(" "));
    return "`" + flags + "`" + (env.isEmpty() ? "" : ", `" + env + "`");
  }

  static List<String> detail(List<Trial> trials, Duration each) {
    List<String> lines = new ArrayList<>();
    lines.add(
        "Each a fresh app with `"
            + POD_MEMORY
            + "` (the JVM sizes itself as in a pod with a 256 MiB limit), the warm-up and the"
            + " three ack levels of "
            + each.toSeconds()
            + " s; RSS is read after the last level, the peak is `VmHWM`.");
    lines.add("");
    lines.add(
        "| shape | flags and environment | start to ready | RSS after | peak RSS | heap held after a"
            + " full GC | `/restart` p99 at 64 (floor) | `/restart` req/s at 64 |");
    lines.add("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |");
    for (Trial t : trials) {
      AckLatency.Level top = t.ack().levels().get(t.ack().levels().size() - 1);
      lines.add(
          String.format(
              Locale.ROOT,
              "| %s | %s | %d ms | %d MiB | %d MiB | %s | %s (%s) | %.0f |",
              t.shape().name(),
              describe(t.shape()),
              t.start().toReady().toMillis(),
              t.ack().memory().rssMiB(),
              t.ack().memory().peakRssMiB(),
              t.ack().memory().liveHeapMiB().map(m -> m + " MiB").orElse("not read"),
              Row.ms(top.restart().latencies().percentileMillis(99)),
              Row.ms(top.floor().latencies().percentileMillis(99)),
              top.restart().throughput()));
    }
    return lines;
  }
}
