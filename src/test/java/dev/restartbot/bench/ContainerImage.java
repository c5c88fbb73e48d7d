package dev.restartbot.bench;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * How the Dockerfile's runtime stage runs the app, read from the Dockerfile itself, so that the
 * benchmark measures the JVM the image runs and not a copy of its flags that could drift: the
 * {@code ENTRYPOINT}'s JVM flags, the {@code ENV} it sets, and the {@code RUN} that writes the
 * AppCDS archive beside {@code quarkus-run.jar}.
 */
record ContainerImage(List<String> jvmFlags, Map<String, String> environment, List<String> cds) {

  static final Path DOCKERFILE = Path.of("Dockerfile");

  /** The archive the image writes and its {@code ENTRYPOINT} names, relative to the jar. */
  static final String CDS_ARCHIVE = "app-cds.jsa";

  static ContainerImage read() {
    try {
      return parse(Files.readAllLines(DOCKERFILE));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the Dockerfile", e);
    }
  }

  /** The last stage's instructions, with continuation lines joined. */
  static ContainerImage parse(List<String> lines) {
    List<String> instructions = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (String line : lines) {
      String trimmed = line.strip();
      if (trimmed.startsWith("#") || trimmed.isEmpty()) {
        continue;
      }
      if (trimmed.endsWith("\\")) {
        current.append(trimmed, 0, trimmed.length() - 1).append(' ');
        continue;
      }
      current.append(trimmed);
      String instruction = current.toString();
      current.setLength(0);
      if (instruction.startsWith("FROM ")) {
        instructions.clear();
      }
      instructions.add(instruction);
    }
    List<String> flags = List.of();
    List<String> cds = List.of();
    Map<String, String> environment = new LinkedHashMap<>();
    for (String instruction : instructions) {
      if (instruction.startsWith("ENTRYPOINT ")) {
        List<String> words = execForm(instruction.substring("ENTRYPOINT ".length()));
        flags = words.subList(1, words.indexOf("-jar"));
      } else if (instruction.startsWith("ENV ")) {
        for (String pair : instruction.substring("ENV ".length()).trim().split("\\s+")) {
          int eq = pair.indexOf('=');
          environment.put(pair.substring(0, eq), pair.substring(eq + 1));
        }
      } else if (instruction.startsWith("RUN ") && instruction.contains("ArchiveClassesAtExit")) {
        cds = execForm(instruction.substring("RUN ".length()));
      }
    }
    return new ContainerImage(flags, environment, cds);
  }

  private static List<String> execForm(String json) {
    try {
      return new ObjectMapper().readValue(json, new TypeReference<List<String>>() {});
    } catch (IOException e) {
      throw new IllegalArgumentException("not an exec-form instruction: " + json, e);
    }
  }

  /**
   * Writes the AppCDS archive beside {@code jar} as the image does (its {@code RUN}, with this
   * machine's Java), unless it is there and newer than the jar's libraries.
   */
  void writeCdsArchive(Path jar) {
    if (cds.isEmpty()) {
      return;
    }
    Path dir = jar.toAbsolutePath().getParent();
    Path archive = dir.resolve(CDS_ARCHIVE);
    try {
      if (Files.exists(archive)
          && Files.getLastModifiedTime(archive)
                  .compareTo(
                      Files.getLastModifiedTime(dir.resolve("quarkus/quarkus-application.dat")))
              > 0) {
        return;
      }
      Files.deleteIfExists(archive);
      List<String> command = new ArrayList<>(cds);
      command.set(0, Path.of(System.getProperty("java.home"), "bin", "java").toString());
      Process p =
          new ProcessBuilder(command)
              .directory(dir.toFile())
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0 || !Files.exists(archive)) {
        throw new IllegalStateException("the AppCDS archive was not written: " + command);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
