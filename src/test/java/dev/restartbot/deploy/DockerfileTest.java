package dev.restartbot.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * No Docker engine runs where the tests run, so the Dockerfile is held to its shape: a Maven build
 * stage and a JRE runtime stage, dependencies in their own layer, the fast-jar layout, a non-root
 * numeric user (the one the Kubernetes Deployment asks for), an exec-form entrypoint with
 * container-aware JVM flags, and nothing secret.
 */
class DockerfileTest {

  record Instruction(int stage, String keyword, String args) {}

  static List<Instruction> instructions;

  @BeforeAll
  static void parse() throws IOException {
    instructions = parse(Files.readString(KustomizationTest.project("Dockerfile")));
  }

  /** Dockerfile syntax: comments, backslash continuations, one instruction per logical line. */
  static List<Instruction> parse(String dockerfile) {
    List<Instruction> parsed = new ArrayList<>();
    StringBuilder logical = new StringBuilder();
    int stage = -1;
    for (String line : dockerfile.split("\n", -1)) {
      String trimmed = line.strip();
      if (trimmed.startsWith("#") || (trimmed.isEmpty() && logical.isEmpty())) {
        continue;
      }
      if (trimmed.endsWith("\\")) {
        logical.append(trimmed.substring(0, trimmed.length() - 1).strip()).append(' ');
        continue;
      }
      logical.append(trimmed);
      String[] parts = logical.toString().strip().split("\\s+", 2);
      logical.setLength(0);
      if (parts[0].isEmpty()) {
        continue;
      }
      String keyword = parts[0].toUpperCase(Locale.ROOT);
      if (keyword.equals("FROM")) {
        stage++;
      }
      parsed.add(new Instruction(stage, keyword, parts.length > 1 ? parts[1] : ""));
    }
    return parsed;
  }

  static List<Instruction> in(int stage, String keyword) {
    return instructions.stream()
        .filter(i -> i.stage() == stage && i.keyword().equals(keyword))
        .toList();
  }

  static int lastStage() {
    return instructions.get(instructions.size() - 1).stage();
  }

  static int indexOf(int stage, String keyword, String argsContaining) {
    return IntStream.range(0, instructions.size())
        .filter(
            i ->
                instructions.get(i).stage() == stage
                    && instructions.get(i).keyword().equals(keyword)
                    && instructions.get(i).args().contains(argsContaining))
        .findFirst()
        .orElseThrow(() -> new AssertionError(keyword + " " + argsContaining + " not found"));
  }

  @Test
  void buildsWithMavenAndRunsOnAJreInASecondStage() {
    assertThat(lastStage()).isEqualTo(1);
    assertThat(in(0, "FROM"))
        .singleElement()
        .extracting(Instruction::args)
        .asString()
        .containsIgnoringCase("maven")
        .endsWith("AS build");
    assertThat(in(1, "FROM"))
        .singleElement()
        .extracting(Instruction::args)
        .asString()
        .contains("jre")
        .doesNotContainIgnoringCase("jdk")
        .doesNotContainIgnoringCase("maven");
    assertThat(in(1, "RUN"))
        .as("the runtime stage installs nothing; it only writes the AppCDS archive")
        .singleElement()
        .extracting(Instruction::args)
        .asString()
        .startsWith("[\"java\", \"-XX:ArchiveClassesAtExit=app-cds.jsa\"")
        .contains("\"-Dquarkus.appcds.generate=true\"")
        .endsWith("\"-jar\", \"quarkus-run.jar\"]");
  }

  @Test
  void everyBaseImageIsPinnedToAtLeastAMinorVersion() {
    List<String> stages = new ArrayList<>();
    for (Instruction from :
        instructions.stream().filter(i -> i.keyword().equals("FROM")).toList()) {
      List<String> words =
          Arrays.stream(from.args().split("\\s+")).filter(w -> !w.startsWith("--")).toList();
      String image = words.get(0);
      if (!stages.contains(image)) {
        assertThat(pinnedToAMinorVersion(image))
            .as("FROM %s: pin a version with at least a minor (17.0.15, 3.9), or a digest", image)
            .isTrue();
      }
      if (words.size() == 3 && words.get(1).equalsIgnoreCase("AS")) {
        stages.add(words.get(2));
      }
    }
    assertThat(stages).as("the stages were read").containsExactly("build", "runtime");
  }

  /**
   * {@code name:TAG} whose tag starts with {@code major.minor} (as {@code 3.9.9-eclipse-temurin-17}
   * or {@code 17.0.15_6-jre}), or {@code name@sha256:…}; not {@code :17-jre}, {@code :latest} or no
   * tag.
   */
  static boolean pinnedToAMinorVersion(String image) {
    if (image.contains("@sha256:")) {
      return true;
    }
    String lastPart = image.substring(image.lastIndexOf('/') + 1);
    int colon = lastPart.indexOf(':');
    return colon >= 0 && lastPart.substring(colon + 1).matches("v?\\d+\\.\\d+([._-].*)?");
  }

  @Test
  void aPinIsAVersionWithAMinorOrADigest() {
    assertThat(pinnedToAMinorVersion("maven:3.9.9-eclipse-temurin-17")).isTrue();
    assertThat(pinnedToAMinorVersion("maven:3.9-eclipse-temurin-17")).isTrue();
    assertThat(pinnedToAMinorVersion("eclipse-temurin:17.0.15_6-jre")).isTrue();
    assertThat(pinnedToAMinorVersion("registry.example.com:5000/team/jre:17.0.15")).isTrue();
    assertThat(pinnedToAMinorVersion("eclipse-temurin@sha256:0123abcd")).isTrue();

    assertThat(pinnedToAMinorVersion("eclipse-temurin:17-jre")).isFalse();
    assertThat(pinnedToAMinorVersion("eclipse-temurin:17")).isFalse();
    assertThat(pinnedToAMinorVersion("eclipse-temurin:latest")).isFalse();
    assertThat(pinnedToAMinorVersion("eclipse-temurin")).isFalse();
    assertThat(pinnedToAMinorVersion("registry.example.com:5000/team/jre")).isFalse();
    assertThat(pinnedToAMinorVersion("maven:3-eclipse-temurin-17.0")).isFalse();
  }

  @Test
  void dependenciesAreFetchedBeforeTheSourcesAreCopied() {
    int pom = indexOf(0, "COPY", "pom.xml");
    int fetch = indexOf(0, "RUN", "mvn");
    int sources = indexOf(0, "COPY", "src");
    int build = indexOf(0, "RUN", " -o ");

    assertThat(pom).isLessThan(fetch);
    assertThat(fetch).isLessThan(sources);
    assertThat(sources).isLessThan(build);
    assertThat(instructions.get(build).args()).contains("package");
  }

  @Test
  void theRuntimeStageHoldsTheFastJarLayoutFromTheBuildStage() {
    List<String> copies = in(1, "COPY").stream().map(Instruction::args).toList();

    assertThat(copies).allSatisfy(c -> assertThat(c).startsWith("--from=build"));
    assertThat(String.join("\n", copies))
        .contains("target/quarkus-app/lib/")
        .contains("target/quarkus-app/quarkus/")
        .contains("target/quarkus-app/app/")
        .contains("target/quarkus-app/quarkus-run.jar");
  }

  @Test
  void runsAsTheNonRootNumericUserTheDeploymentAsksFor() throws IOException {
    List<Instruction> users = in(1, "USER");
    assertThat(users).hasSize(1);
    String user = users.get(0).args().split(":")[0];
    assertThat(user).matches("[1-9][0-9]*");
    assertThat(instructions.indexOf(users.get(0)))
        .as("USER comes after the last COPY, before the ENTRYPOINT")
        .isGreaterThan(indexOf(1, "COPY", "quarkus-run.jar"))
        .isLessThan(instructions.indexOf(in(1, "ENTRYPOINT").get(0)));

    Map<String, Object> deployment;
    try (var reader = Files.newBufferedReader(KustomizationTest.project("k8s/deployment.yaml"))) {
      deployment = new Yaml().load(reader);
    }
    Object runAsUser =
        new KustomizationTest.Manifest(deployment)
            .at("spec.template.spec.securityContext.runAsUser");
    assertThat(String.valueOf(runAsUser)).isEqualTo(user);
  }

  @Test
  void exposesTheHttpPortAndStartsJavaInExecFormWithContainerFlags() {
    assertThat(in(1, "EXPOSE")).extracting(Instruction::args).containsExactly("8080");

    List<Instruction> entrypoints = in(1, "ENTRYPOINT");
    assertThat(entrypoints).hasSize(1);
    String entrypoint = entrypoints.get(0).args();
    assertThat(entrypoint).as("exec form: java is PID 1 and gets SIGTERM").startsWith("[\"java\"");
    assertThat(entrypoint)
        .contains("\"-XX:MaxRAMPercentage=")
        .contains("\"-XX:SharedArchiveFile=app-cds.jsa\"")
        .contains("\"-Dfile.encoding=UTF-8\"")
        .endsWith("\"-jar\", \"/deployments/quarkus-run.jar\"]");
    assertThat(in(1, "WORKDIR")).extracting(Instruction::args).containsExactly("/deployments");
    assertThat(in(0, "RUN"))
        .as("the build stage's app has the AppCDS step that the runtime stage's RUN needs")
        .last()
        .extracting(Instruction::args)
        .asString()
        .contains("-Dquarkus.package.jar.appcds.enabled=true");
    // The archive is written as root, before the image drops to its user, who only reads it.
    assertThat(indexOf(1, "RUN", "ArchiveClassesAtExit")).isLessThan(indexOf(1, "USER", "185"));
  }

  @Test
  void bakesNothingSecretIn() throws IOException {
    Pattern secretName = Pattern.compile("(?i)(token|secret|password|passwd|api[_-]?key)");
    for (Instruction i : instructions) {
      if (i.keyword().equals("ENV") || i.keyword().equals("ARG")) {
        assertThat(i.args()).as(i.toString()).doesNotContainPattern(secretName);
      }
      assertThat(i.args()).as(i.toString()).doesNotContain("xoxb-", "xoxp-", "xapp-", ".env");
    }
    assertThat(Files.readAllLines(KustomizationTest.project(".dockerignore")))
        .contains(".env", ".git/", "target/");
  }

  @Test
  void theParserReadsContinuationsCommentsAndStages() {
    List<Instruction> parsed =
        parse(
            """
            # comment
            FROM a AS one
            RUN x \\
              && y
            FROM b
            user 10
            """);

    assertThat(parsed)
        .containsExactly(
            new Instruction(0, "FROM", "a AS one"),
            new Instruction(0, "RUN", "x && y"),
            new Instruction(1, "FROM", "b"),
            new Instruction(1, "USER", "10"));
  }
}
