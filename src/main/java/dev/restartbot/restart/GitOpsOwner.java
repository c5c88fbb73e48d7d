package dev.restartbot.restart;

import java.util.Map;
import java.util.Optional;

/**
 * The GitOps tool that manages a workload, found from the labels and annotations it sets: Git, not
 * the restart, then defines what runs (DESIGN.md §7.2).
 */
public sealed interface GitOpsOwner {

  String ARGO_INSTANCE = "argocd.argoproj.io/instance";
  String ARGO_TRACKING_ID = "argocd.argoproj.io/tracking-id";
  String FLUX_KUSTOMIZATION = "kustomize.toolkit.fluxcd.io/";
  String FLUX_HELM = "helm.toolkit.fluxcd.io/";

  /** An Argo CD application. */
  record ArgoCd(String app) implements GitOpsOwner {}

  /** A Flux Kustomization. */
  record FluxKustomization(String namespace, String name) implements GitOpsOwner {}

  /** A Flux HelmRelease. */
  record FluxHelmRelease(String namespace, String name) implements GitOpsOwner {}

  /**
   * The owner the workload's metadata names, if any. Argo CD's tracking id reads {@code
   * app:group/kind:namespace/name} (the app may be {@code namespace_app}); its app comes first.
   */
  static Optional<GitOpsOwner> of(Map<String, String> labels, Map<String, String> annotations) {
    Map<String, String> l = labels == null ? Map.of() : labels;
    Map<String, String> a = annotations == null ? Map.of() : annotations;
    String instance = l.get(ARGO_INSTANCE);
    if (instance != null && !instance.isBlank()) {
      return Optional.of(new ArgoCd(instance));
    }
    String tracking = a.get(ARGO_TRACKING_ID);
    if (tracking != null && !tracking.isBlank()) {
      int colon = tracking.indexOf(':');
      return Optional.of(new ArgoCd(colon > 0 ? tracking.substring(0, colon) : tracking));
    }
    String kustomization = l.get(FLUX_KUSTOMIZATION + "name");
    if (kustomization != null && !kustomization.isBlank()) {
      return Optional.of(
          new FluxKustomization(
              l.getOrDefault(FLUX_KUSTOMIZATION + "namespace", ""), kustomization));
    }
    String release = l.get(FLUX_HELM + "name");
    if (release != null && !release.isBlank()) {
      return Optional.of(new FluxHelmRelease(l.getOrDefault(FLUX_HELM + "namespace", ""), release));
    }
    return Optional.empty();
  }
}
