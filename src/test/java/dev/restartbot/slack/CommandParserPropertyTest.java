package dev.restartbot.slack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.restartbot.policy.Target;
import dev.restartbot.policy.WorkloadKind;
import dev.restartbot.testing.HostileInput;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

/**
 * The {@code /restart} grammar under generated input: whatever is typed, the parser answers with a
 * command or a sentence for the user, and what it accepts is always something Kubernetes accepts.
 */
class CommandParserPropertyTest {

  static final int MAX_TARGETS = 20;
  // Written out again, not taken from the parser: the property checks the parser's own pattern.
  private static final Pattern RFC1123_SUBDOMAIN =
      Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
  private static final Pattern RFC1123_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
  private static final String PARSER_BUG = "I could not understand that command.";

  private final CommandParser parser = new CommandParser("default", MAX_TARGETS);

  /** A command built to be valid, with what it must parse to. */
  record WellFormed(List<String> words, List<Target> targets, Optional<String> reason) {
    String text() {
      return String.join(" ", words);
    }
  }

  @Property(tries = 10_000)
  void anyTextGetsACommandOrASentenceAndNothingInvalidIsAccepted(
      @ForAll("commandTexts") String text) {
    Command command = parser.parse(text);

    assertThat(command).isNotNull();
    Statistics.collect(command.getClass().getSimpleName());
    // The mix must stay meaningful: plenty refused, and enough accepted to test what is accepted.
    Statistics.coverage(
        check -> {
          check.check("Invalid").percentage(p -> p > 50);
          check.check("Restart").percentage(p -> p > 3);
        });
    if (command instanceof Command.Invalid invalid) {
      assertIsASentenceForTheUser(invalid.problem());
    } else if (command instanceof Command.Restart restart) {
      assertKubernetesAcceptsEveryTarget(restart);
    } else if (command instanceof Command.History history) {
      assertThat(history.limit()).isBetween(1, 50);
    } else {
      assertThat(command).isInstanceOf(Command.Help.class);
      assertThat(text.toLowerCase(Locale.ROOT).replaceAll("[^a-z]", "")).isEqualTo("help");
    }
  }

  @Property(tries = 2_000)
  void wellFormedCommandsParseToExactlyTheTargetsGivenInOrder(
      @ForAll("wellFormed") WellFormed command) {
    Command parsed = parser.parse(command.text());

    assertThat(parsed).isInstanceOf(Command.Restart.class);
    Command.Restart restart = (Command.Restart) parsed;
    assertThat(restart.targets()).containsExactlyElementsOf(command.targets());
    assertThat(restart.reason()).isEqualTo(command.reason());
  }

  @Property(tries = 2_000)
  void oneBadWordAnywhereRefusesTheWholeCommand(
      @ForAll("wellFormed") WellFormed command,
      @ForAll("badWords") String bad,
      @ForAll("positions") int position) {
    List<String> words = new ArrayList<>(command.words());
    words.add(Math.floorMod(position, words.size() + 1), bad);

    Command parsed = parser.parse(String.join(" ", words));

    assertThat(parsed).isInstanceOf(Command.Invalid.class);
    assertIsASentenceForTheUser(((Command.Invalid) parsed).problem());
  }

  @Property(tries = 1_000)
  void moreTargetsThanTheLimitAreRefusedWhateverTheyAre(@ForAll("tooMany") List<String> names) {
    Command parsed = parser.parse(String.join(" ", names));

    assertThat(parsed).isInstanceOf(Command.Invalid.class);
    assertThat(((Command.Invalid) parsed).problem()).contains("At most " + MAX_TARGETS);
  }

  private static void assertKubernetesAcceptsEveryTarget(Command.Restart restart) {
    assertThat(restart.targets()).isNotEmpty().hasSizeLessThanOrEqualTo(MAX_TARGETS);
    assertThat(new HashSet<>(restart.targets().stream().map(Target::key).toList()))
        .hasSameSizeAs(restart.targets());
    for (Target target : restart.targets()) {
      assertThat(target.kind()).isIn((Object[]) WorkloadKind.values());
      assertThat(target.name()).hasSizeLessThanOrEqualTo(253).matches(RFC1123_SUBDOMAIN);
      assertThat(target.namespace()).hasSizeLessThanOrEqualTo(63).matches(RFC1123_LABEL);
      assertThat(target.namespace()).isEqualTo(restart.targets().get(0).namespace());
    }
    restart
        .reason()
        .ifPresent(
            reason -> {
              assertThat(reason).isNotBlank();
              assertThat(reason.codePointCount(0, reason.length())).isLessThanOrEqualTo(500);
              assertThat(reason.codePoints()).noneMatch(Character::isISOControl);
              assertThat(reason).doesNotContain("\u202E", "\u2028", "\u2029");
            });
  }

  /**
   * What goes back to the user: one or two sentences, not a crash report, with nothing that would
   * break Slack's mrkdwn or hide text (the parser spells such characters out).
   */
  private static void assertIsASentenceForTheUser(String problem) {
    assertThat(problem).isNotBlank().isNotEqualTo(PARSER_BUG).hasSizeLessThan(400);
    assertThat(problem.codePoints()).noneMatch(Character::isISOControl);
    assertThat(problem).doesNotContain("Exception", "\u202E", "<@", "<!");
    assertThat(problem.chars().filter(c -> c == '`').count() % 2).isZero();
  }

  @Provide
  Arbitrary<String> commandTexts() {
    return HostileInput.commandText();
  }

  @Provide
  Arbitrary<WellFormed> wellFormed() {
    Arbitrary<Target> target =
        Combinators.combine(
                Arbitraries.of(WorkloadKind.class),
                Arbitraries.of("", "deploy/", "Deployment/", "STS/", "ds/", "daemonsets/"),
                HostileInput.validName().filter(n -> !n.equals("help") && !n.equals("history")))
            .as((kind, spelling, name) -> new Target(kind, "ns", name));
    Arbitrary<List<Target>> targets =
        target.list().ofMinSize(1).ofMaxSize(MAX_TARGETS).uniqueElements(Target::key);
    Arbitrary<String> namespace = HostileInput.label(63);
    Arbitrary<Optional<String>> reason =
        Arbitraries.strings()
            .alpha()
            .numeric()
            .withChars(" .,:;!?()é€")
            .ofMinLength(1)
            .ofMaxLength(80)
            .map(String::strip)
            .filter(r -> !r.isEmpty())
            .optional();
    Arbitrary<Integer> flagsAt = Arbitraries.integers().between(0, MAX_TARGETS);
    Arbitrary<Boolean> inline = Arbitraries.of(true, false);
    return Combinators.combine(targets, namespace, reason, flagsAt, inline)
        .as(
            (list, ns, why, at, eq) -> {
              List<Target> inNamespace =
                  list.stream().map(t -> new Target(t.kind(), ns, t.name())).toList();
              List<String> words =
                  new ArrayList<>(
                      inNamespace.stream().map(CommandParserPropertyTest::spell).toList());
              int place = Math.min(at, words.size());
              List<String> flags = new ArrayList<>();
              flags.add(eq ? "--namespace=" + ns : "-n " + ns);
              why.ifPresent(r -> flags.add(eq ? "--reason=\"" + r + "\"" : "--reason '" + r + "'"));
              words.addAll(place, flags);
              return new WellFormed(words, inNamespace, why);
            });
  }

  /** Every spelling of a kind the grammar accepts, chosen by the name's hash. */
  private static String spell(Target target) {
    List<String> spellings =
        switch (target.kind()) {
          case DEPLOYMENT -> List.of("", "deploy/", "Deployment/", "deployments/");
          case STATEFULSET -> List.of("sts/", "StatefulSet/", "statefulsets/");
          case DAEMONSET -> List.of("ds/", "DaemonSet/", "DAEMONSETS/");
        };
    return spellings.get(Math.floorMod(target.name().hashCode(), spellings.size())) + target.name();
  }

  @Provide
  Arbitrary<String> badWords() {
    return Arbitraries.oneOf(
        HostileInput.oddWord().filter(CommandParserPropertyTest::cannotBeValidAnywhere),
        HostileInput.validName().map(n -> n.toUpperCase(Locale.ROOT) + "X"),
        HostileInput.validName().map(n -> "pods/" + n),
        Arbitraries.of("--bogus", "-x", "-n", "deploy/", "/", "&lt;"));
  }

  /**
   * A word that no context can make valid: a control character the parser refuses outright, or one
   * word (no blanks to split it) with a character the grammar has no place for.
   */
  static boolean cannotBeValidAnywhere(String word) {
    boolean refusedControl =
        word.chars().anyMatch(c -> Character.isISOControl(c) && c != '\t' && c != '\n');
    boolean oneWord =
        !word.isEmpty()
            && word.chars().noneMatch(c -> Character.isWhitespace(c) || Character.isSpaceChar(c));
    boolean foreign =
        word.chars().anyMatch(c -> "abcdefghijklmnopqrstuvwxyz0123456789-./=".indexOf(c) < 0);
    return refusedControl || (oneWord && foreign);
  }

  @Provide
  Arbitrary<Integer> positions() {
    return Arbitraries.integers().between(0, 50);
  }

  @Provide
  Arbitrary<List<String>> tooMany() {
    return HostileInput.validName()
        .filter(n -> !n.equals("help") && !n.equals("history"))
        .list()
        .ofMinSize(MAX_TARGETS + 1)
        .ofMaxSize(300)
        .uniqueElements();
  }
}
