package dev.restartbot.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Runs {@code kubectl kustomize} on a directory of the project, as {@code kubectl apply -k} would
 * render it. Without kubectl, the calling test is skipped with a warning, or fails under {@code
 * CI=true} (see {@link KustomizationTest#whyWithoutKubectl}).
 */
public final class Kustomize {

  private Kustomize() {}

  /** A file or directory of the project. */
  public static Path project(String relative) {
    return KustomizationTest.project(relative);
  }

  /** The YAML that {@code kubectl kustomize DIR} prints, {@code dir} relative to the project. */
  public static String render(String testName, String dir) throws Exception {
    Optional<Path> kubectl = KustomizationTest.onPath("kubectl");
    if (kubectl.isEmpty()) {
      String why = KustomizationTest.whyWithoutKubectl(System.getenv());
      // On stderr, which surefire shows: a logger has no handler in a plain test, and surefire
      // counts a class skipped in @BeforeAll as no test at all.
      System.err.printf("WARNING: SKIPPED %s: %s, so %s/ is not rendered.%n", testName, why, dir);
      Assumptions.assumeTrue(false, why + ": " + dir + "/ cannot be rendered and checked");
    }
    Path out = Files.createTempFile("kustomize", ".yaml");
    Path err = Files.createTempFile("kustomize", ".err");
    try {
      Process process =
          new ProcessBuilder(
                  kubectl.get().toString(), "kustomize", KustomizationTest.project(dir).toString())
              .redirectOutput(out.toFile())
              .redirectError(err.toFile())
              .start();
      assertThat(process.waitFor(2, TimeUnit.MINUTES)).as("kubectl kustomize finished").isTrue();
      assertThat(process.exitValue())
          .as("kubectl kustomize %s/ failed: %s", dir, Files.readString(err))
          .isZero();
      return Files.readString(out, StandardCharsets.UTF_8);
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }
}
