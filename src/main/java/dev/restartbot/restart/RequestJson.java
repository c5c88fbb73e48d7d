package dev.restartbot.restart;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.restartbot.policy.Actor;
import dev.restartbot.policy.ConversationKind;
import dev.restartbot.policy.Target;
import dev.restartbot.policy.WorkloadKind;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The JSON form of a {@link RestartRequest} as the cluster store keeps it.
 *
 * <p>The tree is built by hand rather than by data binding: the domain records stay free of Jackson
 * annotations, the stored format does not shift with whatever features the injected {@link
 * ObjectMapper} has, and a renamed Java field cannot silently orphan stored requests. Instants and
 * durations are ISO-8601 strings (nanosecond precision survives); absent optionals are omitted;
 * each {@link Outcome} carries its record's simple name in {@code type}.
 */
final class RequestJson {

  /** Bumped when the format changes in a way an older reader would misread. */
  static final int SCHEMA = 1;

  /**
   * The schema of a roll back: a reader that knows only {@link #SCHEMA} refuses it (and holds its
   * target as busy) rather than run it as a restart. Restarts keep {@link #SCHEMA}, so that older
   * replicas still read them during an upgrade.
   */
  static final int ROLLBACK_SCHEMA = 2;

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final ObjectMapper json;
  private final String legacyCluster;

  RequestJson(ObjectMapper json) {
    this(json, Target.DEFAULT_CLUSTER);
  }

  /**
   * @param legacyCluster the cluster of a stored target that names none: it was stored by a bot of
   *     one cluster, which is now the default cluster
   */
  RequestJson(ObjectMapper json, String legacyCluster) {
    this.json = json;
    this.legacyCluster = legacyCluster;
  }

  String write(RestartRequest r) {
    try {
      return json.writeValueAsString(toTree(r));
    } catch (JsonProcessingException e) {
      // A tree of strings, numbers and booleans always serialises; this would be a Jackson bug.
      throw new IllegalStateException("cannot serialise request " + r.id(), e);
    }
  }

  /**
   * Decodes a stored request.
   *
   * @throws IllegalArgumentException when the text is not JSON or not a request of this schema
   */
  RestartRequest read(String text) {
    JsonNode root;
    try {
      root = json.readTree(text);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException("not a JSON object");
    }
    int schema = root.path("schema").asInt(-1);
    if (schema != SCHEMA && schema != ROLLBACK_SCHEMA) {
      throw new IllegalArgumentException("unknown schema " + root.path("schema"));
    }
    try {
      return fromTree(root, legacyCluster);
    } catch (RuntimeException e) {
      // Wrong types, unknown enum names, bad timestamps: all mean "not a request we can read".
      throw new IllegalArgumentException("malformed request: " + e.getMessage(), e);
    }
  }

  private static ObjectNode toTree(RestartRequest r) {
    ObjectNode o = NODES.objectNode();
    o.put("schema", r.isRollback() ? ROLLBACK_SCHEMA : SCHEMA);
    if (r.isRollback()) {
      o.put("action", r.action().name());
    }
    o.put("id", r.id());
    o.put("state", r.state().name());
    ObjectNode requester = o.putObject("requester");
    requester.put("userId", r.requester().userId());
    requester.put("guest", r.requester().guest());
    requester.put("external", r.requester().external());
    o.put("requesterName", r.asked().requesterName());
    o.put("channelId", r.channelId());
    o.put("conversation", r.conversation().name());
    ArrayNode targets = o.putArray("targets");
    for (Target t : r.targets()) {
      ObjectNode each = target(t);
      Long generation = r.asked().generations().get(t);
      if (generation != null) {
        each.put("generation", generation);
      }
      targets.add(each);
    }
    o.put("approvalsNeeded", r.approvalsNeeded());
    ArrayNode approvals = o.putArray("approvals");
    for (RestartRequest.Decision a : r.approvals()) {
      ObjectNode each = approvals.addObject();
      each.put("by", a.by().id());
      if (a.by() instanceof Decider.Person p) {
        each.put("name", p.name());
      }
      putInstant(each, "at", a.at());
    }
    r.reason().ifPresent(v -> o.put("reason", v));
    o.put("approvalRequired", r.approvalRequired());
    putInstant(o, "createdAt", r.createdAt());
    putInstant(o, "expiresAt", r.expiresAt());
    r.decision()
        .ifPresent(
            d -> {
              o.put("decidedBy", d.by().id());
              if (d.by() instanceof Decider.Person p) {
                o.put("decidedByName", p.name());
              }
              putInstant(o, "decidedAt", d.at());
            });
    r.messageTs().ifPresent(v -> o.put("messageTs", v));
    ArrayNode results = o.putArray("results");
    for (TargetResult result : r.results()) {
      ObjectNode each = results.addObject();
      each.set("target", target(result.target()));
      each.set("outcome", outcome(result.outcome()));
      putDuration(each, "took", result.took());
    }
    r.finishedAt().ifPresent(v -> putInstant(o, "finishedAt", v));
    r.abort()
        .ifPresent(
            a -> {
              o.put("abortedBy", a.by().id());
              if (a.by() instanceof Decider.Person p) {
                o.put("abortedByName", p.name());
              }
              putInstant(o, "abortedAt", a.at());
            });
    return o;
  }

  private static RestartRequest fromTree(JsonNode o, String legacyCluster) {
    JsonNode requester = required(o, "requester");
    List<Target> targets = new ArrayList<>();
    Map<Target, Long> generations = new HashMap<>();
    for (JsonNode t : array(o, "targets")) {
      Target target = target(t, legacyCluster);
      targets.add(target);
      // Kept since approvals were bound to what was shown; older requests have none.
      if (t.hasNonNull("generation")) {
        generations.put(target, required(t, "generation").asLong());
      }
    }
    List<RestartRequest.Decision> approvals = new ArrayList<>();
    for (JsonNode a : array(o, "approvals")) {
      approvals.add(
          new RestartRequest.Decision(
              new Decider.Person(text(a, "by"), nullableText(a, "name")), instant(a, "at")));
    }
    List<TargetResult> results = new ArrayList<>();
    for (JsonNode each : array(o, "results")) {
      results.add(
          new TargetResult(
              target(required(each, "target"), legacyCluster),
              outcome(required(each, "outcome"), legacyCluster),
              duration(each, "took")));
    }
    Instant createdAt = instant(o, "createdAt");
    String channelId = nullableText(o, "channelId");
    Optional<RestartRequest.Decision> decision =
        optionalText(o, "decidedBy")
            .map(
                id ->
                    new RestartRequest.Decision(
                        Decider.ByPolicy.ID.equals(id)
                            ? new Decider.ByPolicy()
                            : new Decider.Person(id, nullableText(o, "decidedByName")),
                        optionalText(o, "decidedAt").map(Instant::parse).orElse(createdAt)));
    return new RestartRequest(
        text(o, "id"),
        RequestState.valueOf(text(o, "state")),
        new RestartRequest.Ask(
            new Actor(
                text(requester, "userId"), bool(requester, "guest"), bool(requester, "external")),
            nullableText(o, "requesterName"),
            channelId,
            // Stored since the kind mattered; older requests have only the channel id to go by.
            optionalText(o, "conversation")
                .map(ConversationKind::valueOf)
                .orElseGet(() -> ConversationKind.fromChannelId(channelId)),
            targets,
            optionalText(o, "reason"),
            bool(o, "approvalRequired"),
            createdAt,
            instant(o, "expiresAt"),
            o.hasNonNull("approvalsNeeded") ? required(o, "approvalsNeeded").asInt() : 1,
            generations,
            // Only roll backs say; a request without an action is a restart.
            optionalText(o, "action").map(RequestAction::valueOf).orElse(RequestAction.RESTART)),
        optionalText(o, "messageTs"),
        decision,
        results,
        optionalText(o, "finishedAt").map(Instant::parse),
        approvals,
        // Stored since a run could be aborted; older requests have none.
        optionalText(o, "abortedBy")
            .map(
                id ->
                    new RestartRequest.Decision(
                        new Decider.Person(id, nullableText(o, "abortedByName")),
                        optionalText(o, "abortedAt").map(Instant::parse).orElse(createdAt))));
  }

  private static ObjectNode target(Target t) {
    ObjectNode o = NODES.objectNode();
    o.put("cluster", t.cluster());
    o.put("kind", t.kind().name());
    o.put("namespace", t.namespace());
    o.put("name", t.name());
    return o;
  }

  private static Target target(JsonNode o, String legacyCluster) {
    return new Target(
        optionalText(o, "cluster").orElse(legacyCluster),
        WorkloadKind.valueOf(text(o, "kind")),
        text(o, "namespace"),
        text(o, "name"));
  }

  // Java 17 has no pattern matching for switch; the test checks that every permitted subtype of
  // Outcome round-trips, so a new outcome that is not handled here fails the build.
  private static ObjectNode outcome(Outcome outcome) {
    ObjectNode o = NODES.objectNode();
    o.put("type", outcome.getClass().getSimpleName());
    if (outcome instanceof Outcome.Restarted x) {
      o.put("restartedAt", x.restartedAt());
      o.put("generation", x.generation());
      o.put("uid", x.uid());
    } else if (outcome instanceof Outcome.RolledOut x) {
      o.put("restartedAt", x.restartedAt());
      o.put("status", x.status());
    } else if (outcome instanceof Outcome.OnDelete x) {
      o.put("restartedAt", x.restartedAt());
      o.put("status", x.status());
    } else if (outcome instanceof Outcome.RolloutFailed x) {
      o.put("message", x.message());
    } else if (outcome instanceof Outcome.TimedOut x) {
      putDuration(o, "after", x.after());
      o.put("lastStatus", x.lastStatus());
    } else if (outcome instanceof Outcome.NotFound) {
      // no fields
    } else if (outcome instanceof Outcome.Forbidden x) {
      o.put("message", x.message());
    } else if (outcome instanceof Outcome.Paused) {
      // no fields
    } else if (outcome instanceof Outcome.Error x) {
      o.put("message", x.message());
    } else if (outcome instanceof Outcome.Skipped x) {
      skipReason(o, x.reason());
    } else if (outcome instanceof Outcome.Unexpected) {
      // no fields
    } else {
      throw new IllegalArgumentException("no JSON form for outcome " + outcome.getClass());
    }
    return o;
  }

  private static Outcome outcome(JsonNode o, String legacyCluster) {
    String type = text(o, "type");
    return switch (type) {
      case "Restarted" ->
          new Outcome.Restarted(
              nullableText(o, "restartedAt"),
              required(o, "generation").asLong(),
              nullableText(o, "uid"));
      case "RolledOut" ->
          new Outcome.RolledOut(nullableText(o, "restartedAt"), nullableText(o, "status"));
      case "OnDelete" ->
          new Outcome.OnDelete(nullableText(o, "restartedAt"), nullableText(o, "status"));
      case "RolloutFailed" -> new Outcome.RolloutFailed(nullableText(o, "message"));
      case "TimedOut" ->
          new Outcome.TimedOut(
              o.hasNonNull("after") ? duration(o, "after") : null, nullableText(o, "lastStatus"));
      case "NotFound" -> new Outcome.NotFound();
      case "Forbidden" -> new Outcome.Forbidden(nullableText(o, "message"));
      case "Paused" -> new Outcome.Paused();
      case "Error" -> new Outcome.Error(nullableText(o, "message"));
      case "Skipped" -> new Outcome.Skipped(skipReason(o, legacyCluster));
      case "Unexpected" -> new Outcome.Unexpected();
      default -> throw new IllegalArgumentException("unknown outcome type " + type);
    };
  }

  private static void skipReason(ObjectNode o, Outcome.SkipReason reason) {
    o.put("skip", reason.getClass().getSimpleName());
    if (reason instanceof Outcome.SkipReason.EarlierFailed e) {
      e.failed().ifPresent(t -> o.set("failed", target(t)));
    } else if (reason instanceof Outcome.SkipReason.StoreUnreachable u) {
      o.put("error", u.error());
    } else if (reason instanceof Outcome.SkipReason.Aborted a) {
      o.put("by", a.by().userId());
      o.put("name", a.by().name());
    } else if (!(reason instanceof Outcome.SkipReason.ShutDown)) {
      throw new IllegalArgumentException("no JSON form for skip reason " + reason.getClass());
    }
  }

  /**
   * A skip reason; a request stored before reasons had a type holds a sentence in {@code reason}
   * instead, and reads back as the reason that sentence gave.
   */
  private static Outcome.SkipReason skipReason(JsonNode o, String legacyCluster) {
    if (!o.hasNonNull("skip")) {
      String legacy = nullableText(o, "reason");
      return legacy != null && legacy.startsWith("not started: the request store")
          ? new Outcome.SkipReason.StoreUnreachable(legacy)
          : new Outcome.SkipReason.EarlierFailed(Optional.empty());
    }
    String skip = text(o, "skip");
    return switch (skip) {
      case "EarlierFailed" ->
          new Outcome.SkipReason.EarlierFailed(
              o.hasNonNull("failed")
                  ? Optional.of(target(o.get("failed"), legacyCluster))
                  : Optional.empty());
      case "StoreUnreachable" -> new Outcome.SkipReason.StoreUnreachable(nullableText(o, "error"));
      case "ShutDown" -> new Outcome.SkipReason.ShutDown();
      case "Aborted" ->
          new Outcome.SkipReason.Aborted(
              new Decider.Person(text(o, "by"), nullableText(o, "name")));
      default -> throw new IllegalArgumentException("unknown skip reason " + skip);
    };
  }

  private static void putInstant(ObjectNode o, String field, Instant value) {
    if (value != null) {
      o.put(field, value.toString());
    }
  }

  private static void putDuration(ObjectNode o, String field, Duration value) {
    if (value != null) {
      o.put(field, value.toString());
    }
  }

  private static JsonNode required(JsonNode o, String field) {
    JsonNode value = o.get(field);
    if (value == null || value.isNull()) {
      throw new IllegalArgumentException("missing " + field);
    }
    return value;
  }

  private static String text(JsonNode o, String field) {
    JsonNode value = required(o, field);
    if (!value.isTextual()) {
      throw new IllegalArgumentException(field + " is not a string");
    }
    return value.asText();
  }

  private static String nullableText(JsonNode o, String field) {
    return o.hasNonNull(field) ? text(o, field) : null;
  }

  private static Optional<String> optionalText(JsonNode o, String field) {
    return Optional.ofNullable(nullableText(o, field));
  }

  private static boolean bool(JsonNode o, String field) {
    JsonNode value = required(o, field);
    if (!value.isBoolean()) {
      throw new IllegalArgumentException(field + " is not a boolean");
    }
    return value.asBoolean();
  }

  private static Instant instant(JsonNode o, String field) {
    return o.hasNonNull(field) ? Instant.parse(text(o, field)) : null;
  }

  private static Duration duration(JsonNode o, String field) {
    return o.hasNonNull(field) ? Duration.parse(text(o, field)) : null;
  }

  private static Iterable<JsonNode> array(JsonNode o, String field) {
    JsonNode value = o.get(field);
    if (value == null || value.isNull()) {
      return List.of();
    }
    if (!value.isArray()) {
      throw new IllegalArgumentException(field + " is not an array");
    }
    return value;
  }
}
