package dev.restartbot.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.restartbot.e2e.PromQl.Selector;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PromQlTest {

  @Test
  void findsEverySelectorWithTheLabelsItMatchesOn() {
    PromQl q =
        PromQl.parse(
            "sum(increase(a_total{outcome=~\"x|y\", kind!=\"z\"}[30m])) / sum(increase(b_total[30m]))"
                + " > 0.25");

    assertThat(q.selectors())
        .containsExactlyInAnyOrder(
            new Selector("a_total", Set.of("outcome", "kind")), new Selector("b_total", Set.of()));
    assertThat(q.groupedBy()).isEmpty();
  }

  @Test
  void groupingLabelsAreLabelsNotMetrics() {
    PromQl q =
        PromQl.parse(
            "histogram_quantile(0.95, sum by (le, kind) (rate(d_seconds_bucket[$__rate_interval])))");

    assertThat(q.selectors()).containsExactly(new Selector("d_seconds_bucket", Set.of()));
    assertThat(q.groupedBy()).containsExactlyInAnyOrder("le", "kind");
  }

  @Test
  void keywordsNumbersAndStringsAreNotMetrics() {
    PromQl q =
        PromQl.parse(
            "ready{namespace=\"restart-bot\"} < 1 or absent(up{job=\"restart-bot\"} == 1e3)"
                + " unless on (pod) bool g offset 5m");

    assertThat(q.selectors())
        .extracting(Selector::metric)
        .containsExactlyInAnyOrder("ready", "up", "g");
    assertThat(q.groupedBy()).containsExactly("pod");
  }

  @Test
  void aSelectorWithoutANameIsRefused() {
    assertThatThrownBy(() -> PromQl.parse("sum({__name__=~\"restartbot_.*\"})"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
