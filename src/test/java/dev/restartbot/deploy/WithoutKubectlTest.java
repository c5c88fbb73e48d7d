package dev.restartbot.deploy;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.opentest4j.TestAbortedException;

/** What {@link KustomizationTest} does where kubectl is not on PATH: skip locally, fail in CI. */
class WithoutKubectlTest {

  @Test
  void aLocalRunSkipsTheDeployChecks() {
    assertThatThrownBy(() -> KustomizationTest.withoutKubectl(Map.of()))
        .isInstanceOf(TestAbortedException.class)
        .hasMessageContaining("kubectl is not on PATH");
    assertThatThrownBy(() -> KustomizationTest.withoutKubectl(Map.of("CI", "false")))
        .isInstanceOf(TestAbortedException.class);
  }

  @Test
  void aCiRunFailsInsteadOfSkipping() {
    assertThatThrownBy(() -> KustomizationTest.withoutKubectl(Map.of("CI", "true")))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("CI=true and kubectl is not on PATH")
        .hasMessageContaining(".ci/run installs kubectl");
  }

  @Test
  void aCiRunSkipsOnlyWhereCiRunFoundNoPackageForKubectl() {
    assertThatThrownBy(
            () ->
                KustomizationTest.withoutKubectl(
                    Map.of(
                        "CI", "true", KustomizationTest.NOT_INSTALLABLE, "no package offers it")))
        .isInstanceOf(TestAbortedException.class)
        .hasMessageContaining("kubectl cannot be installed here")
        .hasMessageContaining("no package offers it");
  }
}
