package dev.restartbot.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.restartbot.testing.HostileInput.Seed;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** The generators replay: a seed printed by a failing run gives back the very same inputs. */
class HostileInputTest {

  private static final int INPUTS = 500;

  /** Every public generator, in turn, so that a replay covers all of them. */
  private static String oneOfEach(Random random) {
    return String.join(
        "|",
        HostileInput.commandText(random),
        HostileInput.token(random),
        HostileInput.flag(random),
        HostileInput.oddWord(random),
        HostileInput.validName(random),
        HostileInput.label(random, 63),
        HostileInput.anyString(random, 0, 40),
        String.join(" ", HostileInput.listOf(random, 0, 50, HostileInput::validName)));
  }

  private static List<String> drawn(Seed seed, Function<Random, String> generator) {
    List<String> inputs = new ArrayList<>();
    seed.forEachCase(INPUTS, generator, inputs::add);
    return inputs;
  }

  @Test
  void theSameSeedGivesTheSameSequenceOfInputs() {
    Seed seed = new Seed("replay", 20_251_130L);

    List<String> first = drawn(seed, HostileInputTest::oneOfEach);
    List<String> again = drawn(new Seed("replay again", seed.value()), HostileInputTest::oneOfEach);

    assertThat(again).hasSize(INPUTS).isEqualTo(first);
  }

  @Test
  void anotherSeedGivesAnotherSequence() {
    List<String> one = drawn(new Seed("one", 1L), HostileInputTest::oneOfEach);
    List<String> other = drawn(new Seed("other", 2L), HostileInputTest::oneOfEach);

    assertThat(other).isNotEqualTo(one);
    assertThat(one).doesNotHaveDuplicates();
  }

  @Test
  void theSeedPropertyFixesTheSeedOfARun() {
    String before = System.getProperty(HostileInput.SEED_PROPERTY);
    System.setProperty(HostileInput.SEED_PROPERTY, "42");
    try {
      Seed seed = Seed.named("fixed");

      assertThat(seed.value()).isEqualTo(42L);
      assertThat(seed).hasToString("seed=42 (replay with -Drestartbot.seed=42)");
    } finally {
      if (before == null) {
        System.clearProperty(HostileInput.SEED_PROPERTY);
      } else {
        System.setProperty(HostileInput.SEED_PROPERTY, before);
      }
    }
  }

  @Test
  void aFailureNamesTheCaseTheSeedAndTheInput() {
    Seed seed = new Seed("CommandParserPropertyTest.example", 7L);

    assertThatThrownBy(
            () ->
                seed.forEachCase(
                    10,
                    random -> "case\u0000" + random.nextInt(3),
                    input -> assertThat(input).doesNotEndWith("2")))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("CommandParserPropertyTest.example failed on case ")
        .hasMessageContaining("seed=7 (replay with -Drestartbot.seed=7)")
        .hasMessageContaining("input: \"case\\u00002\"");
  }
}
