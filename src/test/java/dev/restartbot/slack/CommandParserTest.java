package dev.restartbot.slack;

import static dev.restartbot.policy.WorkloadKind.DAEMONSET;
import static dev.restartbot.policy.WorkloadKind.DEPLOYMENT;
import static dev.restartbot.policy.WorkloadKind.STATEFULSET;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.restartbot.policy.Target;
import dev.restartbot.policy.WorkloadKind;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class CommandParserTest {

  static final int MAX_TARGETS = 20;

  final CommandParser parser = new CommandParser("default", MAX_TARGETS);

  Command.Restart restart(String text) {
    Command command = parser.parse(text);
    assertThat(command).as("parse(%s)", text).isInstanceOf(Command.Restart.class);
    return (Command.Restart) command;
  }

  String problem(String text) {
    Command command = parser.parse(text);
    assertThat(command).as("parse(%s)", text).isInstanceOf(Command.Invalid.class);
    return ((Command.Invalid) command).problem();
  }

  static Target deployment(String name) {
    return new Target(DEPLOYMENT, "default", name);
  }

  // --- selectors (DESIGN.md §7.4)

  Command.RestartSelected selected(String text) {
    Command command = parser.parse(text);
    assertThat(command).as("parse(%s)", text).isInstanceOf(Command.RestartSelected.class);
    return (Command.RestartSelected) command;
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "-l app=web",
        "--selector app=web",
        "-l=app=web",
        "--selector=app=web",
        "-l 'app=web'",
        "-l \"app = web\""
      })
  void aSelectorInEveryFlagSpellingSelectsDeploymentsByDefault(String text) {
    Command.RestartSelected selected = selected(text);
    assertThat(selected.selection().kinds()).containsExactly(DEPLOYMENT);
    assertThat(selected.selection().namespace()).isEqualTo("default");
    assertThat(selected.selection().cluster()).isEqualTo(Target.DEFAULT_CLUSTER);
    assertThat(selected.selection().selector().toString()).isEqualTo("app=web");
  }

  @Test
  void withASelectorThePositionalWordsAreKindsAndFlagsStandAnywhere() {
    Command.RestartSelected selected =
        selected("sts -n payments -l \"tier in (web,api),!canary\" Deploy --reason \"new certs\"");

    assertThat(selected.selection().kinds()).containsExactly(STATEFULSET, DEPLOYMENT);
    assertThat(selected.selection().namespace()).isEqualTo("payments");
    assertThat(selected.selection().selector().toString()).isEqualTo("tier in (web,api),!canary");
    assertThat(selected.reason()).contains("new certs");
  }

  @Test
  void aNameWithASelectorIsRefused() {
    assertThat(problem("payments-api -l app=web")).contains("`payments-api` is not one");
    assertThat(problem("deploy/payments-api -l app=web")).contains("name no workloads");
  }

  @Test
  void aSelectorWithBlanksMustBeQuotedAndTheAnswerSaysSo() {
    assertThat(problem("-l env in (a,b)")).contains("`in` is not one").contains("in quotes");
  }

  @Test
  void aKindGivenTwiceOrASelectorGivenTwiceIsRefused() {
    assertThat(problem("deploy deployments -l app=web")).contains("kind given twice");
    assertThat(problem("-l app=web -l tier=db")).contains("given twice");
  }

  @Test
  void aMalformedSelectorIsRefusedWithTheReasonBeforeAnythingIsSent() {
    assertThat(problem("-l app=!")).contains("is not one Kubernetes accepts");
    assertThat(problem("-l 'app in ()'")).contains("at least one value");
    assertThat(problem("-l 'app in (a,b'")).contains("not closed");
    assertThat(problem("-l 'ti$r=db'")).contains("`ti$r` is not a label key");
    assertThat(problem("-l 'app=<@U0LEAD>'")).contains("not a label value").doesNotContain("<@");
    assertThat(problem("-l replicas>2")).contains("`>` and `<` are not supported");
    assertThat(problem("-l")).contains("`-l` needs a value");
    assertThat(problem("-l=")).contains("`-l=` needs a value");
  }

  @Test
  void theUsageShowsTheSelectorGrammar() {
    assertThat(CommandParser.usage("/restart")).contains("-l|--selector SELECTOR");
  }

  // --- help and history

  @ParameterizedTest
  @ValueSource(strings = {"help", "  help  ", "HELP", "\"help\""})
  void helpAloneAsksForTheUsage(String text) {
    assertThat(parser.parse(text)).isEqualTo(new Command.Help());
  }

  @Test
  void helpFollowedByMoreWordsIsInvalidRatherThanARestart() {
    assertThat(problem("help me")).contains("`deploy/help`");
    assertThat(problem("help -n payments")).contains("`help` takes nothing");
  }

  @Test
  void helpAndHistoryAfterAKindAreWorkloadNames() {
    assertThat(restart("deploy/help").targets()).containsExactly(deployment("help"));
    assertThat(restart("sts/history").targets())
        .containsExactly(new Target(STATEFULSET, "default", "history"));
  }

  @Test
  void helpAndHistoryAfterTheFirstWordAreWorkloadNames() {
    assertThat(restart("api help history").targets())
        .containsExactly(deployment("api"), deployment("help"), deployment("history"));
  }

  @Test
  void historyWithoutANumberShowsTheLastTen() {
    assertThat(parser.parse("history")).isEqualTo(new Command.History(10));
    assertThat(parser.parse(" History ")).isEqualTo(new Command.History(10));
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 25, 49, 50})
  void historyTakesANumberFromOneToFifty(int n) {
    assertThat(parser.parse("history " + n)).isEqualTo(new Command.History(n));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "history 0",
        "history 51",
        "history 100",
        "history 999999999999999999999",
        "history x",
        "history -1",
        "history +5",
        "history 1e1",
        "history 5 6",
        "history 5 -n prod",
        "history \uff15", // fullwidth 5
        "history \u0665", // Arabic-Indic 5
        "history \"\""
      })
  void historyRejectsAnythingButOneNumberFromOneToFifty(String text) {
    assertThat(problem(text))
        .isEqualTo("`history` takes one number from 1 to 50, e.g. `history 20`.");
  }

  @Test
  void historyWithADotlessIIsNotTheKeyword() {
    assertThat(problem("h\u0131story")).contains("is not a valid Kubernetes name");
  }

  // --- empty text

  @ParameterizedTest
  @NullAndEmptySource
  @ValueSource(strings = {"   ", "\n", "\t \n ", "\u00a0"})
  void emptyTextAsksWhatToRestart(String text) {
    assertThat(problem(text)).isEqualTo("Tell me what to restart.");
  }

  @ParameterizedTest
  @ValueSource(strings = {"''", "\"\"", "api \u201c\u201d"})
  void anEmptyQuotedWordIsAnEmptyName(String text) {
    assertThat(problem(text)).isEqualTo("One of the names is empty.");
  }

  // --- targets and kinds

  @Test
  void aBareNameIsADeploymentInTheDefaultNamespace() {
    assertThat(restart("payments-api"))
        .isEqualTo(new Command.Restart(List.of(deployment("payments-api")), Optional.empty()));
  }

  @Test
  void targetsKeepTheirOrder() {
    assertThat(restart("c b a").targets())
        .containsExactly(deployment("c"), deployment("b"), deployment("a"));
  }

  @Test
  void shortKindNamesAreUnderstood() {
    assertThat(restart("sts/db ds/agent deploy/api").targets())
        .containsExactly(
            new Target(STATEFULSET, "default", "db"),
            new Target(DAEMONSET, "default", "agent"),
            new Target(DEPLOYMENT, "default", "api"));
  }

  @Test
  void singularAndPluralKindNamesAreUnderstood() {
    assertThat(restart("statefulset/a daemonsets/b deployments/c").targets())
        .containsExactly(
            new Target(STATEFULSET, "default", "a"),
            new Target(DAEMONSET, "default", "b"),
            new Target(DEPLOYMENT, "default", "c"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"Deployment/x", "DEPLOYMENTS/x", "Deploy/x", "dEpLoYmEnT/x"})
  void kindsAreCaseInsensitive(String text) {
    assertThat(restart(text).targets()).containsExactly(deployment("x"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"rollout/x", "Rollouts/x", "ro/x", "RO/x"})
  void argoRolloutsAreAKindOfTheirOwn(String text) {
    assertThat(restart(text).targets())
        .containsExactly(new Target(WorkloadKind.ROLLOUT, "default", "x"));
  }

  @Test
  void anUnknownKindIsNamedAndTheKnownKindsListed() {
    assertThat(problem("pods/x"))
        .isEqualTo(
            "`pods` is not a kind I can restart: use deployment, statefulset, daemonset or"
                + " rollout (or deploy, sts, ds, ro).");
    assertThat(problem("../x")).startsWith("`..` is not a kind I can restart");
    assertThat(problem("cronjob/backup")).startsWith("`cronjob` is not a kind");
  }

  @Test
  void aSlashNeedsAKindBeforeItAndANameAfterIt() {
    assertThat(problem("/x")).startsWith("`/x` has no kind before the '/'");
    assertThat(problem("deploy/")).isEqualTo("`deploy/` has no name after the '/'.");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "Payments-API",
        "Payments_API",
        "payments_api",
        "api-",
        "a..b",
        ".a",
        "a.",
        "a.-b",
        "deploy/../x",
        "deploy/a/b",
        "x;rm",
        "$(id)",
        "api*",
        "'a b'",
        "p\u0430yments", // Cyrillic a
        "\uff50ayments", // fullwidth p
        "pay\u200bments", // zero-width space
        "caf\u00e9",
        "api\ud83d\ude00", // emoji
        "a\"}}\"",
        "<!channel>",
        "&lt;!here&gt;"
      })
  void namesMustBeDns1123Subdomains(String text) {
    assertThat(problem(text))
        .contains(
            " is not a valid Kubernetes name: use lower-case letters, digits, '-' and '.', at"
                + " most 253 characters.");
  }

  @Test
  void theMessageQuotesTheBadName() {
    assertThat(problem("Payments_API"))
        .isEqualTo(
            "`Payments_API` is not a valid Kubernetes name: use lower-case letters, digits, '-'"
                + " and '.', at most 253 characters.");
  }

  @Test
  void dottedNamesAndDigitsAreValid() {
    assertThat(restart("api.v2 0 9lives a-b-c").targets())
        .containsExactly(
            deployment("api.v2"), deployment("0"), deployment("9lives"), deployment("a-b-c"));
  }

  @Test
  void aNameMayHave253CharactersButNotMore() {
    String longest = "a".repeat(125) + "." + "b".repeat(127);
    assertThat(longest).hasSize(253);
    assertThat(restart(longest).targets()).containsExactly(deployment(longest));

    assertThat(problem(longest + "c")).contains("is not a valid Kubernetes name");
    assertThat(problem("a".repeat(300))).contains("is not a valid Kubernetes name");
  }

  // --- namespace

  @ParameterizedTest
  @ValueSource(
      strings = {
        "api -n payments",
        "api --namespace payments",
        "api --namespace=payments",
        "api -n=payments",
        "api -n \"payments\"",
        "api --namespace=\u201cpayments\u201d"
      })
  void theNamespaceFlagHasSeveralSpellings(String text) {
    assertThat(restart(text).targets()).containsExactly(new Target(DEPLOYMENT, "payments", "api"));
  }

  @Test
  void theNamespaceAppliesToEveryTarget() {
    assertThat(restart("sts/db api -n payments ds/agent").targets())
        .extracting(Target::namespace)
        .containsOnly("payments")
        .hasSize(3);
  }

  @Test
  void theDefaultNamespaceComesFromTheConstructor() {
    assertThat(new CommandParser("ops", 5).parse("api"))
        .isEqualTo(
            new Command.Restart(List.of(new Target(DEPLOYMENT, "ops", "api")), Optional.empty()));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "Payments",
        "pay.ments",
        "pay_ments",
        "payments-",
        "p\u0430yments",
        "\"-payments\"",
        "kube system"
      })
  void theNamespaceMustBeADns1123Label(String namespace) {
    String text = "api -n " + (namespace.contains(" ") ? "'" + namespace + "'" : namespace);
    assertThat(problem(text))
        .contains(
            " is not a valid namespace: use lower-case letters, digits and '-', at most 63"
                + " characters.");
  }

  @Test
  void aNamespaceMayHave63CharactersButNotMore() {
    String longest = "n".repeat(63);
    assertThat(restart("api -n " + longest).targets().get(0).namespace()).isEqualTo(longest);
    assertThat(problem("api -n " + longest + "n")).contains("is not a valid namespace");
  }

  // --- flags

  @Test
  void flagsMayStandAnywhere() {
    Command.Restart expected =
        new Command.Restart(
            List.of(
                new Target(DEPLOYMENT, "payments", "api"),
                new Target(STATEFULSET, "payments", "db")),
            Optional.of("memory leak"));
    assertThat(restart("-n payments --reason 'memory leak' api sts/db")).isEqualTo(expected);
    assertThat(restart("api -n payments sts/db --reason 'memory leak'")).isEqualTo(expected);
    assertThat(restart("api --reason=\"memory leak\" sts/db --namespace=payments"))
        .isEqualTo(expected);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "api -n",
        "api --namespace",
        "api -n ''",
        "api -n \"\"",
        "api -n --reason x",
        "api --reason",
        "api --reason ''",
        "api --reason -n prod",
        "-n"
      })
  void aFlagWithoutItsValueIsInvalid(String text) {
    assertThat(problem(text)).endsWith("needs a value after it.");
  }

  @ParameterizedTest
  @ValueSource(strings = {"api --namespace=", "api -n=", "api --reason="})
  void anInlineFlagWithoutItsValueIsInvalid(String text) {
    assertThat(problem(text)).endsWith("needs a value after the '='.");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "api -n a -n b",
        "api -n a --namespace a",
        "api --namespace=a -n=b",
        "api --reason a --reason b",
        "api --reason=a --reason=a"
      })
  void aFlagGivenTwiceIsInvalid(String text) {
    assertThat(problem(text)).contains("is given twice");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"--force", "-f", "--", "-", "--Namespace", "-N", "--namespaces=x", "--reason:x"})
  void anUnknownFlagIsNamed(String flag) {
    assertThat(problem("api " + flag))
        .isEqualTo(
            "I don't know the flag `"
                + flag
                + "`; I know `-l`, `--selector`, `-n`, `--namespace` and `--reason`.");
  }

  @Test
  void aLongDashFromAutocorrectIsExplained() {
    assertThat(problem("api \u2014namespace payments"))
        .isEqualTo(
            "`\\u2014namespace` starts with a long dash; type flags with two hyphens, e.g."
                + " `--reason`.");
    assertThat(problem("api \u2013n payments")).contains("starts with a long dash");
  }

  @Test
  void quotedFlagsAreStillFlags() {
    assertThat(restart("api \"-n\" payments").targets().get(0).namespace()).isEqualTo("payments");
  }

  @Test
  void flagsWithoutTargetsAreInvalid() {
    assertThat(problem("-n payments"))
        .isEqualTo("Name at least one workload to restart, e.g. `payments-api`.");
    assertThat(problem("--reason 'just because'")).startsWith("Name at least one workload");
  }

  // --- reason

  @Test
  void theReasonIsTrimmedAndKept() {
    assertThat(restart("api --reason '  memory leak\u00a0 '").reason()).contains("memory leak");
    assertThat(restart("api --reason=leak").reason()).contains("leak");
    assertThat(restart("api").reason()).isEmpty();
  }

  @Test
  void theReasonMayHoldTheOtherKindOfQuote() {
    assertThat(restart("api --reason \"it's stuck\"").reason()).contains("it's stuck");
    assertThat(restart("api --reason 'the \"fix\"'").reason()).contains("the \"fix\"");
  }

  @Test
  void aQuotedReasonMayStartWithADash() {
    assertThat(restart("api --reason \"-- see INC-42\"").reason()).contains("-- see INC-42");
  }

  @Test
  void aReasonMayUseUnicodeText() {
    assertThat(restart("api --reason 'Speicherleck – 😀 ü'").reason())
        .contains("Speicherleck – 😀 ü");
  }

  @ParameterizedTest
  @ValueSource(strings = {"api --reason '   '", "api --reason=\"\u00a0\""})
  void aBlankReasonIsInvalid(String text) {
    assertThat(problem(text))
        .isEqualTo("`--reason` needs some text, e.g. `--reason \"memory leak\"`.");
  }

  @Test
  void aReasonMayHave500CharactersButNotMore() {
    String longest = "r".repeat(500);
    assertThat(restart("api --reason " + longest).reason()).contains(longest);
    assertThat(problem("api --reason " + longest + "r"))
        .isEqualTo("The reason is too long: at most 500 characters.");
    // Characters, not UTF-16 units: 500 emoji are allowed.
    assertThat(restart("api --reason " + "😀".repeat(500)).reason()).isPresent();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "api --reason 'line one\nline two'",
        "api --reason 'tab\there'",
        "api --reason 'evil\u202egnp.exe'",
        "api --reason 'a\u2028b'",
        "api --reason 'a\u2066b'"
      })
  void theReasonMustBeOneLineOfPlainText(String text) {
    assertThat(problem(text)).isEqualTo("The reason must be a single line of plain text.");
  }

  // --- tokenising

  @ParameterizedTest
  @ValueSource(
      strings = {
        "api\u0000",
        "api \u001b[31mred",
        "api\u0007",
        "api\r\nweb",
        "api\u007f",
        "api\u0085",
        "api --reason 'bell\u0007'",
        "history\u0000"
      })
  void controlCharactersAnywhereAreRejected(String text) {
    assertThat(problem(text))
        .isEqualTo("The command contains control characters; type it as plain text.");
  }

  @Test
  void blanksOfAnyKindSeparateWords() {
    assertThat(restart("api\tworker\nweb\u00a0db  cache").targets())
        .extracting(Target::name)
        .containsExactly("api", "worker", "web", "db", "cache");
  }

  @Test
  void quotesGroupWordsAndMayJoinParts() {
    assertThat(restart("'api' \"web\" d'b'").targets())
        .extracting(Target::name)
        .containsExactly("api", "web", "db");
  }

  @Test
  void slackSmartQuotesGroupLikeStraightQuotes() {
    assertThat(restart("api --reason \u201cmemory leak\u201d").reason()).contains("memory leak");
    // Autocorrect sometimes produces two closing quotes.
    assertThat(restart("api --reason \u201dmemory leak\u201d").reason()).contains("memory leak");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "a\"}}",
        "api --reason \"oops",
        "api --reason 'oops",
        "api --reason \u201coops",
        "api --reason \"mixed\u201d",
        "'"
      })
  void anUnterminatedQuoteIsInvalid(String text) {
    assertThat(problem(text)).isEqualTo("A quote is not closed.");
  }

  @Test
  void slacksThreeEscapesAreDecodedBeforeParsing() {
    assertThat(restart("api --reason 'a &lt;b&gt; &amp; c'").reason()).contains("a <b> & c");
    // Decoded once only: an escaped escape stays an escape.
    assertThat(restart("api --reason '&amp;lt;'").reason()).contains("&lt;");
    assertThat(restart("api --reason '&quot;'").reason()).contains("&quot;");
  }

  // --- counts and duplicates

  @Test
  void atMostTheConfiguredNumberOfTargetsIsAccepted() {
    String twenty =
        IntStream.rangeClosed(1, 20).mapToObj(i -> "w" + i).collect(Collectors.joining(" "));
    assertThat(restart(twenty).targets()).hasSize(20);
    assertThat(problem(twenty + " w21")).isEqualTo("At most 20 targets per command; you gave 21.");
  }

  @Test
  void fiveHundredTargetsAreRefusedBeforeAnyIsChecked() {
    String many =
        IntStream.rangeClosed(1, 500).mapToObj(i -> "BAD_" + i).collect(Collectors.joining(" "));
    assertThat(problem(many)).isEqualTo("At most 20 targets per command; you gave 500.");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "api api",
        "api deploy/api",
        "deployment/api DEPLOYMENTS/api",
        "web api -n x deployment/api"
      })
  void theSameTargetNamedTwiceIsInvalid(String text) {
    assertThat(problem(text)).isEqualTo("`deployment/api` is named twice.");
  }

  @Test
  void theSameNameUnderDifferentKindsIsTwoTargets() {
    assertThat(restart("deploy/api sts/api ds/api").targets()).hasSize(3);
  }

  // --- what the user sees

  @Test
  void echoedTokensAreShortAndCannotBreakSlackFormatting() {
    String message = problem("'Evil`<!channel>`&" + "X".repeat(300) + "'");
    assertThat(message).startsWith("`Evil&lt;!channel&gt;&amp;XXX").contains("X…`");
    assertThat(message).doesNotContain("<!channel>");
    assertThat(message.chars().filter(c -> c == '`').count()).isEqualTo(2);
    String echoed = message.substring(1, message.indexOf('`', 1));
    assertThat(echoed.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&"))
        .hasSize(61); // 60 characters and the ellipsis
  }

  @Test
  void lookalikeAndInvisibleCharactersAreSpelledOut() {
    assertThat(problem("p\u0430yments")).startsWith("`p\\u0430yments` is not");
    assertThat(problem("pay\u200bments")).startsWith("`pay\\u200Bments` is not");
    assertThat(problem("'a\u202eb'")).startsWith("`a\\u202Eb` is not");
    assertThat(problem("x\ud83d\ude00")).startsWith("`x\\u{1F600}` is not");
  }

  @Test
  void aTokenOfOnlyBackticksIsShownAsEmpty() {
    assertThat(problem("'```'")).startsWith("`\"\"` is not a valid Kubernetes name");
  }

  @Test
  void usageNamesEveryFormTheKindsAndTwoExamples() {
    String usage = CommandParser.usage("/restart");
    assertThat(usage)
        .contains("`/restart [kind/]name… [-n|--namespace NS] [--reason \"text\"]`")
        .contains("`/restart history [n]`")
        .contains("`/restart help`")
        .contains("`deployment`", "`statefulset`", "`daemonset`", "`deploy`", "`sts`", "`ds`")
        .contains("`/restart payments-api -n payments --reason \"memory leak\"`")
        .contains("`/restart sts/payments-db deploy/payments-api -n payments`");
    assertThat(usage.chars().filter(c -> c == '`').count() % 2).isZero();
  }

  @Test
  void usageUsesTheCommandNameUnlessItLooksWrong() {
    assertThat(CommandParser.usage("/restart-staging")).contains("`/restart-staging help`");
    assertThat(CommandParser.usage(null)).contains("`/restart help`");
    assertThat(CommandParser.usage("/x` <!channel>")).contains("`/restart help`");
  }

  @Test
  void theConstructorRejectsUnusableSettings() {
    assertThatThrownBy(() -> new CommandParser("Not_A_Namespace", 20))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new CommandParser("default", 0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new CommandParser(null, 20)).isInstanceOf(NullPointerException.class);
  }

  @Test
  void everyProblemIsOneLine() {
    for (String text :
        List.of("", "a\"", "Bad", "x/y", "-q", "a a", "history 0", "api -n", "a\u0000")) {
      assertThat(problem(text)).doesNotContain("\n").endsWith(".");
    }
  }

  // --- clusters

  final CommandParser fleet =
      new CommandParser("default", MAX_TARGETS, List.of("eu-prod", "us-prod"), "eu-prod");

  @ParameterizedTest
  @ValueSource(
      strings = {
        "api --cluster us-prod",
        "--cluster us-prod api",
        "api --cluster=us-prod",
        "--cluster=us-prod api -n default"
      })
  void clusterFlagStandsAnywhereAndPutsEveryTargetInThatCluster(String text) {
    assertThat(fleet.parse(text))
        .isEqualTo(
            new Command.Restart(
                List.of(new Target("us-prod", DEPLOYMENT, "default", "api")), Optional.empty()));
  }

  @Test
  void withoutClusterFlagTheTargetsAreInTheDefaultCluster() {
    assertThat(((Command.Restart) fleet.parse("api sts/db")).targets())
        .extracting(Target::cluster)
        .containsExactly("eu-prod", "eu-prod");
    assertThat(restart("api").targets()).containsExactly(deployment("api"));
    assertThat(deployment("api").cluster()).isEqualTo(Target.DEFAULT_CLUSTER);
  }

  @Test
  void anUnknownClusterIsRefusedWithTheKnownNames() {
    assertThat(fleet.parse("api --cluster ap-prod"))
        .isEqualTo(
            new Command.Invalid(
                "I don't know the cluster `ap-prod`; the clusters are `eu-prod`, `us-prod`."));
    assertThat(problem("api --cluster prod"))
        .isEqualTo("I don't know the cluster `prod`; the clusters are `default`.");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "api --cluster eu-prod --cluster us-prod",
        "api --cluster=eu-prod --cluster=eu-prod"
      })
  void oneCommandAddressesOneCluster(String text) {
    assertThat(((Command.Invalid) fleet.parse(text)).problem())
        .isEqualTo("The cluster is given twice; one command addresses one cluster.");
  }

  @ParameterizedTest
  @ValueSource(strings = {"api --cluster", "api --cluster=", "api --cluster -n x"})
  void clusterFlagNeedsAValue(String text) {
    assertThat(((Command.Invalid) fleet.parse(text)).problem()).contains("needs a value");
  }

  @Test
  void theSameNameInTwoClustersIsTwoTargets() {
    Target eu = new Target("eu-prod", DEPLOYMENT, "default", "api");
    Target us = new Target("us-prod", DEPLOYMENT, "default", "api");

    assertThat(eu.key()).isNotEqualTo(us.key()).isEqualTo("eu-prod/default/deployment/api");
    assertThat(deployment("api").key()).isEqualTo("default/deployment/api");
  }

  @Test
  void theHelpOfAFleetNamesTheFlagAndTheClusters() {
    assertThat(fleet.help("/restart"))
        .contains("[-n|--namespace NS] [--cluster NAME] [--reason \"text\"]")
        .contains("Clusters: `eu-prod`, `us-prod` (the default: `eu-prod`)")
        .contains("`/restart payments-api -n payments --cluster us-prod`");
    assertThat(((Command.Invalid) fleet.parse("api --force")).problem())
        .isEqualTo(
            "I don't know the flag `--force`; I know `-l`, `--selector`, `-n`, `--namespace`,"
                + " `--cluster` and `--reason`.");
  }

  @Test
  void theHelpOfABotWithoutClustersIsAsBefore() {
    assertThat(parser.help("/restart")).isEqualTo(CommandParser.usage("/restart"));
    assertThat(parser.help("/restart")).doesNotContain("--cluster");
  }

  // --- generated

  /** Words a user might type, so that a fair share of the generated commands are valid. */
  static final String[] WORDS =
      ("api db web-1 a.b 0 sts/db ds/agent deploy/api Deployment/x STS/y -n --namespace"
              + " --namespace=ops -n=ops payments kube-system --reason 'why\u00a0not' \u201cleak\u201d"
              + " --reason=oom help history 5")
          .split(" ");

  /** Fragments that break the grammar: quotes, flags, escapes, lookalikes, invisibles. */
  static final String[] FRAGMENTS =
      ("-|--|.|..|/|pods/|--force|Ns|\"|'|\u201c|\u201d|&lt;|&gt;|&amp;|<|>|`|*|_|~|\\"
              + "|\u00e9|\u0430|\uff41|\u200b|\u202e|\u00a0|\u2014|\ud83d\ude00|\ud83d"
              + "|\u0000|\u001b|\u0007|\r|\n|\t| ")
          .split("\\|");

  static final String[] SEPARATORS = {" ", " ", " ", "  ", "\t", "\n"};

  static String randomCommand(Random random) {
    StringBuilder text = new StringBuilder();
    int words = random.nextInt(8);
    for (int w = 0; w < words; w++) {
      if (w > 0) {
        text.append(SEPARATORS[random.nextInt(SEPARATORS.length)]);
      }
      if (random.nextInt(10) < 7) {
        text.append(WORDS[random.nextInt(WORDS.length)]);
        continue;
      }
      for (int f = random.nextInt(4); f >= 0; f--) {
        if (random.nextBoolean()) {
          text.append(FRAGMENTS[random.nextInt(FRAGMENTS.length)]);
        } else {
          text.append((char) random.nextInt(0x3000));
        }
      }
    }
    return text.toString();
  }

  @Test
  void randomTextNeverThrowsAndYieldsOnlyValidTargets() {
    Random random = new Random(20240607L);
    int restarts = 0;
    int invalid = 0;
    for (int i = 0; i < 5000; i++) {
      String input = randomCommand(random);
      Command command = parser.parse(input);
      assertThat(command).as("parse(%s)", input).isNotNull();
      if (command instanceof Command.Restart r) {
        restarts++;
        assertThat(r.targets()).as(input).isNotEmpty().hasSizeLessThanOrEqualTo(MAX_TARGETS);
        Set<String> keys = new HashSet<>();
        for (Target t : r.targets()) {
          assertThat(t.name()).as(input).hasSizeLessThanOrEqualTo(253).matches(CommandParser.NAME);
          assertThat(t.namespace())
              .as(input)
              .hasSizeLessThanOrEqualTo(63)
              .matches(CommandParser.LABEL);
          assertThat(keys.add(t.key())).as(input).isTrue();
        }
        r.reason()
            .ifPresent(
                reason ->
                    assertThat(reason)
                        .as(input)
                        .isNotBlank()
                        .hasSizeLessThanOrEqualTo(1000)
                        .doesNotContain("\n", "\t", "\r", "\u0000", "\u202e"));
      } else if (command instanceof Command.Invalid bad) {
        invalid++;
        assertThat(bad.problem())
            .as(input)
            .isNotBlank()
            .doesNotContain("\n")
            .doesNotContain("I could not understand");
      }
    }
    assertThat(restarts).as("valid restarts among the generated commands").isGreaterThan(300);
    assertThat(invalid).as("invalid commands among the generated commands").isGreaterThan(500);
  }
}
