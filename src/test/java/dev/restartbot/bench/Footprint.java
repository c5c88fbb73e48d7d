package dev.restartbot.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * 5: start to ready over every start of the run, and the memory of the ack app once it has answered
 * the warm-up and every level (well over 10,000 requests).
 */
final class Footprint {

  private Footprint() {}

  static List<Row> rows(List<AppUnderTest.Start> starts, AckLatency.Result ack) {
    List<Duration> sorted =
        starts.stream().map(AppUnderTest.Start::toReady).sorted(Comparator.naturalOrder()).toList();
    Duration median = sorted.get((sorted.size() - 1) / 2);
    return List.of(
        Row.judged(
            "Start to ready, median of " + starts.size() + " starts",
            Row.ms(median.toNanos() / 1e6),
            "≤ 2 s",
            median.compareTo(Duration.ofSeconds(2)) <= 0),
        rss(ack),
        Row.info("Peak RSS during the ack levels", ack.memory().peakRssMiB() + " MiB"),
        Row.info(
            "Heap in use after a full GC, same moment",
            ack.memory().liveHeapMiB().map(m -> m + " MiB").orElse("not read")));
  }

  private static Row rss(AckLatency.Result ack) {
    long rss = ack.memory().rssMiB();
    return Row.judged(
        "RSS after "
            + String.format(Locale.ROOT, "%,d", ack.requestsServed())
            + " requests ("
            + String.format(Locale.ROOT, "%,d", ack.commandsSent())
            + " of them `/restart`)",
        rss + " MiB",
        "≤ 200 MB",
        rss * 1024 * 1024 <= 200_000_000L);
  }

  static List<String> detail(List<AppUnderTest.Start> starts) {
    List<String> lines = new ArrayList<>();
    lines.add("| app | start to ready | Quarkus \"started in\" |");
    lines.add("| ---: | ---: | ---: |");
    for (int i = 0; i < starts.size(); i++) {
      AppUnderTest.Start s = starts.get(i);
      lines.add(
          String.format(
              Locale.ROOT,
              "| %d | %d ms | %s |",
              i + 1,
              s.toReady().toMillis(),
              s.startedInSeconds()
                  .map(v -> String.format(Locale.ROOT, "%.3f s", v))
                  .orElse("not seen")));
    }
    return lines;
  }
}
