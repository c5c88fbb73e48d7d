package dev.restartbot.slack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.restartbot.policy.Target;
import dev.restartbot.policy.WorkloadKind;
import dev.restartbot.restart.Selection;
import dev.restartbot.restart.Selector;
import dev.restartbot.testing.HostileInput;
import dev.restartbot.testing.HostileInput.Seed;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

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
  private static final String REASON_CHARS =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 .,:;!?()é€";

  /** The clusters the parser knows; the first is the default. */
  static final List<String> CLUSTERS = List.of("eu-prod", "us-prod", "staging");

  private final CommandParser parser =
      new CommandParser("default", MAX_TARGETS, CLUSTERS, CLUSTERS.get(0));

  /** A command built to be valid, with what it must parse to. */
  record WellFormed(List<String> words, List<Target> targets, Optional<String> reason) {
    String text() {
      return String.join(" ", words);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource(HostileInput.SEED)
  void anyTextGetsACommandOrASentenceAndNothingInvalidIsAccepted(Seed seed) {
    Map<String, Integer> mix = new TreeMap<>();

    seed.forEachCase(
        10_000,
        HostileInput::commandText,
        text -> {
          Command command = parser.parse(text);

          assertThat(command).isNotNull();
          mix.merge(command.getClass().getSimpleName(), 1, Integer::sum);
          if (command instanceof Command.Invalid invalid) {
            assertIsASentenceForTheUser(invalid.problem());
          } else if (command instanceof Command.Restart restart) {
            assertKubernetesAcceptsEveryTarget(restart);
          } else if (command instanceof Command.History history) {
            assertThat(history.limit()).isBetween(1, 50);
          } else if (command instanceof Command.RestartSelected selected) {
            assertKubernetesAcceptsTheSelection(selected.selection());
          } else {
            assertThat(command).isInstanceOf(Command.Help.class);
            assertThat(text.toLowerCase(Locale.ROOT).replaceAll("[^a-z]", "")).isEqualTo("help");
          }
        });

    // The mix must stay meaningful: plenty refused, and enough accepted to test what is accepted.
    assertThat(percentage(mix, "Invalid")).as("%% Invalid in %s, %s", mix, seed).isGreaterThan(50);
    assertThat(percentage(mix, "Restart")).as("%% Restart in %s, %s", mix, seed).isGreaterThan(3);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource(HostileInput.SEED)
  void wellFormedCommandsParseToExactlyTheTargetsGivenInOrder(Seed seed) {
    seed.forEachCase(
        2_000,
        CommandParserPropertyTest::wellFormed,
        command -> {
          Command parsed = parser.parse(command.text());

          assertThat(parsed).isInstanceOf(Command.Restart.class);
          Command.Restart restart = (Command.Restart) parsed;
          assertThat(restart.targets()).containsExactlyElementsOf(command.targets());
          assertThat(restart.reason()).isEqualTo(command.reason());
        });
  }

  /** A well-formed command, a word that spoils it, and where the word goes. */
  record Spoiled(WellFormed command, String bad, int position) {}

  @ParameterizedTest(name = "{0}")
  @MethodSource(HostileInput.SEED)
  void oneBadWordAnywhereRefusesTheWholeCommand(Seed seed) {
    seed.forEachCase(
        2_000,
        random ->
            new Spoiled(wellFormed(random), badWord(random), HostileInput.integer(random, 0, 50)),
        spoiled -> {
          List<String> words = new ArrayList<>(spoiled.command().words());
          words.add(Math.floorMod(spoiled.position(), words.size() + 1), spoiled.bad());

          Command parsed = parser.parse(String.join(" ", words));

          assertThat(parsed).isInstanceOf(Command.Invalid.class);
          assertIsASentenceForTheUser(((Command.Invalid) parsed).problem());
        });
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource(HostileInput.SEED)
  void moreTargetsThanTheLimitAreRefusedWhateverTheyAre(Seed seed) {
    seed.forEachCase(
        1_000,
        CommandParserPropertyTest::tooMany,
        names -> {
          Command parsed = parser.parse(String.join(" ", names));

          assertThat(parsed).isInstanceOf(Command.Invalid.class);
          assertThat(((Command.Invalid) parsed).problem()).contains("At most " + MAX_TARGETS);
        });
  }

  /** A selector command built to be valid, with the requirements it must parse to. */
  record SelectorCommand(String text, List<WorkloadKind> kinds, Selector selector) {}

  @ParameterizedTest(name = "{0}")
  @MethodSource(HostileInput.SEED)
  void wellFormedSelectorsParseToExactlyTheirRequirementsAndKinds(Seed seed) {
    seed.forEachCase(
        2_000,
        CommandParserPropertyTest::selectorCommand,
        command -> {
          Command parsed = parser.parse(command.text());

          assertThat(parsed).as(command.text()).isInstanceOf(Command.RestartSelected.class);
          Selection selection = ((Command.RestartSelected) parsed).selection();
          assertThat(selection.kinds()).containsExactlyElementsOf(command.kinds());
          assertThat(selection.selector()).isEqualTo(command.selector());
          assertKubernetesAcceptsTheSelection(selection);
        });
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource(HostileInput.SEED)
  void anySelectorTextGetsASelectionKubernetesAcceptsOrASentence(Seed seed) {
    Map<String, Integer> mix = new TreeMap<>();
    seed.forEachCase(
        5_000,
        random -> "-l " + quoted(hostileSelector(random)),
        text -> {
          Command command = parser.parse(text);

          mix.merge(command.getClass().getSimpleName(), 1, Integer::sum);
          if (command instanceof Command.Invalid invalid) {
            assertIsASentenceForTheUser(invalid.problem());
          } else {
            assertThat(command).as(text).isInstanceOf(Command.RestartSelected.class);
            assertKubernetesAcceptsTheSelection(((Command.RestartSelected) command).selection());
          }
        });
    assertThat(percentage(mix, "Invalid")).as("%% Invalid in %s, %s", mix, seed).isGreaterThan(30);
    assertThat(percentage(mix, "RestartSelected"))
        .as("%% RestartSelected in %s, %s", mix, seed)
        .isGreaterThan(10);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource(HostileInput.SEED)
  void aNameBesideASelectorIsAlwaysRefused(Seed seed) {
    seed.forEachCase(
        1_000,
        random -> selectorCommand(random).text() + " " + nameOtherThanAKind(random),
        text -> {
          Command parsed = parser.parse(text);

          assertThat(parsed).as(text).isInstanceOf(Command.Invalid.class);
          assertIsASentenceForTheUser(((Command.Invalid) parsed).problem());
        });
  }

  /**
   * Label keys and values written out again from the Kubernetes rules (not taken from the parser),
   * and a canonical form that reads back as the same selector.
   */
  private static void assertKubernetesAcceptsTheSelection(Selection selection) {
    assertThat(selection.kinds()).isNotEmpty().doesNotHaveDuplicates();
    assertThat(selection.namespace()).hasSizeLessThanOrEqualTo(63).matches(RFC1123_LABEL);
    for (Selector.Requirement r : selection.selector().requirements()) {
      int slash = r.key().indexOf('/');
      String name = slash < 0 ? r.key() : r.key().substring(slash + 1);
      if (slash >= 0) {
        assertThat(r.key().substring(0, slash))
            .hasSizeLessThanOrEqualTo(253)
            .matches(RFC1123_SUBDOMAIN);
      }
      assertThat(name).hasSizeBetween(1, 63).matches(LABEL_NAME);
      for (String value : r.values()) {
        assertThat(value).hasSizeLessThanOrEqualTo(63);
        if (!value.isEmpty()) {
          assertThat(value).matches(LABEL_NAME);
        }
      }
    }
    String canonical = selection.selector().toString();
    assertThat(Selector.parse(canonical))
        .isEqualTo(new Selector.Parsed.Valid(selection.selector()));
  }

  private static final Pattern LABEL_NAME =
      Pattern.compile("([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]");
  private static final String LABEL_CHARS =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.";

  /** A valid command with a selector of 1 to 5 requirements, written in one of the ways allowed. */
  static SelectorCommand selectorCommand(Random random) {
    List<Selector.Requirement> requirements = new ArrayList<>();
    List<String> written = new ArrayList<>();
    for (int i = HostileInput.integer(random, 1, 5); i > 0; i--) {
      String key =
          (random.nextInt(4) == 0 ? HostileInput.label(random, 20) + ".io/" : "")
              + labelName(random);
      Selector.Operator op = HostileInput.pick(random, Selector.Operator.values());
      List<String> values =
          switch (op) {
            case EQUALS, NOT_EQUALS -> List.of(labelValue(random));
            case IN, NOT_IN -> {
              Set<String> set = new LinkedHashSet<>();
              for (int v = HostileInput.integer(random, 1, 4); v > 0; v--) {
                set.add(labelName(random));
              }
              yield List.copyOf(set);
            }
            case EXISTS, DOES_NOT_EXIST -> List.of();
          };
      requirements.add(new Selector.Requirement(key, op, values));
      String blank = random.nextBoolean() ? "" : " ";
      written.add(
          switch (op) {
            case EQUALS ->
                key + blank + HostileInput.pick(random, "=", "==") + blank + values.get(0);
            case NOT_EQUALS -> key + blank + "!=" + blank + values.get(0);
            case IN -> key + " in " + blank + "(" + String.join("," + blank, values) + ")";
            case NOT_IN -> key + " notin" + blank + "(" + String.join(",", values) + blank + ")";
            case EXISTS -> blank + key;
            case DOES_NOT_EXIST -> "!" + blank + key;
          });
    }
    List<WorkloadKind> kinds = new ArrayList<>();
    for (WorkloadKind kind : WorkloadKind.values()) {
      if (random.nextInt(3) == 0) {
        kinds.add(kind);
      }
    }
    List<String> words =
        new ArrayList<>(
            kinds.stream()
                .map(
                    k ->
                        HostileInput.randomCase(
                            random, random.nextBoolean() ? k.plural() : k.singular()))
                .toList());
    String selector = String.join(",", written);
    String flag =
        switch (random.nextInt(4)) {
          case 0 -> "-l " + quoted(selector);
          case 1 -> "--selector " + quoted(selector);
          case 2 -> "-l=" + quoted(selector);
          default -> "--selector=" + quoted(selector);
        };
    words.add(HostileInput.integer(random, 0, words.size()), flag);
    return new SelectorCommand(
        String.join(" ", words),
        kinds.isEmpty() ? List.of(WorkloadKind.DEPLOYMENT) : kinds,
        new Selector(requirements));
  }

  private static String quoted(String selector) {
    return selector.contains("'") ? "\"" + selector + "\"" : "'" + selector + "'";
  }

  private static String labelName(Random random) {
    String name;
    do {
      name = HostileInput.stringOf(random, LABEL_CHARS, 1, random.nextInt(10) == 0 ? 63 : 12);
    } while (!LABEL_NAME.matcher(name).matches() || name.equals("in") || name.equals("notin"));
    return name;
  }

  private static String labelValue(Random random) {
    return random.nextInt(10) == 0 ? "" : labelName(random);
  }

  /** A selector that may be valid, spoiled in one place, or anything at all. */
  private static String hostileSelector(Random random) {
    String valid = selectorCommand(random).text();
    String selector = valid.substring(valid.indexOf('\'') + 1, valid.lastIndexOf('\''));
    if (selector.contains("'") || selector.isEmpty()) {
      selector = "app=web";
    }
    return switch (random.nextInt(4)) {
      case 0 -> selector;
      case 1 -> {
        int at = random.nextInt(selector.length() + 1);
        yield selector.substring(0, at)
            + HostileInput.pick(
                random,
                "(",
                ")",
                ",",
                "=",
                "!",
                ">",
                "<",
                " ",
                "in",
                "$",
                "é",
                "\u202e",
                "a".repeat(64))
            + selector.substring(at);
      }
      case 2 -> HostileInput.anyString(random, 0, 30).replace("'", "");
      default -> "x".repeat(random.nextInt(3) == 0 ? 1001 : 64) + "=y";
    };
  }

  private static double percentage(Map<String, Integer> mix, String kind) {
    int all = mix.values().stream().mapToInt(Integer::intValue).sum();
    return 100.0 * mix.getOrDefault(kind, 0) / all;
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

  /**
   * A command built to be valid: up to the limit of distinct targets in one namespace, each kind
   * spelled one of its ways, and the namespace (and, mostly, a reason) as flags among them.
   */
  static WellFormed wellFormed(Random random) {
    String namespace = HostileInput.label(random, 63);
    Optional<String> cluster =
        random.nextInt(3) == 0
            ? Optional.empty()
            : Optional.of(CLUSTERS.get(random.nextInt(CLUSTERS.size())));
    String in = cluster.orElse(CLUSTERS.get(0));
    List<Target> targets =
        uniqueByKey(
            random,
            1,
            MAX_TARGETS,
            r ->
                new Target(
                    in,
                    HostileInput.pick(r, WorkloadKind.values()),
                    namespace,
                    nameOtherThanAWord(r)));
    Optional<String> reason =
        random.nextInt(20) == 0 ? Optional.empty() : Optional.of(reason(random));
    int flagsAt = HostileInput.integer(random, 0, MAX_TARGETS);
    boolean inline = random.nextBoolean();

    List<String> words =
        new ArrayList<>(targets.stream().map(CommandParserPropertyTest::spell).toList());
    List<String> flags = new ArrayList<>();
    flags.add(inline ? "--namespace=" + namespace : "-n " + namespace);
    cluster.ifPresent(c -> flags.add(inline ? "--cluster=" + c : "--cluster " + c));
    reason.ifPresent(r -> flags.add(inline ? "--reason=\"" + r + "\"" : "--reason '" + r + "'"));
    words.addAll(Math.min(flagsAt, words.size()), flags);
    return new WellFormed(words, targets, reason);
  }

  /** A reason as people write one: letters, digits, punctuation, an accent, a currency sign. */
  private static String reason(Random random) {
    String reason;
    do {
      reason = HostileInput.stringOf(random, REASON_CHARS, 1, 80).strip();
    } while (reason.isEmpty());
    return reason;
  }

  /** Distinct targets (by key), as many as drawn between {@code min} and {@code max}. */
  private static List<Target> uniqueByKey(
      Random random, int min, int max, Function<Random, Target> target) {
    int size = HostileInput.size(random, min, max);
    Map<String, Target> byKey = new LinkedHashMap<>();
    while (byKey.size() < size) {
      Target next = target.apply(random);
      byKey.putIfAbsent(next.key(), next);
    }
    return List.copyOf(byKey.values());
  }

  /** A valid name that the grammar does not read as a word of its own. */
  private static String nameOtherThanAWord(Random random) {
    String name;
    do {
      name = HostileInput.validName(random);
    } while (name.equals("help") || name.equals("history"));
    return name;
  }

  /** A valid name that is not also a kind, which a selector would take as one. */
  private static String nameOtherThanAKind(Random random) {
    String name;
    do {
      name = nameOtherThanAWord(random);
    } while (WorkloadKind.parse(name).isPresent());
    return name;
  }

  /** Every spelling of a kind the grammar accepts, chosen by the name's hash. */
  private static String spell(Target target) {
    List<String> spellings =
        switch (target.kind()) {
          case DEPLOYMENT -> List.of("", "deploy/", "Deployment/", "deployments/");
          case STATEFULSET -> List.of("sts/", "StatefulSet/", "statefulsets/");
          case DAEMONSET -> List.of("ds/", "DaemonSet/", "DAEMONSETS/");
          case ROLLOUT -> List.of("ro/", "Rollout/", "ROLLOUTS/");
        };
    return spellings.get(Math.floorMod(target.name().hashCode(), spellings.size())) + target.name();
  }

  /** A word that spoils any command, wherever it stands. */
  static String badWord(Random random) {
    return switch (random.nextInt(4)) {
      case 0 -> {
        String word;
        do {
          word = HostileInput.oddWord(random);
        } while (!cannotBeValidAnywhere(word));
        yield word;
      }
      case 1 -> HostileInput.validName(random).toUpperCase(Locale.ROOT) + "X";
      case 2 -> "pods/" + HostileInput.validName(random);
      default ->
          HostileInput.pick(
              random,
              "--bogus",
              "-x",
              "-n",
              "deploy/",
              "/",
              "&lt;",
              "--cluster=nowhere",
              "--cluster=EU-PROD",
              "--cluster");
    };
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

  /** More than {@link #MAX_TARGETS} distinct valid names, up to 300. */
  static List<String> tooMany(Random random) {
    int size = HostileInput.size(random, MAX_TARGETS + 1, 300);
    Set<String> names = new LinkedHashSet<>();
    while (names.size() < size) {
      names.add(nameOtherThanAWord(random));
    }
    return List.copyOf(names);
  }
}
