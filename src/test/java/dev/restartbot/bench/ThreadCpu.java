package dev.restartbot.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * CPU time of a process's threads, by thread name with its trailing number left out, from {@code
 * /proc/<pid>/task/<tid>/stat}: where the CPU of a phase went, in clock ticks of {@value
 * #TICK_MILLIS} ms. Linux truncates thread names to 15 characters; a JVM's main thread is named
 * after the process ({@code java}).
 */
final class ThreadCpu {

  /** Linux's {@code USER_HZ} is 100: a tick is 10 ms. */
  static final long TICK_MILLIS = 10;

  private ThreadCpu() {}

  /** Ticks used so far by each group of threads of {@code pid}. */
  static Map<String, Long> ticks(long pid) {
    Map<String, Long> byName = new TreeMap<>();
    try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
      tasks.forEach(
          task -> {
            try {
              String stat = Files.readString(task.resolve("stat"));
              String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
              // After the name: state is field 3 of stat(5); utime and stime are 14 and 15.
              String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
              long used = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
              byName.merge(name.replaceAll("[-#\\d]+$", ""), used, Long::sum);
            } catch (IOException | RuntimeException e) {
              // A thread that ended between the listing and the read: its time is gone with it.
            }
          });
    } catch (IOException e) {
      throw new IllegalStateException("cannot list the threads of process " + pid, e);
    }
    return byName;
  }

  /** {@code after} less {@code before}, by group, leaving out groups that used nothing. */
  static Map<String, Long> since(Map<String, Long> before, Map<String, Long> after) {
    Map<String, Long> used = new TreeMap<>();
    after.forEach(
        (group, ticks) -> {
          long more = ticks - before.getOrDefault(group, 0L);
          if (more > 0) {
            used.put(group, more);
          }
        });
    return used;
  }

  /** The app's groups and the driver's, in one map, each name prefixed with its process. */
  static Map<String, Long> both(Map<String, Long> app, Map<String, Long> driver) {
    Map<String, Long> all = new TreeMap<>();
    app.forEach((group, ticks) -> all.put("app: " + group, ticks));
    driver.forEach((group, ticks) -> all.put("driver: " + group, ticks));
    return all;
  }

  /** The ticks of the JIT compiler threads among {@code used}. */
  static long compilers(Map<String, Long> used) {
    return used.entrySet().stream()
        .filter(e -> e.getKey().contains("CompilerThre"))
        .mapToLong(Map.Entry::getValue)
        .sum();
  }

  /** Milliseconds each of {@code count} things took, by group. */
  static Map<String, Double> millisEach(Map<String, Long> used, int count) {
    Map<String, Double> each = new TreeMap<>();
    used.forEach((group, ticks) -> each.put(group, ticks * TICK_MILLIS / (double) count));
    return each;
  }
}
