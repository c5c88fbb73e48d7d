package dev.restartbot.bench;

import dev.restartbot.testing.FakeSlackApi;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * 9: start to ready, many times over, for the image's JVM with and without its AppCDS archive and
 * for the JVM of the image before: the median and the 90th percentile, side by side in one run, so
 * that a lever is kept on evidence. Runs alone with {@code -Dbenchmark.only=start}; {@code
 * -Dbenchmark.starts} (8) sets the starts per shape.
 */
final class StartShapes {

  static final String NAME = "start";
  static final String HEADING = "Start to ready, with and without AppCDS";

  /** The image's ENTRYPOINT before this shape was chosen, in a pod with a 512 MiB limit. */
  static final AppUnderTest.Shape BEFORE =
      new AppUnderTest.Shape(
          "before: heap 75 %, 512 MiB pod, no AppCDS",
          List.of(
              "-XX:MaxRAMPercentage=75",
              "-Dfile.encoding=UTF-8",
              "-Djava.util.logging.manager=org.jboss.logmanager.LogManager",
              "-XX:MaxRAM=512m"),
          Map.of());

  /** One shape's starts, in the order they ran. */
  record Trial(AppUnderTest.Shape shape, List<AppUnderTest.Start> starts) {
    Duration percentile(int p) {
      List<Duration> sorted =
          starts.stream()
              .map(AppUnderTest.Start::toReady)
              .sorted(Comparator.naturalOrder())
              .toList();
      int rank = (int) Math.ceil(p / 100.0 * sorted.size());
      return sorted.get(Math.max(0, rank - 1));
    }
  }

  private StartShapes() {}

  static List<AppUnderTest.Shape> shapes() {
    AppUnderTest.Shape image = AppUnderTest.Shape.DOCKERFILE;
    List<String> withoutCds =
        image.flags().stream().filter(f -> !f.startsWith("-XX:SharedArchiveFile=")).toList();
    List<AppUnderTest.Shape> shapes = new ArrayList<>();
    shapes.add(BEFORE);
    if (image.usesCdsArchive()) {
      shapes.add(
          new AppUnderTest.Shape("the image, without AppCDS", withoutCds, image.environment()));
    }
    shapes.add(
        new AppUnderTest.Shape("the image (Dockerfile)", image.flags(), image.environment()));
    return shapes;
  }

  /** Every shape once per round, round after round, so that the machine's load falls on all. */
  static List<Trial> run(Path jar, MockApiServer api, FakeSlackApi slack, int starts) {
    List<AppUnderTest.Shape> shapes = shapes();
    List<List<AppUnderTest.Start>> byShape = new ArrayList<>();
    shapes.forEach(s -> byShape.add(new ArrayList<>()));
    for (int round = 0; round < starts; round++) {
      for (int i = 0; i < shapes.size(); i++) {
        AppUnderTest.Shape shape = shapes.get(i);
        try (AppUnderTest app =
            AppUnderTest.start(jar, api.url(), slack.baseUrl(), Benchmark.policy(), shape)) {
          byShape.get(i).add(app.start());
          System.out.printf(
              Locale.ROOT,
              "[benchmark] start %d, %s: ready after %d ms%n",
              round + 1,
              shape.name(),
              app.start().toReady().toMillis());
        }
        slack.reset();
        api.forget();
      }
    }
    List<Trial> trials = new ArrayList<>();
    for (int i = 0; i < shapes.size(); i++) {
      trials.add(new Trial(shapes.get(i), byShape.get(i)));
    }
    return trials;
  }

  static List<String> detail(List<Trial> trials) {
    List<String> lines = new ArrayList<>();
    lines.add(
        "Each shape started "
            + trials.get(0).starts().size()
            + " times, the shapes taking turns; start to ready is from the process's start to the"
            + " first 200 of `/q/health/ready`.");
    lines.add("");
    lines.add("| shape | flags and environment | median | p90 | slowest | fastest |");
    lines.add("| --- | --- | ---: | ---: | ---: | ---: |");
    for (Trial t : trials) {
      lines.add(
          String.format(
              Locale.ROOT,
              "| %s | %s | %d ms | %d ms | %d ms | %d ms |",
              t.shape().name(),
              MemoryShapes.describe(t.shape()),
              t.percentile(50).toMillis(),
              t.percentile(90).toMillis(),
              t.percentile(100).toMillis(),
              t.percentile(1).toMillis()));
    }
    return lines;
  }
}
