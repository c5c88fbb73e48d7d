package dev.restartbot.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/** 5: start to ready over every start of the run, and resident memory after 10,000 requests. */
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
        Row.judged(
            "RSS after "
                + String.format(Locale.ROOT, "%,d", AckLatency.WARM_UP_REQUESTS)
                + " requests",
            ack.rssAfterWarmUpMiB() + " MiB",
            "≤ 200 MB",
            ack.rssAfterWarmUpMiB() * 1024 * 1024 <= 200_000_000L),
        Row.info(
            "RSS at the end of the ack levels ("
                + String.format(Locale.ROOT, "%,d", ack.requestsServed())
                + " requests)",
            ack.rssAtEndMiB() + " MiB"));
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
