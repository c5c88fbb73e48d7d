package dev.restartbot.deploy;

import static dev.restartbot.deploy.KustomizationTest.NOT_INSTALLABLE;
import static dev.restartbot.deploy.KustomizationTest.whyWithoutKubectl;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** What {@link KustomizationTest} does where kubectl is not on PATH: skip locally, fail in CI. */
class WithoutKubectlTest {

  @Test
  void aLocalRunSkipsTheDeployChecksAndSaysWhy() {
    assertThat(whyWithoutKubectl(Map.of())).isEqualTo("kubectl is not on PATH");
    assertThat(whyWithoutKubectl(Map.of("CI", "false"))).isEqualTo("kubectl is not on PATH");
  }

  @Test
  void aCiRunFailsInsteadOfSkipping() {
    assertThatThrownBy(() -> whyWithoutKubectl(Map.of("CI", "true")))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("CI=true and kubectl is not on PATH")
        .hasMessageContaining(".ci/run installs kubectl");
  }

  @Test
  void aCiRunSkipsOnlyWhereCiRunFoundNoPackageForKubectl() {
    assertThat(whyWithoutKubectl(Map.of("CI", "true", NOT_INSTALLABLE, "no package offers it")))
        .isEqualTo(
            "kubectl cannot be installed here (KUBECTL_NOT_INSTALLABLE: no package offers it)");
  }
}
