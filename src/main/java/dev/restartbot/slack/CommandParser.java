package dev.restartbot.slack;

import dev.restartbot.policy.Target;
import dev.restartbot.policy.WorkloadKind;
import dev.restartbot.restart.Selection;
import dev.restartbot.restart.Selector;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * Turns the text of {@code /restart} into a {@link Command}, with kubectl's grammar: {@code
 * [kind/]name… [-n|--namespace NS] [--cluster NAME] [--reason "text"]}, {@code [kind…] -l SELECTOR
 * …}, {@code help}, {@code history [n]}. One command addresses one cluster. Never throws: anything
 * it cannot use becomes {@link Command.Invalid} with a sentence for the user.
 */
public final class CommandParser {

  private static final Logger LOG = Logger.getLogger(CommandParser.class);

  /** A DNS-1123 subdomain, as Kubernetes requires of object names. */
  static final Pattern NAME =
      Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

  /** A DNS-1123 label, as Kubernetes requires of namespaces. */
  static final Pattern LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");

  static final int MAX_NAME = 253;
  static final int MAX_NAMESPACE = 63;
  static final int MAX_REASON = 500;
  static final int DEFAULT_HISTORY = 10;
  static final int MAX_HISTORY = 50;

  private static final Pattern HISTORY_COUNT = Pattern.compile("[0-9]{1,3}");
  private static final Pattern COMMAND_NAME = Pattern.compile("/[\\p{L}\\p{N}_-]{1,32}");
  private static final int ECHO_LIMIT = 60;
  private static final String KINDS =
      "deployment, statefulset, daemonset or rollout (or deploy, sts, ds, ro)";

  private final String defaultNamespace;
  private final int maxTargets;
  private final List<String> clusters;
  private final String defaultCluster;

  /**
   * @param defaultNamespace the namespace of a command without {@code -n}; a DNS-1123 label
   * @param maxTargets the most targets one command may name; at least 1
   * @throws IllegalArgumentException if either setting is unusable, so that bad configuration stops
   *     the bot instead of producing targets no cluster accepts
   */
  public CommandParser(String defaultNamespace, int maxTargets) {
    this(defaultNamespace, maxTargets, List.of(Target.DEFAULT_CLUSTER), Target.DEFAULT_CLUSTER);
  }

  /**
   * @param clusters the names {@code --cluster} accepts
   * @param defaultCluster the cluster of a command without {@code --cluster}; one of them
   */
  public CommandParser(
      String defaultNamespace, int maxTargets, List<String> clusters, String defaultCluster) {
    if (!clusters.contains(defaultCluster)) {
      throw new IllegalArgumentException("The default cluster is not among " + clusters);
    }
    this.clusters = List.copyOf(clusters);
    this.defaultCluster = defaultCluster;
    Objects.requireNonNull(defaultNamespace, "defaultNamespace");
    if (defaultNamespace.length() > MAX_NAMESPACE || !LABEL.matcher(defaultNamespace).matches()) {
      throw new IllegalArgumentException(
          "The default namespace '" + defaultNamespace + "' is not a valid namespace name");
    }
    if (maxTargets < 1) {
      throw new IllegalArgumentException("The target limit must be at least 1, was " + maxTargets);
    }
    this.defaultNamespace = defaultNamespace;
    this.maxTargets = maxTargets;
  }

  /**
   * The help text, naming the command as the user invoked it; where the bot serves clusters named
   * in its configuration, with {@code --cluster} and their names.
   */
  public String help(String commandName) {
    if (!named()) {
      return usage(commandName);
    }
    String c = commandName(commandName);
    return usage(commandName)
            .replace(
                "[-n|--namespace NS] [--reason", "[-n|--namespace NS] [--cluster NAME] [--reason")
        + "\n"
        + "Clusters: %s (the default: `%s`). Example: `%s payments-api -n payments --cluster %s`"
            .formatted(
                clusters.stream().map(n -> "`" + n + "`").collect(Collectors.joining(", ")),
                defaultCluster,
                c,
                clusters.stream()
                    .filter(n -> !n.equals(defaultCluster))
                    .findFirst()
                    .orElse(defaultCluster));
  }

  /**
   * Whether the clusters were named in the configuration, not the one found as kubectl finds it.
   */
  private boolean named() {
    return !clusters.equals(List.of(Target.DEFAULT_CLUSTER));
  }

  private static String commandName(String commandName) {
    return commandName != null && COMMAND_NAME.matcher(commandName).matches()
        ? commandName
        : "/restart";
  }

  /** The help text, in Slack mrkdwn, naming the command as the user invoked it. */
  public static String usage(String commandName) {
    // The name comes from Slack's payload; anything unexpected must not break the mrkdwn.
    String c = commandName(commandName);
    return String.join(
        "\n",
        "*Usage*",
        "`"
            + c
            + " [kind/]name… [-n|--namespace NS] [--reason \"text\"]`  restart workloads, one"
            + " after another, with approval where the policy asks for it",
        "`"
            + c
            + " [kind…] -l|--selector SELECTOR [-n|--namespace NS] [--reason \"text\"]`  restart"
            + " the workloads of those kinds (deployments when none is given) whose labels match"
            + " now, e.g. `-l app=web`, `-l tier!=db,canary`, `-l \"env in (a,b)\"`, `-l '!canary'`",
        "`" + c + " history [n]`  the last n requests in this channel (1–50, default 10)",
        "`" + c + " help`  this text",
        "Kinds: `deployment` (the default), `statefulset`, `daemonset`, `rollout` (Argo Rollouts);"
            + " also `deploy`, `sts`, `ds`, `ro`.",
        "Examples:",
        "`" + c + " payments-api -n payments --reason \"memory leak\"`",
        "`" + c + " sts/payments-db deploy/payments-api -n payments`",
        "`" + c + " deploy sts -l tier=web -n payments`");
  }

  /** Parses {@code text} as Slack sends it (null counts as empty); never throws. */
  public Command parse(String text) {
    try {
      return parseOrThrow(text == null ? "" : text);
    } catch (Problem p) {
      return new Command.Invalid(p.getMessage());
    } catch (RuntimeException e) {
      // A parser bug must reach the user as a refusal, not as a failed slash command.
      // The text itself stays out of the log: it is arbitrary user input.
      LOG.error("The /restart parser failed; the command was refused", e);
      return new Command.Invalid("I could not understand that command.");
    }
  }

  private Command parseOrThrow(String raw) {
    String text = unescapeSlack(raw);
    for (int i = 0; i < text.length(); i++) {
      char ch = text.charAt(i);
      if (Character.isISOControl(ch) && ch != '\t' && ch != '\n') {
        throw new Problem("The command contains control characters; type it as plain text.");
      }
    }
    List<Word> words = tokenize(text);
    if (words.isEmpty()) {
      throw new Problem("Tell me what to restart.");
    }
    // Not equalsIgnoreCase: it folds the dotless i, so "hıstory" would count as a keyword.
    String first = words.get(0).text().toLowerCase(Locale.ROOT);
    if (first.equals("help")) {
      if (words.size() == 1) {
        return new Command.Help();
      }
      throw new Problem(
          "`help` takes nothing after it; to restart a workload named help, write `deploy/help`.");
    }
    if (first.equals("history")) {
      return history(words);
    }
    return restart(words);
  }

  private Command restart(List<Word> words) {
    String namespace = null;
    String cluster = null;
    String reason = null;
    Selector selector = null;
    List<String> names = new ArrayList<>();
    for (int i = 0; i < words.size(); i++) {
      String word = words.get(i).text();
      if (word.equals("-l") || word.equals("--selector")) {
        i++;
        selector = selectorOnce(selector, value(words, i, word));
      } else if (word.startsWith("-l=")) {
        selector = selectorOnce(selector, inline(word, "-l"));
      } else if (word.startsWith("--selector=")) {
        selector = selectorOnce(selector, inline(word, "--selector"));
      } else if (word.equals("-n") || word.equals("--namespace")) {
        i++;
        namespace = namespaceOnce(namespace, value(words, i, word));
      } else if (word.startsWith("-n=")) {
        namespace = namespaceOnce(namespace, inline(word, "-n"));
      } else if (word.startsWith("--namespace=")) {
        namespace = namespaceOnce(namespace, inline(word, "--namespace"));
      } else if (word.equals("--cluster")) {
        i++;
        cluster = clusterOnce(cluster, value(words, i, word));
      } else if (word.startsWith("--cluster=")) {
        cluster = clusterOnce(cluster, inline(word, "--cluster"));
      } else if (word.equals("--reason")) {
        i++;
        reason = reasonOnce(reason, value(words, i, word));
      } else if (word.startsWith("--reason=")) {
        reason = reasonOnce(reason, inline(word, "--reason"));
      } else if (word.startsWith("-")) {
        throw new Problem(
            "I don't know the flag "
                + echo(word)
                + (named()
                    ? "; I know `-l`, `--selector`, `-n`, `--namespace`, `--cluster` and `--reason`."
                    : "; I know `-l`, `--selector`, `-n`, `--namespace` and `--reason`."));
      } else if (word.startsWith("\u2014") || word.startsWith("\u2013")) {
        // Slack on macOS turns a typed "--" into a long dash.
        throw new Problem(
            echo(word) + " starts with a long dash; type flags with two hyphens, e.g. `--reason`.");
      } else {
        names.add(word);
      }
    }
    String ns = namespace == null ? defaultNamespace : namespace;
    String in = cluster == null ? defaultCluster : cluster;
    if (selector != null) {
      return new Command.RestartSelected(
          new Selection(in, ns, kinds(names), selector), Optional.ofNullable(reason));
    }
    if (names.isEmpty()) {
      throw new Problem("Name at least one workload to restart, e.g. `payments-api`.");
    }
    if (names.size() > maxTargets) {
      throw new Problem(
          "At most " + maxTargets + " targets per command; you gave " + names.size() + ".");
    }
    List<Target> targets = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (String name : names) {
      Target target = target(name, ns, in);
      if (!seen.add(target.key())) {
        throw new Problem(echo(target.ref()) + " is named twice.");
      }
      targets.add(target);
    }
    return new Command.Restart(targets, Optional.ofNullable(reason));
  }

  private static Command history(List<Word> words) {
    if (words.size() == 1) {
      return new Command.History(DEFAULT_HISTORY);
    }
    String count = words.get(1).text();
    if (words.size() == 2 && HISTORY_COUNT.matcher(count).matches()) {
      int n = Integer.parseInt(count);
      if (n >= 1 && n <= MAX_HISTORY) {
        return new Command.History(n);
      }
    }
    throw new Problem(
        "`history` takes one number from 1 to " + MAX_HISTORY + ", e.g. `history 20`.");
  }

  private static Target target(String word, String namespace, String cluster) {
    WorkloadKind kind = WorkloadKind.DEPLOYMENT;
    String name = word;
    int slash = word.indexOf('/');
    if (slash >= 0) {
      String kindText = word.substring(0, slash);
      name = word.substring(slash + 1);
      if (kindText.isEmpty()) {
        throw new Problem(echo(word) + " has no kind before the '/': use " + KINDS + ".");
      }
      kind =
          WorkloadKind.parse(kindText)
              .orElseThrow(
                  () ->
                      new Problem(
                          echo(kindText) + " is not a kind I can restart: use " + KINDS + "."));
    }
    if (name.isEmpty()) {
      throw new Problem(
          word.isEmpty()
              ? "One of the names is empty."
              : echo(word) + " has no name after the '/'.");
    }
    if (name.length() > MAX_NAME || !NAME.matcher(name).matches()) {
      throw new Problem(
          echo(name)
              + " is not a valid Kubernetes name: use lower-case letters, digits, '-' and '.',"
              + " at most "
              + MAX_NAME
              + " characters.");
    }
    return new Target(cluster, kind, namespace, name);
  }

  /**
   * With {@code -l}, the other words are kinds (a deployment when none is given); a name, or a kind
   * given twice, is refused.
   */
  private static List<WorkloadKind> kinds(List<String> words) {
    if (words.isEmpty()) {
      return List.of(WorkloadKind.DEPLOYMENT);
    }
    List<WorkloadKind> kinds = new ArrayList<>();
    for (String word : words) {
      if (word.indexOf('/') >= 0) {
        throw new Problem(
            "With `-l`, name no workloads: the selector chooses them. Give only kinds, e.g."
                + " `sts -l app=db`; "
                + echo(word)
                + " names one.");
      }
      WorkloadKind kind =
          WorkloadKind.parse(word)
              .orElseThrow(
                  () ->
                      new Problem(
                          ("With `-l`, the other words are kinds, and %s is not one: use %s. A"
                                  + " name is not allowed with a selector, and a selector with"
                                  + " blanks goes in quotes, e.g. `-l \"env in (a,b)\"`.")
                              .formatted(echo(word), KINDS)));
      if (kinds.contains(kind)) {
        throw new Problem(echo(word) + " is a kind given twice.");
      }
      kinds.add(kind);
    }
    return kinds;
  }

  private static Selector selectorOnce(Selector previous, String text) {
    if (previous != null) {
      throw new Problem(
          "The selector is given twice; give `-l` once, with its requirements separated by"
              + " commas, e.g. `-l app=web,tier!=db`.");
    }
    Selector.Parsed parsed = Selector.parse(text);
    if (parsed instanceof Selector.Parsed.Valid valid) {
      return valid.selector();
    }
    Selector.Parsed.Malformed bad = (Selector.Parsed.Malformed) parsed;
    throw new Problem(
        "The selector %s is not one Kubernetes accepts: %s"
            .formatted(echo(text), selectorProblem(bad.problem(), bad.near())));
  }

  /** What is wrong with a selector, in one sentence, with the token where it went wrong. */
  private static String selectorProblem(Selector.Problem problem, String near) {
    String at = near.isEmpty() ? "at its end" : "at " + echo(near);
    return switch (problem) {
      case EMPTY -> "it is empty.";
      case TOO_LONG -> "it is longer than %d characters.".formatted(Selector.MAX_LENGTH);
      case MISSING_KEY -> "a label key is missing %s.".formatted(at);
      case BAD_KEY ->
          ("%s is not a label key: an optional DNS prefix and '/', then at most %d letters,"
                  + " digits, '-', '_' or '.', starting and ending with a letter or digit.")
              .formatted(echo(near), Selector.MAX_NAME);
      case BAD_VALUE ->
          ("%s is not a label value: at most %d letters, digits, '-', '_' or '.', starting and"
                  + " ending with a letter or digit.")
              .formatted(echo(near), Selector.MAX_NAME);
      case EXPECTED_OPERATOR -> "expected `=`, `==`, `!=`, `in` or `notin` %s.".formatted(at);
      case UNSUPPORTED_OPERATOR -> "`>` and `<` are not supported here.";
      case EXPECTED_OPEN_PAREN ->
          "`in` and `notin` take a list in parentheses, e.g. `env in (a,b)`.";
      case UNCLOSED_SET -> "a list in parentheses is not closed with `)`.";
      case EMPTY_SET -> "`in` and `notin` need at least one value in the parentheses.";
      case EXPECTED_COMMA -> "expected a comma between requirements %s.".formatted(at);
    };
  }

  private String clusterOnce(String previous, String cluster) {
    if (previous != null) {
      throw new Problem("The cluster is given twice; one command addresses one cluster.");
    }
    if (!clusters.contains(cluster)) {
      throw new Problem(
          "I don't know the cluster %s; the clusters are %s."
              .formatted(
                  echo(cluster),
                  clusters.stream().map(n -> "`" + n + "`").collect(Collectors.joining(", "))));
    }
    return cluster;
  }

  private static String namespaceOnce(String previous, String namespace) {
    if (previous != null) {
      throw new Problem("The namespace is given twice; give `-n` or `--namespace` once.");
    }
    if (namespace.length() > MAX_NAMESPACE || !LABEL.matcher(namespace).matches()) {
      throw new Problem(
          echo(namespace)
              + " is not a valid namespace: use lower-case letters, digits and '-', at most "
              + MAX_NAMESPACE
              + " characters.");
    }
    return namespace;
  }

  /**
   * A reason typed in a field of its own (the modal's), held to the rules of {@code --reason}:
   * empty when blank.
   *
   * @throws IllegalArgumentException with a sentence for the user when it breaks them
   */
  static Optional<String> reason(String typed) {
    if (typed == null || trimBlanks(typed).isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(reasonOnce(null, typed));
    } catch (Problem p) {
      throw new IllegalArgumentException(p.getMessage());
    }
  }

  private static String reasonOnce(String previous, String reason) {
    if (previous != null) {
      throw new Problem("The reason is given twice; give `--reason` once.");
    }
    String trimmed = trimBlanks(reason);
    if (trimmed.isEmpty()) {
      throw new Problem("`--reason` needs some text, e.g. `--reason \"memory leak\"`.");
    }
    if (trimmed.codePoints().anyMatch(CommandParser::unprintableInReason)) {
      throw new Problem("The reason must be a single line of plain text.");
    }
    if (trimmed.codePointCount(0, trimmed.length()) > MAX_REASON) {
      throw new Problem("The reason is too long: at most " + MAX_REASON + " characters.");
    }
    return trimmed;
  }

  /**
   * The reason is shown to approvers and kept in the audit log, so nothing in it may hide text or
   * reorder it on screen: no control characters, line breaks or bidirectional overrides.
   */
  private static boolean unprintableInReason(int cp) {
    int type = Character.getType(cp);
    return Character.isISOControl(cp)
        || type == Character.LINE_SEPARATOR
        || type == Character.PARAGRAPH_SEPARATOR
        || cp == 0x061C
        || cp == 0x200E
        || cp == 0x200F
        || (cp >= 0x202A && cp <= 0x202E)
        || (cp >= 0x2066 && cp <= 0x2069);
  }

  /** Like {@link String#strip}, but also for the no-break spaces that separate words. */
  private static String trimBlanks(String text) {
    int start = 0;
    int end = text.length();
    while (start < end && isBlank(text.charAt(start))) {
      start++;
    }
    while (end > start && isBlank(text.charAt(end - 1))) {
      end--;
    }
    return text.substring(start, end);
  }

  private static boolean isBlank(char ch) {
    return Character.isWhitespace(ch) || Character.isSpaceChar(ch);
  }

  /**
   * The value after a flag. An unquoted word starting with '-' is the next flag, not a value, so
   * {@code -n --reason x} reads as a missing namespace; quote a value that starts with '-'.
   */
  private static String value(List<Word> words, int index, String flag) {
    if (index >= words.size()) {
      throw new Problem("`" + flag + "` needs a value after it.");
    }
    Word word = words.get(index);
    if (word.text().isEmpty() || (!word.quoted() && word.text().startsWith("-"))) {
      throw new Problem("`" + flag + "` needs a value after it.");
    }
    return word.text();
  }

  private static String inline(String word, String flag) {
    String value = word.substring(flag.length() + 1);
    if (value.isEmpty()) {
      throw new Problem("`" + flag + "=` needs a value after the '='.");
    }
    return value;
  }

  /** Slack escapes exactly these three; {@code &amp;} goes last so it cannot create new ones. */
  private static String unescapeSlack(String text) {
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&");
  }

  /**
   * Splits like a shell: blanks separate, and straight double, single and Slack's curly double
   * quotes group. There are no backslash escapes: nothing valid needs one.
   */
  private static List<Word> tokenize(String text) {
    List<Word> words = new ArrayList<>();
    StringBuilder word = new StringBuilder();
    boolean inWord = false;
    boolean quoted = false;
    char quote = 0;
    for (int i = 0; i < text.length(); i++) {
      char ch = text.charAt(i);
      if (quote != 0) {
        if (closes(quote, ch)) {
          quote = 0;
        } else {
          word.append(ch);
        }
      } else if (ch == '"' || ch == '\'' || ch == '\u201c' || ch == '\u201d') {
        quote = ch;
        inWord = true;
        quoted = true;
      } else if (isBlank(ch)) {
        if (inWord) {
          words.add(new Word(word.toString(), quoted));
          word.setLength(0);
          inWord = false;
          quoted = false;
        }
      } else {
        word.append(ch);
        inWord = true;
      }
    }
    if (quote != 0) {
      throw new Problem("A quote is not closed.");
    }
    if (inWord) {
      words.add(new Word(word.toString(), quoted));
    }
    return words;
  }

  /** Phones and Slack's autocorrect mix up the two curly quotes, so either closes either. */
  private static boolean closes(char open, char ch) {
    if (open == '\u201c' || open == '\u201d') {
      return ch == '\u201c' || ch == '\u201d';
    }
    return ch == open;
  }

  /**
   * A bad token as it may be shown back in a code span: at most {@value #ECHO_LIMIT} characters, no
   * backticks, Slack's three special characters escaped, and anything outside printable ASCII
   * spelled as {@code \}{@code uXXXX}. Nothing valid is outside ASCII, so spelling it out shows the
   * user the lookalike or invisible character that made the token invalid.
   */
  static String echo(String token) {
    StringBuilder out = new StringBuilder();
    int shown = 0;
    for (int i = 0; i < token.length(); ) {
      int cp = token.codePointAt(i);
      i += Character.charCount(cp);
      if (cp == '`') {
        continue;
      }
      String piece;
      if (cp == '&') {
        piece = "&amp;";
      } else if (cp == '<') {
        piece = "&lt;";
      } else if (cp == '>') {
        piece = "&gt;";
      } else if (cp >= 0x20 && cp < 0x7f) {
        piece = Character.toString(cp);
      } else if (cp <= 0xffff) {
        piece = String.format("\\u%04X", cp);
      } else {
        piece = String.format("\\u{%X}", cp);
      }
      int width = piece.startsWith("&") ? 1 : piece.length();
      if (shown + width > ECHO_LIMIT) {
        out.append('…');
        break;
      }
      out.append(piece);
      shown += width;
    }
    return out.isEmpty() ? "`\"\"`" : "`" + out + "`";
  }

  /** One word of the command, and whether any of it was quoted. */
  private record Word(String text, boolean quoted) {}

  /** A user-facing reason the command cannot be used; never escapes {@link #parse}. */
  private static final class Problem extends RuntimeException {
    Problem(String message) {
      // No stack trace: this is an answer for the user, not a fault.
      super(message, null, false, false);
    }
  }
}
