package dev.restartbot.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** BENCHMARKS.md across runs: a full run keeps what sections run on their own wrote, and notes. */
class ReportTest {

  @TempDir Path dir;

  private static int count(String text, String part) {
    return text.split(java.util.regex.Pattern.quote(part), -1).length - 1;
  }

  private Report fullRun(String figure) {
    Report report = new Report();
    report.add(List.of(new Row("Fan-out: bot / plain loop", figure, "≤ 1.2×", Row.Verdict.MET)));
    report.detail("Slack ack latency, every level", List.of("ack " + figure));
    return report;
  }

  @Test
  void aFullRunKeepsTheSectionsRunOnTheirOwnAndReplacesItsOwn() throws IOException {
    Path file = dir.resolve("BENCHMARKS.md");
    fullRun("1.10×").write(file, List.of("the method"));
    Files.writeString(
        file,
        Files.readString(file) + "\n" + Report.NOTES + "\n\nwritten by people\n",
        StandardCharsets.UTF_8);
    Report.replaceDetail(file, "Memory shapes", List.of("| shape | RSS |", "| a | 178 MiB |"));

    fullRun("1.15×").write(file, List.of("the method"));

    String written = Files.readString(file);
    assertThat(written)
        .contains("| Fan-out: bot / plain loop | 1.15× |", "ack 1.15×")
        .doesNotContain("1.10×");
    assertThat(written)
        .contains("### Memory shapes", Report.RUN_ALONE, "| a | 178 MiB |", "written by people");
    assertThat(written.indexOf("### Memory shapes")).isLessThan(written.indexOf("## Method"));
    assertThat(count(written, "### Memory shapes")).isEqualTo(1);
  }

  @Test
  void aSectionRunAloneAgainReplacesItselfOnly() throws IOException {
    Path file = dir.resolve("BENCHMARKS.md");
    fullRun("1.10×").write(file, List.of("the method"));
    Report.replaceDetail(file, "Memory shapes", List.of("| a | 190 MiB |"));

    Report.replaceDetail(file, "Memory shapes", List.of("| a | 178 MiB |"));

    String written = Files.readString(file);
    assertThat(written).contains("| a | 178 MiB |", "ack 1.10×").doesNotContain("190 MiB");
    assertThat(count(written, Report.RUN_ALONE)).isEqualTo(1);
  }
}
