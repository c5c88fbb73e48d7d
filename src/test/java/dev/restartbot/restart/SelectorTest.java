package dev.restartbot.restart;

import static org.assertj.core.api.Assertions.assertThat;

import dev.restartbot.restart.Selector.Operator;
import dev.restartbot.restart.Selector.Problem;
import dev.restartbot.restart.Selector.Requirement;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Label selectors as apimachinery's {@code labels.Parse} reads them, checked before sending. */
class SelectorTest {

  private static Selector valid(String text) {
    Selector.Parsed parsed = Selector.parse(text);
    assertThat(parsed).as(text).isInstanceOf(Selector.Parsed.Valid.class);
    return ((Selector.Parsed.Valid) parsed).selector();
  }

  private static Selector.Parsed.Malformed malformed(String text) {
    Selector.Parsed parsed = Selector.parse(text);
    assertThat(parsed).as(text).isInstanceOf(Selector.Parsed.Malformed.class);
    return (Selector.Parsed.Malformed) parsed;
  }

  @Test
  void everyOperatorKubernetesDocumentsIsRead() {
    assertThat(
            valid("app=web, tier==front,env!=prod,zone in (a, b),track notin (canary),ready,!gone")
                .requirements())
        .containsExactly(
            new Requirement("app", Operator.EQUALS, List.of("web")),
            new Requirement("tier", Operator.EQUALS, List.of("front")),
            new Requirement("env", Operator.NOT_EQUALS, List.of("prod")),
            new Requirement("zone", Operator.IN, List.of("a", "b")),
            new Requirement("track", Operator.NOT_IN, List.of("canary")),
            new Requirement("ready", Operator.EXISTS, List.of()),
            new Requirement("gone", Operator.DOES_NOT_EXIST, List.of()));
  }

  @Test
  void theCanonicalFormIsWhatKubectlWouldSendAndReadsBackTheSame() {
    Selector selector = valid("  app = web ,zone in(a,b),  !gone,env!=,example.com/team==x_y");

    assertThat(selector.toString())
        .isEqualTo("app=web,zone in (a,b),!gone,env!=,example.com/team=x_y");
    assertThat(valid(selector.toString())).isEqualTo(selector);
  }

  @Test
  void keysMayHaveADnsPrefixAndValuesMayBeEmpty() {
    assertThat(valid("app.kubernetes.io/name=api").requirements().get(0).key())
        .isEqualTo("app.kubernetes.io/name");
    assertThat(valid("a=").requirements().get(0).values()).containsExactly("");
    assertThat(Selector.validKey("a".repeat(63))).isTrue();
    assertThat(Selector.validKey("a".repeat(64))).isFalse();
    assertThat(Selector.validKey("Example.com/a")).isFalse();
    assertThat(Selector.validKey("/a")).isFalse();
    assertThat(Selector.validValue("A-b_c.9")).isTrue();
    assertThat(Selector.validValue("-a")).isFalse();
  }

  @ParameterizedTest(name = "{0}: {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "''|EMPTY",
        "'  '|EMPTY",
        "app=web,|MISSING_KEY",
        ",app|MISSING_KEY",
        "!|MISSING_KEY",
        "-app=web|BAD_KEY",
        "app_=x|BAD_KEY",
        "UPPER.example.com/x=y|BAD_KEY",
        "a/b/c=d|BAD_KEY",
        "app=we$b|BAD_VALUE",
        "app=web!|EXPECTED_COMMA",
        "app=-web|BAD_VALUE",
        "app=a=b|EXPECTED_COMMA",
        "app in (a,-b)|BAD_VALUE",
        "app is web|EXPECTED_OPERATOR",
        "app ! web|EXPECTED_OPERATOR",
        "replicas>2|UNSUPPORTED_OPERATOR",
        "app in a,b|EXPECTED_OPEN_PAREN",
        "app in (a,b|UNCLOSED_SET",
        "app in (a b)|EXPECTED_COMMA",
        "app in ()|EMPTY_SET",
        "app=web tier=db|EXPECTED_COMMA",
        "app=web)|EXPECTED_COMMA",
      })
  void malformedSelectorsSayWhatIsWrong(String text, Problem problem) {
    assertThat(malformed(text).problem()).isEqualTo(problem);
  }

  @Test
  void theProblemNamesTheTokenWhereItWentWrong() {
    assertThat(malformed("app=web,ti$r=db").near()).isEqualTo("ti$r");
    assertThat(malformed("app in (a,b").near()).isEmpty();
  }

  @Test
  void aSelectorLongerThanAnyoneTypesIsRefused() {
    assertThat(malformed("a=b," + "c=d,".repeat(300) + "e").problem()).isEqualTo(Problem.TOO_LONG);
  }
}
