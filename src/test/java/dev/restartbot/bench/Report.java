package dev.restartbot.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Prints the results table and writes {@code BENCHMARKS.md}: the machine, the table, the details
 * and the method. The section {@link #NOTES} (why a goal was missed and what would close it) is
 * written by people from what a run shows; it is carried over from the previous file unchanged.
 */
final class Report {

  static final String NOTES = "## Notes on missed goals";

  /** How a detail section written by a section run on its own begins. */
  static final String RUN_ALONE = "_Run on its own with `-Dbenchmark.only`, ";

  private final List<Row> rows = new ArrayList<>();
  private final List<String> details = new ArrayList<>();

  void add(List<Row> more) {
    rows.addAll(more);
  }

  void detail(String heading, List<String> lines) {
    details.add("### " + heading);
    details.add("");
    details.addAll(lines);
    details.add("");
  }

  List<String> table() {
    List<String> lines = new ArrayList<>();
    lines.add("| metric | value | goal | |");
    lines.add("| --- | --- | --- | --- |");
    for (Row row : rows) {
      lines.add(
          "| "
              + row.metric()
              + " | "
              + row.value()
              + " | "
              + row.goal()
              + " | "
              + row.verdict().label
              + " |");
    }
    return lines;
  }

  List<Row> missed() {
    return rows.stream().filter(r -> r.verdict() == Row.Verdict.MISSED).toList();
  }

  void write(Path file, List<String> method) {
    String notes = previousNotes(file);
    List<String> kept = sectionsRunAlone(file);
    List<String> out = new ArrayList<>();
    out.add("# Benchmarks");
    out.add("");
    out.add(
        "Written by `./mvnw -B -Pbenchmark verify` (see the README); every run replaces this file");
    out.add("except the notes at the end.");
    out.add("");
    out.addAll(machine());
    out.add("");
    out.add("## Results");
    out.add("");
    out.addAll(table());
    out.add("");
    out.addAll(details);
    out.addAll(kept);
    out.add("## Method");
    out.add("");
    out.addAll(method);
    out.add("");
    out.add(notes.strip());
    out.add("");
    try {
      Files.writeString(file, String.join("\n", out), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  /**
   * Replaces the detail section {@code heading} of an existing report with {@code lines} (or adds
   * it before the method), leaving everything else as it was: for a section run on its own.
   */
  static void replaceDetail(Path file, String heading, List<String> lines) {
    try {
      List<String> old =
          Files.exists(file)
              ? new ArrayList<>(Files.readAllLines(file, StandardCharsets.UTF_8))
              : new ArrayList<>(List.of("# Benchmarks", "", "## Method", ""));
      List<String> section = new ArrayList<>();
      section.add("### " + heading);
      section.add("");
      section.add(RUN_ALONE + machine().get(0).substring("- Date: ".length()) + ", load average");
      section.add(loadAverage() + "; a full run carries this section over as it is._");
      section.add("");
      section.addAll(lines);
      section.add("");
      int start = old.indexOf("### " + heading);
      if (start >= 0) {
        int end = start + 1;
        while (end < old.size() && !old.get(end).startsWith("#")) {
          end++;
        }
        old.subList(start, end).clear();
      } else {
        start = old.indexOf("## Method");
        start = start < 0 ? old.size() : start;
      }
      old.addAll(start, section);
      Files.writeString(file, String.join("\n", old) + "\n", StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  /**
   * The detail sections of the previous file that a section run on its own wrote ({@link
   * #replaceDetail}): a full run does not repeat them, so it keeps them, with their own date.
   */
  private List<String> sectionsRunAlone(Path file) {
    List<String> kept = new ArrayList<>();
    if (!Files.exists(file)) {
      return kept;
    }
    List<String> old;
    try {
      old = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
    for (int start = 0; start < old.size(); start++) {
      if (!old.get(start).startsWith("### ") || details.contains(old.get(start))) {
        continue;
      }
      int end = start + 1;
      while (end < old.size() && !old.get(end).startsWith("#")) {
        end++;
      }
      List<String> section = old.subList(start, end);
      if (section.stream().anyMatch(l -> l.startsWith(RUN_ALONE))) {
        kept.addAll(section);
      }
      start = end - 1;
    }
    return kept;
  }

  private String previousNotes(Path file) {
    try {
      if (Files.exists(file)) {
        String old = Files.readString(file, StandardCharsets.UTF_8);
        int at = old.indexOf(NOTES);
        if (at >= 0) {
          return old.substring(at);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
    return NOTES + "\n\n(none written yet)\n";
  }

  /** The machine, the Java and the OS this run used, and when. */
  static List<String> machine() {
    Runtime runtime = Runtime.getRuntime();
    return List.of(
        "- Date: "
            + ZonedDateTime.now(ZoneOffset.UTC)
                .format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'")),
        "- CPU: " + cpuModel() + ", " + runtime.availableProcessors() + " cores available",
        "- Memory: " + memTotal(),
        "- Java: "
            + System.getProperty("java.vm.name")
            + " "
            + System.getProperty("java.runtime.version")
            + " ("
            + System.getProperty("java.vendor")
            + "), the same for the driver and the app",
        "- OS: "
            + osName()
            + ", kernel "
            + System.getProperty("os.version")
            + " "
            + System.getProperty("os.arch"),
        "- Load average at the end of the run (1, 5, 15 min): " + loadAverage());
  }

  private static String loadAverage() {
    try {
      String[] fields = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return fields[0] + ", " + fields[1] + ", " + fields[2];
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
  }

  private static String cpuModel() {
    return procLine(Path.of("/proc/cpuinfo"), "model name")
        .map(l -> l.substring(l.indexOf(':') + 1).trim())
        .orElse(System.getProperty("os.arch"));
  }

  private static String memTotal() {
    return procLine(Path.of("/proc/meminfo"), "MemTotal")
        .map(l -> Long.parseLong(l.replaceAll("\\D", "")) / 1024)
        .map(mib -> String.format(Locale.ROOT, "%.1f GiB", mib / 1024.0))
        .orElse("unknown");
  }

  private static String osName() {
    return procLine(Path.of("/etc/os-release"), "PRETTY_NAME")
        .map(l -> l.substring(l.indexOf('=') + 1).replace("\"", ""))
        .orElse(System.getProperty("os.name"));
  }

  private static java.util.Optional<String> procLine(Path file, String prefix) {
    try (Stream<String> lines = Files.lines(file)) {
      return lines.filter(l -> l.startsWith(prefix)).findFirst();
    } catch (IOException | UncheckedIOException e) {
      return java.util.Optional.empty();
    }
  }
}
