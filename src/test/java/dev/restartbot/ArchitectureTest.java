package dev.restartbot;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The import rules of DESIGN.md §3, checked on the sources under {@code src/main/java}: every
 * {@code import} (static ones too) and every qualified name written in code ({@code
 * com.slack.api.Slack.getInstance()}), with comments and string literals left out. A broken rule
 * fails with the file, the line and the rule.
 */
class ArchitectureTest {

  static final Path PROJECT = Path.of(System.getProperty("basedir", "")).toAbsolutePath();
  static final Path MAIN = PROJECT.resolve("src/main/java");
  static final String OURS = "dev.restartbot";

  /** A rule for the files of some of our packages: the names they may not use. */
  record Rule(String text, Predicate<String> appliesToPackage, Predicate<String> forbids) {}

  static final List<Rule> RULES =
      List.of(
          new Rule(
              "only slack/ (and sandbox/, which stands in for Slack in dev) imports com.slack.*",
              feature -> !Set.of("slack", "sandbox").contains(feature),
              name -> under(name, "com.slack")),
          new Rule(
              "only restart/, cluster/ and sandbox/ import io.fabric8.*",
              feature -> !Set.of("restart", "cluster", "sandbox").contains(feature),
              name -> under(name, "io.fabric8")),
          new Rule(
              "cluster/ (the fleet of clients) depends on none of our other packages",
              "cluster"::equals,
              name -> under(name, OURS) && !under(name, OURS + ".cluster")),
          new Rule(
              "policy/ is pure logic with no I/O: it uses only java.util, java.time, java.math,"
                  + " java.text and SmallRye's config mapping annotations",
              "policy"::equals,
              name -> !policyMayUse(name)),
          new Rule(
              "audit/ does not depend on slack/ or restart/",
              "audit"::equals,
              name -> under(name, OURS + ".slack") || under(name, OURS + ".restart")),
          new Rule(
              "restart/ does not depend on slack/ (slack → restart, never back)",
              "restart"::equals,
              name -> under(name, OURS + ".slack")),
          new Rule(
              "nothing depends on sandbox/",
              feature -> !feature.equals("sandbox"),
              name -> under(name, OURS + ".sandbox")));

  static boolean policyMayUse(String name) {
    return under(name, OURS + ".policy")
        || ((under(name, "java.util")
                && Stream.of("logging", "prefs", "jar", "zip")
                    .noneMatch(io -> under(name, "java.util." + io)))
            || under(name, "java.time")
            || under(name, "java.math")
            || under(name, "java.text"))
        || Stream.of("ConfigMapping", "WithDefault", "WithName", "WithParentName")
            .anyMatch(annotation -> under(name, "io.smallrye.config." + annotation));
  }

  static boolean under(String name, String prefix) {
    return name.equals(prefix) || name.startsWith(prefix + ".");
  }

  // --- reading sources ---

  /** A name one file uses, where, and how: {@code import}, {@code import static} or in code. */
  record Use(String file, int line, String how, String name) {}

  /** One source file: where it is (for messages), its package and the names it uses. */
  record Source(String file, String packageName, List<Use> uses) {

    private static final Pattern PACKAGE = Pattern.compile("^\\s*package\\s+([\\w.]+)\\s*;");
    private static final Pattern IMPORT =
        Pattern.compile("^\\s*import\\s+(static\\s+)?([\\w.]+?)(\\.\\*)?\\s*;");
    // A package (lower-case parts after a known root) then a class: com.slack.api.Slack, …
    private static final Pattern QUALIFIED =
        Pattern.compile(
            "(?<![\\w$.])(?:java|javax|jakarta|io|com|org|net|dev|sun)"
                + "(?:\\.[a-z_][\\w$]*)+\\.[A-Z][\\w$]*");

    static Source read(Path path) {
      try {
        return of(
            PROJECT.relativize(path).toString(), Files.readString(path, StandardCharsets.UTF_8));
      } catch (IOException e) {
        throw new AssertionError("cannot read " + path, e);
      }
    }

    static Source of(String file, String text) {
      String packageName = "";
      List<Use> uses = new ArrayList<>();
      String[] lines = codeOnly(text).split("\n", -1);
      for (int i = 0; i < lines.length; i++) {
        Matcher pkg = PACKAGE.matcher(lines[i]);
        Matcher imp = IMPORT.matcher(lines[i]);
        if (pkg.find()) {
          packageName = pkg.group(1);
        } else if (imp.find()) {
          String how = imp.group(1) == null ? "import" : "import static";
          uses.add(new Use(file, i + 1, how, imp.group(2)));
        } else {
          Matcher qualified = QUALIFIED.matcher(lines[i]);
          while (qualified.find()) {
            uses.add(new Use(file, i + 1, "qualified name", qualified.group()));
          }
        }
      }
      return new Source(file, packageName, uses);
    }

    /** Our package this file belongs to: {@code policy} for dev.restartbot.policy(.*). */
    String feature() {
      if (!under(packageName, OURS) || packageName.equals(OURS)) {
        return "";
      }
      return packageName.substring(OURS.length() + 1).split("\\.")[0];
    }

    /**
     * The text with comments, string and char literals and text blocks blanked out, newlines kept:
     * a name mentioned there is not a dependency.
     */
    static String codeOnly(String text) {
      StringBuilder out = new StringBuilder(text.length());
      int i = 0;
      while (i < text.length()) {
        char c = text.charAt(i);
        String closing = null;
        int open = 0;
        if (text.startsWith("//", i)) {
          closing = "\n";
          open = 2;
        } else if (text.startsWith("/*", i)) {
          closing = "*/";
          open = 2;
        } else if (text.startsWith("\"\"\"", i)) {
          closing = "\"\"\"";
          open = 3;
        } else if (c == '"' || c == '\'') {
          closing = String.valueOf(c);
          open = 1;
        }
        if (closing == null) {
          out.append(c);
          i++;
          continue;
        }
        int end = i + open;
        while (end < text.length() && !text.startsWith(closing, end)) {
          end += text.charAt(end) == '\\' && !closing.equals("\n") ? 2 : 1;
        }
        end = Math.min(text.length(), closing.equals("\n") ? end : end + closing.length());
        for (int j = i; j < end; j++) {
          out.append(text.charAt(j) == '\n' ? '\n' : ' ');
        }
        i = end;
      }
      return out.toString();
    }
  }

  /** Every broken rule, one line each: {@code file:line: how name breaks the rule: rule}. */
  static List<String> violations(List<Source> sources) {
    List<String> found = new ArrayList<>();
    for (Source source : sources) {
      for (Rule rule : RULES) {
        if (!rule.appliesToPackage().test(source.feature())) {
          continue;
        }
        for (Use use : source.uses()) {
          if (rule.forbids().test(use.name())) {
            found.add(
                "%s:%d: %s %s breaks the rule: %s"
                    .formatted(use.file(), use.line(), use.how(), use.name(), rule.text()));
          }
        }
      }
    }
    return found;
  }

  static List<Source> sources;

  @BeforeAll
  static void readMainSources() throws IOException {
    try (Stream<Path> files = Files.walk(MAIN)) {
      sources =
          files
              .filter(p -> p.toString().endsWith(".java"))
              .sorted()
              .map(Source::read)
              .collect(Collectors.toList());
    }
  }

  @Test
  void theMainSourcesFollowTheImportRulesOfTheDesign() {
    List<String> broken = violations(sources);

    assertThat(broken)
        .withFailMessage(
            "%d use(s) break the import rules of DESIGN.md §3:%n%s",
            broken.size(), String.join(System.lineSeparator(), broken))
        .isEmpty();
  }

  @Test
  void theScanReadsEveryPackageAndTheNamesItsFilesUse() {
    assertThat(sources)
        .extracting(Source::feature)
        .contains("slack", "restart", "policy", "audit", "sandbox");
    assertThat(uses("slack")).anyMatch(name -> under(name, "com.slack"));
    assertThat(uses("restart")).anyMatch(name -> under(name, "io.fabric8"));
    assertThat(uses("policy")).anyMatch(name -> under(name, "io.smallrye.config"));
  }

  static List<String> uses(String feature) {
    return sources.stream()
        .filter(s -> s.feature().equals(feature))
        .flatMap(s -> s.uses().stream())
        .map(Use::name)
        .toList();
  }

  /** The check itself, on sources written here: it must see each kind of use, and only those. */
  @Nested
  class TheCheck {

    static final String POLICY = "src/main/java/dev/restartbot/policy/Bad.java";
    static final String RESTART = "src/main/java/dev/restartbot/restart/Bad.java";
    static final String AUDIT = "src/main/java/dev/restartbot/audit/Bad.java";
    static final String SLACK = "src/main/java/dev/restartbot/slack/Bad.java";

    @Test
    void aFabric8ImportInPolicyBreaksTwoRulesOnItsLine() {
      Source bad =
          Source.of(
              POLICY,
              """
              package dev.restartbot.policy;

              import io.fabric8.kubernetes.client.KubernetesClient;
              """);

      assertThat(violations(List.of(bad)))
          .containsExactly(
              POLICY
                  + ":3: import io.fabric8.kubernetes.client.KubernetesClient breaks the rule:"
                  + " only restart/, cluster/ and sandbox/ import io.fabric8.*",
              POLICY
                  + ":3: import io.fabric8.kubernetes.client.KubernetesClient breaks the rule:"
                  + " policy/ is pure logic with no I/O: it uses only java.util, java.time,"
                  + " java.math, java.text and SmallRye's config mapping annotations");
    }

    @Test
    void aStaticImportCounts() {
      Source bad =
          Source.of(
              RESTART,
              """
              package dev.restartbot.restart;
              import static com.slack.api.model.block.Blocks.section;
              """);

      assertThat(violations(List.of(bad)))
          .singleElement()
          .asString()
          .startsWith(RESTART + ":2: import static com.slack.api.model.block.Blocks.section ")
          .endsWith(
              "only slack/ (and sandbox/, which stands in for Slack in dev) imports"
                  + " com.slack.*");
    }

    @Test
    void aWildcardImportCounts() {
      Source bad = Source.of(POLICY, "package dev.restartbot.policy;\nimport java.nio.file.*;\n");

      assertThat(violations(List.of(bad)))
          .singleElement()
          .asString()
          .startsWith(POLICY + ":2: import java.nio.file breaks the rule: policy/ is pure");
    }

    @Test
    void aQualifiedNameInCodeCountsOnTheLineWhereItIsWritten() {
      Source bad =
          Source.of(
              AUDIT,
              """
              package dev.restartbot.audit;

              class Bad {
                Object slack = com.slack.api.Slack.getInstance();
                Object state = dev.restartbot.restart.RequestState.PENDING;
                @io.fabric8.kubernetes.api.model.Namespaced Object namespaced;
              }
              """);

      assertThat(violations(List.of(bad)))
          .extracting(v -> v.substring(0, v.indexOf(" breaks")))
          .containsExactlyInAnyOrder(
              AUDIT + ":4: qualified name com.slack.api.Slack",
              AUDIT + ":5: qualified name dev.restartbot.restart.RequestState",
              AUDIT + ":6: qualified name io.fabric8.kubernetes.api.model.Namespaced");
    }

    @Test
    void namesInCommentsStringsAndTextBlocksAreNotUses() {
      Source quiet =
          Source.of(
              POLICY,
              """
              package dev.restartbot.policy;

              // import io.fabric8.kubernetes.client.KubernetesClient;
              /** Unlike {@link com.slack.api.Slack}, this
               * import java.io.File; is prose. */
              class Quiet {
                String category = "io.fabric8.mockwebserver.MockWebServer";
                char quote = '"';
                String escaped = "say \\"com.slack.api.Slack\\" here";
                String block = \"""
                    java.io.File and "com.slack.api.Slack"
                    \""";
                java.util.List<String> allowed = java.util.List.of();
              }
              """);

      assertThat(quiet.uses())
          .extracting(Use::name)
          .containsExactly("java.util.List", "java.util.List");
      assertThat(violations(List.of(quiet))).isEmpty();
    }

    @Test
    void eachPackageMayUseWhatItsRulesAllow() {
      List<Source> fine =
          List.of(
              Source.of(
                  SLACK,
                  """
                  package dev.restartbot.slack;
                  import com.slack.api.bolt.App;
                  import dev.restartbot.restart.RequestState;
                  """),
              Source.of(
                  RESTART,
                  """
                  package dev.restartbot.restart;
                  import io.fabric8.kubernetes.client.KubernetesClient;
                  import dev.restartbot.policy.Policy;
                  import dev.restartbot.audit.AuditLog;
                  """),
              Source.of(
                  "src/main/java/dev/restartbot/sandbox/Fine.java",
                  """
                  package dev.restartbot.sandbox;
                  import com.slack.api.Slack;
                  import io.fabric8.mockwebserver.MockWebServer;
                  import dev.restartbot.slack.SlackSettings;
                  """),
              Source.of(
                  POLICY,
                  """
                  package dev.restartbot.policy;
                  import io.smallrye.config.ConfigMapping;
                  import io.smallrye.config.WithDefault;
                  import java.time.Duration;
                  import java.util.regex.Pattern;
                  import static java.util.Map.entry;
                  """),
              Source.of(
                  AUDIT,
                  """
                  package dev.restartbot.audit;
                  import dev.restartbot.policy.Target;
                  import org.jboss.logging.Logger;
                  """));

      assertThat(violations(fine)).isEmpty();
    }

    @Test
    void theOneWayRulesHoldBetweenOurPackages() {
      List<Source> bad =
          List.of(
              Source.of(
                  AUDIT, "package dev.restartbot.audit;\nimport dev.restartbot.slack.Messages;\n"),
              Source.of(
                  RESTART,
                  "package dev.restartbot.restart;\nimport dev.restartbot.slack.Messages;\n"),
              Source.of(
                  SLACK,
                  "package dev.restartbot.slack;\nimport dev.restartbot.sandbox.SandboxSlack;\n"),
              Source.of(
                  POLICY,
                  "package dev.restartbot.policy;\nimport dev.restartbot.audit.AuditLog;\n"));

      assertThat(violations(bad))
          .extracting(v -> v.substring(v.indexOf("breaks the rule: ") + 17))
          .containsExactly(
              "audit/ does not depend on slack/ or restart/",
              "restart/ does not depend on slack/ (slack → restart, never back)",
              "nothing depends on sandbox/",
              "policy/ is pure logic with no I/O: it uses only java.util, java.time, java.math,"
                  + " java.text and SmallRye's config mapping annotations");
    }
  }
}
