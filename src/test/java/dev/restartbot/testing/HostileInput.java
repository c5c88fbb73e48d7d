package dev.restartbot.testing;

import java.util.List;
import java.util.Locale;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

/**
 * Generators of what people (and attackers) may type after {@code /restart}: valid names and kinds
 * beside upper case, lookalike and invisible Unicode, control characters, unbalanced quotes, path
 * tricks, unknown kinds, flags in odd places, Slack's escapes and mentions, very long names and too
 * many targets. Shared by the parser's property tests and the end-to-end abuse test.
 */
public final class HostileInput {

  private static final String LOWER_ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789";

  private HostileInput() {}

  /** A DNS-1123 label: lower-case letters, digits and inner '-', 1 to {@code max} characters. */
  public static Arbitrary<String> label(int max) {
    Arbitrary<Character> edge = Arbitraries.of(LOWER_ALNUM.toCharArray()).map(c -> c);
    Arbitrary<String> inner =
        Arbitraries.strings().withChars(LOWER_ALNUM + "-").ofMaxLength(Math.max(0, max - 2));
    return Arbitraries.oneOf(
        edge.map(String::valueOf),
        Combinators.combine(edge, inner, edge).as((a, mid, b) -> a + mid + b));
  }

  /** A valid Kubernetes object name (DNS-1123 subdomain), including ones at the length limit. */
  public static Arbitrary<String> validName() {
    Arbitrary<String> dotted = label(20).list().ofMinSize(1).ofMaxSize(4).map(l -> join(".", l));
    Arbitrary<String> atLimit = Arbitraries.integers().between(240, 253).map("a"::repeat);
    return Arbitraries.frequencyOf(Tuple.of(3, dotted), Tuple.of(1, atLimit));
  }

  /** One word of a command: valid, hostile, or something in between. */
  public static Arbitrary<String> token() {
    Arbitrary<String> name = validName();
    Arbitrary<String> kind =
        Arbitraries.oneOf(
            Arbitraries.of(
                    "deployment",
                    "deployments",
                    "deploy",
                    "statefulset",
                    "statefulsets",
                    "sts",
                    "daemonset",
                    "daemonsets",
                    "ds")
                .flatMap(HostileInput::randomCase),
            Arbitraries.of(
                "pods", "pod", "svc", "cronjob", "replicaset", "rs", "job", "", "..", "deploy "),
            Arbitraries.strings().all().ofMaxLength(12));
    return Arbitraries.oneOf(
        name,
        name,
        Combinators.combine(kind, name).as((k, n) -> k + "/" + n),
        Combinators.combine(kind, Arbitraries.lazy(HostileInput::oddWord))
            .as((k, n) -> k + "/" + n),
        name.flatMap(HostileInput::randomCase),
        flag(),
        flag(),
        oddWord(),
        oddWord(),
        Arbitraries.of("help", "HELP", "history", "History", "hıstory")
            .flatMap(
                word ->
                    Arbitraries.of("", " 0", " 1", " 50", " 51", " -1", " 999", " x", " 1 2")
                        .map(tail -> word + tail)));
  }

  /** Flags, well-formed or not, with or without values. */
  public static Arbitrary<String> flag() {
    Arbitrary<String> value =
        Arbitraries.oneOf(
            label(63),
            label(70),
            Arbitraries.of("", "KUBE-SYSTEM", "../kube-system", "default", "\"quoted ns\""),
            Arbitraries.strings().all().ofMaxLength(10));
    Arbitrary<String> reason =
        Arbitraries.oneOf(
            Arbitraries.strings().all().ofMaxLength(40),
            Arbitraries.strings().alpha().numeric().whitespace().ofMaxLength(600),
            Arbitraries.of("\u202Eevil", "line\nbreak", "\u0000", "<!channel>", "`code`"));
    return Arbitraries.oneOf(
        Arbitraries.of(
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
            "\u2013n"),
        value.map(v -> "-n " + v),
        value.map(v -> "--namespace=" + v),
        value.map(v -> "-n=" + v),
        reason.map(r -> "--reason \"" + r + "\""),
        reason.map(r -> "--reason=\u201c" + r + "\u201d"),
        reason.map(r -> "--reason '" + r));
  }

  /** Words no valid command contains. */
  public static Arbitrary<String> oddWord() {
    return Arbitraries.oneOf(
        Arbitraries.of(
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
            "\r"),
        Arbitraries.strings().withCharRange('\u0000', '\u001f').ofMinLength(1).ofMaxLength(4),
        Arbitraries.strings().all().ofMinLength(1).ofMaxLength(20),
        Arbitraries.integers().between(254, 5000).map("a"::repeat),
        Arbitraries.strings().all().ofMinLength(300).ofMaxLength(1200));
  }

  /** A whole command text: mostly words and separators, sometimes anything at all. */
  public static Arbitrary<String> commandText() {
    Arbitrary<String> separator =
        Arbitraries.of(" ", " ", " ", "  ", "\t", "\n", "\u00A0", "\u3000", "");
    Arbitrary<String> words =
        Combinators.combine(token(), separator)
            .as((t, s) -> t + s)
            .list()
            .ofMaxSize(25)
            .map(parts -> String.join("", parts));
    Arbitrary<String> manyTargets =
        validName().list().ofMinSize(21).ofMaxSize(200).map(l -> join(" ", l));
    return Arbitraries.frequencyOf(
        Tuple.of(12, words),
        Tuple.of(2, manyTargets),
        Tuple.of(3, Arbitraries.strings().all().ofMaxLength(300)),
        Tuple.of(1, Arbitraries.of("", " ", "\n", "\t\t")));
  }

  /**
   * One value of {@code arbitrary}, drawn from {@code random}: for tests that are not properties.
   */
  public static <T> T draw(Arbitrary<T> arbitrary, Random random) {
    return arbitrary.generator(1000).next(random).value();
  }

  private static Arbitrary<String> randomCase(String word) {
    return Arbitraries.integers()
        .between(0, 2)
        .map(
            mode ->
                switch (mode) {
                  case 0 -> word;
                  case 1 -> word.toUpperCase(Locale.ROOT);
                  default ->
                      word.isEmpty()
                          ? word
                          : word.substring(0, 1).toUpperCase(Locale.ROOT) + word.substring(1);
                });
  }

  private static String join(String separator, List<String> parts) {
    return String.join(separator, parts);
  }
}
