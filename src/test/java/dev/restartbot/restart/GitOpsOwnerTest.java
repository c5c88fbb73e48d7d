package dev.restartbot.restart;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class GitOpsOwnerTest {

  @Test
  void argoCdInstanceLabelNamesTheApp() {
    assertThat(GitOpsOwner.of(Map.of("argocd.argoproj.io/instance", "payments"), Map.of()))
        .contains(new GitOpsOwner.ArgoCd("payments"));
  }

  @Test
  void argoCdTrackingIdNamesTheAppBeforeItsColon() {
    assertThat(
            GitOpsOwner.of(
                Map.of(),
                Map.of(
                    "argocd.argoproj.io/tracking-id",
                    "payments:apps/Deployment:payments/payments-api")))
        .contains(new GitOpsOwner.ArgoCd("payments"));
  }

  @Test
  void fluxLabelsNameTheKustomizationOrTheHelmRelease() {
    assertThat(
            GitOpsOwner.of(
                Map.of(
                    "kustomize.toolkit.fluxcd.io/name", "apps",
                    "kustomize.toolkit.fluxcd.io/namespace", "flux-system"),
                null))
        .contains(new GitOpsOwner.FluxKustomization("flux-system", "apps"));
    assertThat(
            GitOpsOwner.of(
                Map.of(
                    "helm.toolkit.fluxcd.io/name", "payments",
                    "helm.toolkit.fluxcd.io/namespace", "payments"),
                Map.of()))
        .contains(new GitOpsOwner.FluxHelmRelease("payments", "payments"));
  }

  @Test
  void aWorkloadWithoutThoseLabelsHasNoOwner() {
    assertThat(GitOpsOwner.of(Map.of("app", "payments-api"), Map.of("a", "b"))).isEmpty();
    assertThat(GitOpsOwner.of(null, null)).isEmpty();
  }
}
