package dev.restartbot.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Which CPUs the app and the driver (the load generator and the fakes) run on, so that the floor is
 * measured with the load generator on cores of its own: {@code taskset -c} for the app's JVM,
 * {@code taskset -a -p} for every thread of the driver's. Off unless a section turns it on.
 */
final class Pinning {

  private static volatile String app;

  private Pinning() {}

  /** The CPUs of the apps started from now on; empty when they are not pinned. */
  static Optional<String> appCpus() {
    return Optional.ofNullable(app);
  }

  /** From now on, apps start on {@code appCpus} and every thread of this JVM runs on the rest. */
  static void pin(String appCpus, String driverCpus) {
    app = appCpus;
    taskset(driverCpus);
  }

  /** Apps start wherever the kernel puts them, and so does this JVM. */
  static void unpin(String allCpus) {
    app = null;
    taskset(allCpus);
  }

  /**
   * Every thread of this JVM, one {@code taskset -p} each: {@code taskset -a} fails as a whole when
   * a thread ends while it walks them, and a JVM's threads come and go. Threads started later
   * inherit the affinity of the thread that starts them.
   */
  private static void taskset(String cpus) {
    Path tasks = Path.of("/proc", Long.toString(ProcessHandle.current().pid()), "task");
    List<String> ids;
    try (Stream<Path> listed = Files.list(tasks)) {
      ids = listed.map(t -> t.getFileName().toString()).toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list the JVM's threads", e);
    }
    int pinned = 0;
    for (String id : ids) {
      try {
        Process p =
            new ProcessBuilder("taskset", "-cp", cpus, id)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        if (p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0) {
          pinned++;
        } else if (Files.exists(tasks.resolve(id))) {
          throw new IllegalStateException("taskset -cp " + cpus + " " + id + " failed");
        }
      } catch (IOException e) {
        throw new UncheckedIOException("taskset is needed to pin the benchmark", e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    System.out.printf("[benchmark] %d threads of the driver on CPUs %s%n", pinned, cpus);
  }
}
