package dev.restartbot.restart;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.APIResourceList;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.net.HttpURLConnection;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the bot knows of Argo Rollouts' {@code Rollout} ({@code argoproj.io/v1alpha1}): whether a
 * cluster serves it, the restart patch {@code kubectl argo rollouts restart} sends, and the fields
 * of a Rollout read as fabric8 generic resources (no model classes of Argo's own).
 *
 * <p>A restart sets {@code spec.restartAt}; the Rollout controller then replaces its pods without a
 * new revision, so the pod template is left alone (writing the attribution there would start a
 * second, full rollout, through every canary step). The request, its requester and its approver go
 * to the Rollout's own annotations instead, where the next restart overwrites them, just as it
 * overwrites {@code spec.restartAt}.
 */
final class ArgoRollouts {

  static final String GROUP = "argoproj.io";
  static final String VERSION = "v1alpha1";
  static final String API_VERSION = GROUP + "/" + VERSION;
  static final String PLURAL = "rollouts";
  static final String KIND = "Rollout";

  /** Where Rollouts are, for {@code client.genericKubernetesResources(...)}. */
  static final ResourceDefinitionContext CONTEXT =
      new ResourceDefinitionContext.Builder()
          .withGroup(GROUP)
          .withVersion(VERSION)
          .withPlural(PLURAL)
          .withKind(KIND)
          .withNamespaced(true)
          .build();

  /**
   * How long a cluster that serves Rollouts is believed to. One that does not is asked again each
   * time: someone may be installing Argo Rollouts right now, and a refusal is rare.
   */
  static final Duration REMEMBER_SERVED = Duration.ofMinutes(1);

  /** Turns a Rollout's pod template, a map in a generic resource, into fabric8's model. */
  private static final ObjectMapper MODEL =
      new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private final Clock clock;
  private final Map<String, Instant> servedUntil = new ConcurrentHashMap<>();

  ArgoRollouts(Clock clock) {
    this.clock = clock;
  }

  /**
   * Whether the API server of {@code cluster} serves {@code argoproj.io/v1alpha1} {@code rollouts},
   * from its discovery document.
   *
   * @throws KubernetesClientException when the API server cannot tell (it did not answer, or
   *     answered with an error other than "not found")
   */
  boolean served(String cluster, KubernetesClient client) {
    Instant now = clock.instant();
    Instant until = servedUntil.get(cluster);
    if (until != null && now.isBefore(until)) {
      return true;
    }
    APIResourceList resources;
    try {
      resources = client.getApiResources(API_VERSION);
    } catch (KubernetesClientException e) {
      if (e.getCode() != HttpURLConnection.HTTP_NOT_FOUND) {
        throw e;
      }
      resources = null;
    }
    boolean served =
        resources != null
            && resources.getResources() != null
            && resources.getResources().stream().anyMatch(r -> PLURAL.equals(r.getName()));
    if (served) {
      servedUntil.put(cluster, now.plus(REMEMBER_SERVED));
    } else {
      servedUntil.remove(cluster);
    }
    return served;
  }

  /**
   * The restart patch, a JSON merge patch as {@code kubectl argo rollouts restart} sends (a custom
   * resource knows no strategic merge), built as a JSON object so no id can inject JSON.
   */
  static String patchBody(
      ObjectMapper json, String restartedAt, Workloads.Attribution attribution) {
    ObjectNode patch = json.createObjectNode();
    patch
        .putObject("metadata")
        .putObject("annotations")
        .put(Workloads.REQUEST, attribution.requestId())
        .put(Workloads.REQUESTED_BY, attribution.requestedBy())
        .put(Workloads.APPROVED_BY, attribution.approvedBy());
    patch.putObject("spec").put("restartAt", restartedAt);
    return patch.toString();
  }

  static boolean isRollout(Object workload) {
    return workload instanceof GenericKubernetesResource g
        && KIND.equals(g.getKind())
        && g.getApiVersion() != null
        && g.getApiVersion().startsWith(GROUP + "/");
  }

  /** {@code spec.restartAt}: the restart last asked for, if any. */
  static Optional<String> restartAt(GenericKubernetesResource rollout) {
    return Optional.ofNullable(text(rollout.get("spec", "restartAt")));
  }

  static PodTemplateSpec template(GenericKubernetesResource rollout) {
    Object template = rollout.get("spec", "template");
    return template == null ? null : MODEL.convertValue(template, PodTemplateSpec.class);
  }

  /** An integer field of the Rollout, or {@code fallback} when it is absent. */
  static int integer(GenericKubernetesResource rollout, int fallback, String... path) {
    Object value = rollout.get((Object[]) path);
    if (value instanceof Number n) {
      return n.intValue();
    }
    if (value instanceof String s) {
      try {
        return Integer.parseInt(s);
      } catch (NumberFormatException e) {
        return fallback;
      }
    }
    return fallback;
  }

  /**
   * {@code status.observedGeneration}, which Argo Rollouts writes as a string; empty when absent or
   * not a number (older controllers wrote a hash), and then nothing can be told from it.
   */
  static Optional<Long> observedGeneration(GenericKubernetesResource rollout) {
    Object value = rollout.get("status", "observedGeneration");
    if (value instanceof Number n) {
      return Optional.of(n.longValue());
    }
    if (value instanceof String s) {
      try {
        return Optional.of(Long.parseLong(s));
      } catch (NumberFormatException e) {
        return Optional.empty();
      }
    }
    return Optional.empty();
  }

  static String text(Object value) {
    return value == null ? null : value.toString();
  }

  /** An RFC 3339 time, or empty when it is absent or unreadable. */
  static Optional<Instant> time(Object value) {
    if (value == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(Instant.parse(value.toString()));
    } catch (DateTimeParseException e) {
      return Optional.empty();
    }
  }
}
