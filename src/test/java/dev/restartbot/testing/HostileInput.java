package dev.restartbot.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.TestInfo;

/**
 * Seeded generators of what people (and attackers) may type after {@code /restart}: valid names and
 * kinds beside upper case, lookalike and invisible Unicode, control characters, unbalanced quotes,
 * path tricks, unknown kinds, flags in odd places, Slack's escapes and mentions, very long names
 * and too many targets. Shared by the parser's property tests and the end-to-end abuse test.
 *
 * <p>Every generator draws from the {@link Random} it is given and from nothing else, so one seed
 * fixes a whole sequence of inputs. A property test is a {@code @ParameterizedTest} over {@link
 * #SEED}: it gets one {@link Seed}, prints it as one line such as {@code
 * CommandParserPropertyTest.anyText… seed=42 (replay with -Drestartbot.seed=42)}, and runs its
 * cases with {@link Seed#forEachCase}, whose failure message names the case, the seed and the
 * input. Each run draws a fresh seed; the system property {@value #SEED_PROPERTY} fixes it, so that
 * {@code ./mvnw test -Dtest=CommandParserPropertyTest -Drestartbot.seed=42} replays exactly the
 * cases of that run (the abuse test reads the same property).
 *
 * <p>Distributions: a choice among alternatives is uniform unless weights are given; lengths and
 * list sizes are mostly short (when the range is wider than 32, nine draws in ten fall within 32 of
 * the minimum, one in a hundred is the maximum); "any character" is uniform over all UTF-16 code
 * units, lone surrogates included, with one in twenty an edge character ({@code U+0000}, space,
 * {@code U+FFFF}); one string in twenty-five is an edge string (empty, or edge characters only);
 * integers are uniform with one in twenty at the bounds; one command text in eight is one of the
 * simplest commands (a shortest or longest name, a bare flag, one odd word).
 */
public final class HostileInput {

  /** The system property that fixes the seed of every property run. */
  public static final String SEED_PROPERTY = "restartbot.seed";

  /** The {@code @MethodSource} of a property test: one {@link Seed}, see {@link #seed}. */
  public static final String SEED = "dev.restartbot.testing.HostileInput#seed";

  private static final String LOWER_ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789";
  private static final String ALNUM =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  private static final String WHITESPACE =
      IntStream.rangeClosed(Character.MIN_VALUE, Character.MAX_VALUE)
          .filter(Character::isWhitespace)
          .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append)
          .toString();
  private static final char[] EDGE_CHARS = {'\u0000', ' ', '\uFFFF'};
  private static final int SHORT = 32;

  private HostileInput() {}

  // --- commands

  private static final String[] KINDS = {
    "deployment",
    "deployments",
    "deploy",
    "statefulset",
    "statefulsets",
    "sts",
    "daemonset",
    "daemonsets",
    "ds"
  };
  private static final String[] OTHER_KINDS = {
    "pods", "pod", "svc", "cronjob", "replicaset", "rs", "job", "", "..", "deploy "
  };
  private static final String[] BARE_FLAGS = {
    "-n",
    "--namespace",
    "--reason",
    "-",
    "--",
    "-N",
    "--bogus",
    "-x",
    "--namespace=",
    "-n=",
    "--reason=",
    "\u2014reason",
    "\u2013n"
  };
  private static final String[] ODD_WORDS = {
    "../x",
    "..",
    ".",
    "/",
    "a/b/c",
    "/payments-api",
    "deploy/",
    "payments-api.",
    "-payments",
    "payments_api",
    "\"",
    "'",
    "\u201c",
    "a\"}}",
    "&lt;script&gt;",
    "&amp;lt;",
    "<@U0LEAD>",
    "<#C0OPS|ops>",
    "<https://example.com|x>",
    "<!here>",
    "payments\u2011api",
    "p\u0430yments-api",
    "payments-api\u200B",
    "\uD83D\uDE80",
    "\uD800",
    "e\u0301",
    "\u202Epayments",
    "\u0000",
    "\u001b[31m",
    "\u007f",
    "\r"
  };
  private static final String[] HELP_WORDS = {"help", "HELP", "history", "History", "hıstory"};

  /** The shortest and the longest valid names, with and without a dot. */
  private static final String[] EDGE_NAMES = {"a", "0", "aa", "a.a", "a".repeat(253)};

  /** A DNS-1123 label: lower-case letters, digits and inner '-', 1 to {@code max} characters. */
  public static String label(Random random, int max) {
    if (random.nextBoolean()) {
      return String.valueOf(oneCharOf(random, LOWER_ALNUM));
    }
    return oneCharOf(random, LOWER_ALNUM)
        + stringOf(random, LOWER_ALNUM + "-", 0, Math.max(0, max - 2))
        + oneCharOf(random, LOWER_ALNUM);
  }

  /** A valid Kubernetes object name (DNS-1123 subdomain), including ones at the length limit. */
  public static String validName(Random random) {
    if (random.nextInt(4) < 3) {
      return String.join(".", listOf(random, 1, 4, r -> label(r, 20)));
    }
    return "a".repeat(integer(random, 240, 253));
  }

  /** One word of a command: valid, hostile, or something in between. */
  public static String token(Random random) {
    return switch (random.nextInt(10)) {
      case 0, 1 -> validName(random);
      case 2 -> kind(random) + "/" + validName(random);
      case 3 -> kind(random) + "/" + oddWord(random);
      case 4 -> randomCase(random, validName(random));
      case 5, 6 -> flag(random);
      case 7, 8 -> oddWord(random);
      default ->
          pick(random, HELP_WORDS)
              + pick(random, "", " 0", " 1", " 50", " 51", " -1", " 999", " x", " 1 2");
    };
  }

  /** A kind before a '/': one the grammar knows in any case, one it does not, or anything. */
  private static String kind(Random random) {
    return switch (random.nextInt(3)) {
      case 0 -> randomCase(random, pick(random, KINDS));
      case 1 -> pick(random, OTHER_KINDS);
      default -> anyString(random, 0, 12);
    };
  }

  /** Flags, well-formed or not, with or without values. */
  public static String flag(Random random) {
    return switch (random.nextInt(7)) {
      case 0 -> pick(random, BARE_FLAGS);
      case 1 -> "-n " + flagValue(random);
      case 2 -> "--namespace=" + flagValue(random);
      case 3 -> "-n=" + flagValue(random);
      case 4 -> "--reason \"" + reason(random) + "\"";
      case 5 -> "--reason=\u201c" + reason(random) + "\u201d";
      default -> "--reason '" + reason(random);
    };
  }

  private static String flagValue(Random random) {
    return switch (random.nextInt(4)) {
      case 0 -> label(random, 63);
      case 1 -> label(random, 70);
      case 2 -> pick(random, "", "KUBE-SYSTEM", "../kube-system", "default", "\"quoted ns\"");
      default -> anyString(random, 0, 10);
    };
  }

  private static String reason(Random random) {
    return switch (random.nextInt(3)) {
      case 0 -> anyString(random, 0, 40);
      case 1 -> stringOf(random, ALNUM + WHITESPACE, 0, 600);
      default -> pick(random, "\u202Eevil", "line\nbreak", "\u0000", "<!channel>", "`code`");
    };
  }

  /**
   * What Slack's mrkdwn would read as formatting, a link or a mention, if a text showed it raw:
   * bare URLs, {@code #channel}, {@code @here}, {@code <!channel>}, {@code *_~} and backticks.
   */
  private static final String[] MRKDWN = {
    "https://evil.example/login",
    "www.example.com",
    "#general",
    "@here",
    "@channel",
    "<!channel>",
    "<!here|here>",
    "<@U0LEAD>",
    "<#C0OPS|ops>",
    "<https://evil.example|click me>",
    "<!subteam^S0LEADS>",
    "<!date^0^{date}|x>",
    "*approved*",
    "_urgent_",
    "~denied~",
    "`",
    "``",
    "```",
    "`code`",
    "```block```",
    "> quoted",
    ":rotating_light:",
    "&amp;",
    "&lt;!here&gt;",
    "&",
    "<",
    ">",
    "|",
    "\\`"
  };

  /**
   * A text a person or a workload may choose (a reason, an image name) that mrkdwn would restyle:
   * one to five pieces of {@link #MRKDWN}, ordinary words and any characters, joined by nothing or
   * by spaces.
   */
  public static String mrkdwn(Random random) {
    StringBuilder text = new StringBuilder();
    int pieces = integer(random, 1, 5);
    for (int i = 0; i < pieces; i++) {
      text.append(
          switch (random.nextInt(4)) {
            case 0, 1 -> pick(random, MRKDWN);
            case 2 -> stringOf(random, ALNUM, 1, 8);
            default -> anyString(random, 1, 6);
          });
      text.append(pick(random, "", " ", " ", "*", "_", "~"));
    }
    return text.toString();
  }

  /** Words no valid command contains. */
  public static String oddWord(Random random) {
    return switch (random.nextInt(5)) {
      case 0 -> pick(random, ODD_WORDS);
      case 1 -> stringOfRange(random, '\u0000', '\u001f', 1, 4);
      case 2 -> anyString(random, 1, 20);
      case 3 -> "a".repeat(integer(random, 254, 5000));
      default -> anyString(random, 300, 1200);
    };
  }

  /**
   * A whole command text: mostly words and separators, sometimes anything at all, and one text in
   * eight {@linkplain #edgeCommand one of the simplest}.
   */
  public static String commandText(Random random) {
    if (random.nextInt(8) == 0) {
      return edgeCommand(random);
    }
    int roll = random.nextInt(18);
    if (roll < 12) {
      StringBuilder text = new StringBuilder();
      int words = size(random, 0, 25);
      for (int i = 0; i < words; i++) {
        text.append(token(random))
            .append(pick(random, " ", " ", " ", "  ", "\t", "\n", "\u00A0", "\u3000", ""));
      }
      return text.toString();
    }
    if (roll < 14) {
      return String.join(" ", listOf(random, 21, 200, HostileInput::validName));
    }
    if (roll < 17) {
      return anyString(random, 0, 300);
    }
    return pick(random, "", " ", "\n", "\t\t");
  }

  /**
   * The simplest commands of each sort: nothing, the shortest or longest name alone or after a
   * kind, one bare flag, one odd word, or a help or history word. Without them a valid command
   * would be rare among the texts, since one bad word among many refuses the whole command.
   */
  private static String edgeCommand(Random random) {
    return switch (random.nextInt(7)) {
      case 0 -> "";
      case 1, 2 -> pick(random, EDGE_NAMES);
      case 3 -> randomCase(random, pick(random, KINDS)) + "/" + pick(random, EDGE_NAMES);
      case 4 -> pick(random, BARE_FLAGS);
      case 5 -> pick(random, ODD_WORDS);
      default -> pick(random, HELP_WORDS);
    };
  }

  /** {@code word} as it is, in upper case, or capitalised. */
  public static String randomCase(Random random, String word) {
    return switch (random.nextInt(3)) {
      case 0 -> word;
      case 1 -> word.toUpperCase(Locale.ROOT);
      default ->
          word.isEmpty() ? word : word.substring(0, 1).toUpperCase(Locale.ROOT) + word.substring(1);
    };
  }

  // --- building blocks

  /** Any UTF-16 code unit, lone surrogates included, edge characters more often. */
  public static char anyChar(Random random) {
    if (random.nextInt(20) == 0) {
      return EDGE_CHARS[random.nextInt(EDGE_CHARS.length)];
    }
    return (char) random.nextInt(Character.MAX_VALUE + 1);
  }

  /** Any string of {@code min} to {@code max} code units, see {@link #anyChar}. */
  public static String anyString(Random random, int min, int max) {
    if (random.nextInt(25) == 0) {
      char edge = EDGE_CHARS[random.nextInt(EDGE_CHARS.length)];
      return min == 0 && random.nextBoolean() ? "" : String.valueOf(edge).repeat(Math.max(min, 1));
    }
    int length = size(random, min, max);
    StringBuilder out = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      out.append(anyChar(random));
    }
    return out.toString();
  }

  /** A string of {@code min} to {@code max} characters, each drawn uniformly from {@code chars}. */
  public static String stringOf(Random random, String chars, int min, int max) {
    int length = size(random, min, max);
    StringBuilder out = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      out.append(oneCharOf(random, chars));
    }
    return out.toString();
  }

  private static String stringOfRange(Random random, char first, char last, int min, int max) {
    int length = size(random, min, max);
    StringBuilder out = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      out.append((char) (first + random.nextInt(last - first + 1)));
    }
    return out.toString();
  }

  /** One character of {@code chars}, uniformly. */
  public static char oneCharOf(Random random, String chars) {
    return chars.charAt(random.nextInt(chars.length()));
  }

  /** {@code min} to {@code max} elements, each drawn by {@code element}. */
  public static <T> List<T> listOf(
      Random random, int min, int max, Function<Random, ? extends T> element) {
    int size = size(random, min, max);
    List<T> out = new ArrayList<>(size);
    for (int i = 0; i < size; i++) {
      out.add(element.apply(random));
    }
    return out;
  }

  /**
   * A length or a list size from {@code min} to {@code max}, mostly short: past 32 values of range,
   * nine in ten within 32 of {@code min} and one in a hundred exactly {@code max}.
   */
  public static int size(Random random, int min, int max) {
    if (max - min <= SHORT) {
      return between(random, min, max);
    }
    double roll = random.nextDouble();
    if (roll < 0.01) {
      return max;
    }
    if (roll < 0.11) {
      return between(random, min + SHORT + 1, max);
    }
    return between(random, min, min + SHORT);
  }

  /** An integer from {@code min} to {@code max}: one in twenty a bound, otherwise uniform. */
  public static int integer(Random random, int min, int max) {
    if (random.nextInt(20) == 0) {
      return random.nextBoolean() ? min : max;
    }
    return between(random, min, max);
  }

  private static int between(Random random, int min, int max) {
    return min + random.nextInt(max - min + 1);
  }

  /** One of {@code options}, uniformly. */
  @SafeVarargs
  public static <T> T pick(Random random, T... options) {
    return options[random.nextInt(options.length)];
  }

  // --- seeds

  /**
   * The {@code @MethodSource} behind {@link #SEED}: the one {@link Seed} of the parameterised
   * property being run, named after it and printed.
   */
  public static Stream<Seed> seed(TestInfo test) {
    return Stream.of(Seed.forTest(test));
  }

  /**
   * The seed of one run: the one {@value #SEED_PROPERTY} gives, or a fresh one. Its {@code
   * toString} is what a report shows beside the property.
   */
  public record Seed(String name, long value) {

    /** Failure messages show at most this much of an input; the seed replays all of it. */
    private static final int SHOWN = 2_000;

    /** A seed for the test {@code test} describes, printed as one line. */
    public static Seed forTest(TestInfo test) {
      String name =
          test.getTestClass().map(Class::getSimpleName).orElse("")
              + test.getTestMethod().map(method -> "." + method.getName()).orElse("");
      return named(name);
    }

    /** A seed for the run named {@code name}, printed as one line. */
    public static Seed named(String name) {
      Long fixed = Long.getLong(SEED_PROPERTY);
      Seed seed = new Seed(name, fixed != null ? fixed : new Random().nextLong());
      System.out.println(name + " " + seed);
      return seed;
    }

    /** A new source of randomness that starts this seed's sequence from the beginning. */
    public Random random() {
      return new Random(value);
    }

    /**
     * Checks {@code property} on {@code cases} inputs drawn in turn from one {@link #random()};
     * stops at the first that fails, with a message naming the case, this seed and the input.
     */
    public <T> void forEachCase(
        int cases, Function<Random, ? extends T> generator, Consumer<? super T> property) {
      Random random = random();
      for (int i = 1; i <= cases; i++) {
        T input = generator.apply(random);
        try {
          property.accept(input);
        } catch (AssertionError | RuntimeException e) {
          throw new AssertionError(
              "%s failed on case %d of %d, %s%ninput: %s%n%s"
                  .formatted(name, i, cases, this, show(input), e.getMessage()),
              e);
        }
      }
    }

    /** The input as Java would write it, cut short when long. */
    public static String show(Object input) {
      String text = String.valueOf(input);
      String shown = text.length() > SHOWN ? text.substring(0, SHOWN) : text;
      StringBuilder out = new StringBuilder("\"");
      for (int i = 0; i < shown.length(); i++) {
        char c = shown.charAt(i);
        out.append(
            c >= 0x20 && c < 0x7f && c != '"' && c != '\\'
                ? String.valueOf(c)
                : String.format(Locale.ROOT, "\\u%04X", (int) c));
      }
      out.append('"');
      if (shown.length() < text.length()) {
        out.append(" … (%d more characters)".formatted(text.length() - shown.length()));
      }
      return out.toString();
    }

    @Override
    public String toString() {
      return "seed=%d (replay with -D%s=%d)".formatted(value, SEED_PROPERTY, value);
    }
  }
}
