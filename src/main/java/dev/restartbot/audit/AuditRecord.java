package dev.restartbot.audit;

import java.util.List;
import java.util.Objects;

/**
 * One step of one request: who did what to which targets, and how it came out.
 *
 * @param requestId empty for steps refused before a request existed
 * @param actor the Slack user id that acted, or {@code policy} / {@code system}
 * @param targets {@code namespace/kind/name} of each target concerned, after its cluster ({@code
 *     eu-prod/namespace/kind/name}) when the cluster is named in {@code restart.clusters}
 * @param outcome a short word ({@code ok}, {@code restarted}, {@code forbidden}, …)
 * @param detail free text for people: the refusal reason, the API message
 */
public record AuditRecord(
    String requestId,
    String actor,
    AuditAction action,
    List<String> targets,
    String outcome,
    String detail) {

  public AuditRecord {
    requestId = Objects.requireNonNullElse(requestId, "");
    actor = Objects.requireNonNullElse(actor, "");
    Objects.requireNonNull(action, "action");
    targets = List.copyOf(targets);
    outcome = Objects.requireNonNullElse(outcome, "");
    detail = Objects.requireNonNullElse(detail, "");
  }
}
