package dev.restartbot.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quarkus.arc.profile.UnlessBuildProfile;
import io.quarkus.arc.properties.IfBuildProperty;
import jakarta.inject.Singleton;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The views of the sandbox's people, as Slack keeps them: each person's stack of open modals and
 * their Home tab. The fake Web API writes them ({@link SlackWebApiFake.Views}); the page reads them
 * and plays the person's side: it asks for trigger ids here, as Slack hands one out with each
 * command, shortcut or click, and tells what the bot answered a submission, which Slack applies to
 * the modal. Each change bumps {@link #version()}, so the page redraws only when something moved.
 *
 * <p>As Slack does, {@code views.open} takes only a trigger id it handed out, once; {@code
 * views.update} only a view that is open; {@code views.push} at most {@value #STACK} modals deep.
 * Unlike Slack, a trigger id does not expire after three seconds: a bot paused in a debugger could
 * never open its modal.
 */
@Singleton
@IfBuildProperty(name = "restart.sandbox.enabled", stringValue = "true")
@UnlessBuildProfile("prod")
public class SandboxViews implements SlackWebApiFake.Views {

  /** How many modals Slack stacks. */
  static final int STACK = 3;

  /** Trigger ids handed out and not yet used; the oldest are forgotten first. */
  static final int TRIGGERS = 1_000;

  /** What a person sees of their views now: the top modal, or null; the Home tab, or null. */
  public record Surfaces(long version, JsonNode modal, JsonNode home) {}

  /** What the bot answered to a submission, as Slack applied it. */
  public enum Applied {
    /** {@code response_action: errors}: the modal stays, its fields show the errors. */
    ERRORS,
    /** {@code update} or {@code push}: the modal shows the new view. */
    REPLACED,
    /** An empty answer or {@code clear}: the modal (or all of them) closed. */
    CLOSED
  }

  private final Map<String, String> triggers =
      new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
          return size() > TRIGGERS;
        }
      };

  private final Map<String, Deque<ObjectNode>> modals = new HashMap<>();
  private final Map<String, ObjectNode> homes = new HashMap<>();
  private long version;
  private long triggered;

  /** A trigger id for something {@code userId} does now, shaped as Slack's. */
  public synchronized String trigger(String userId) {
    String id = "%d.%d.%s".formatted(++triggered, System.currentTimeMillis(), hex());
    triggers.put(id, userId);
    return id;
  }

  public synchronized Surfaces of(String userId) {
    Deque<ObjectNode> stack = modals.get(userId);
    JsonNode modal = stack == null || stack.isEmpty() ? null : stack.peek().deepCopy();
    ObjectNode home = homes.get(userId);
    return new Surfaces(version, modal, home == null ? null : home.deepCopy());
  }

  public synchronized long version() {
    return version;
  }

  @Override
  public synchronized String keep(SlackWebApiFake.ViewCall call, ObjectNode view) {
    return switch (call.method()) {
      case "views.open" -> open(call.triggerId(), view, false);
      case "views.push" -> open(call.triggerId(), view, true);
      case "views.update" -> update(call.viewId(), view);
      case "views.publish" -> publish(call.userId(), view);
      default -> "unknown_method";
    };
  }

  private String open(String triggerId, ObjectNode view, boolean push) {
    if (triggerId == null || triggerId.isBlank()) {
      return "invalid_arguments";
    }
    String userId = triggers.remove(triggerId);
    if (userId == null) {
      // Handed out and used already, or never handed out: Slack tells these apart, the bot need
      // not.
      return "invalid_trigger_id";
    }
    if (!"modal".equals(view.path("type").asText())) {
      return "invalid_arguments";
    }
    Deque<ObjectNode> stack = modals.computeIfAbsent(userId, u -> new ArrayDeque<>());
    if (push && stack.size() >= STACK) {
      return "push_limit_reached";
    }
    if (!push) {
      stack.clear();
    }
    view.put("id", SlackWebApiFake.newViewId());
    stack.push(view.deepCopy());
    version++;
    return null;
  }

  private String update(String viewId, ObjectNode view) {
    if (viewId == null || viewId.isBlank()) {
      return "invalid_arguments";
    }
    Optional<ObjectNode> shown =
        Stream.concat(modals.values().stream().flatMap(Deque::stream), homes.values().stream())
            .filter(open -> open.path("id").asText().equals(viewId))
            .findFirst();
    if (shown.isEmpty()) {
      return "not_found";
    }
    view.put("id", viewId);
    shown.get().removeAll();
    shown.get().setAll(view.deepCopy());
    version++;
    return null;
  }

  private String publish(String userId, ObjectNode view) {
    if (userId == null || SandboxWorkspace.person(userId).isEmpty()) {
      return "user_not_found";
    }
    if (!"home".equals(view.path("type").asText())) {
      return "invalid_arguments";
    }
    ObjectNode before = homes.get(userId);
    // A person's Home tab keeps its id from one publish to the next, as Slack's does.
    view.put("id", before == null ? SlackWebApiFake.newViewId() : before.path("id").asText());
    homes.put(userId, view.deepCopy());
    version++;
    return null;
  }

  /**
   * Applies the bot's answer to {@code userId}'s submission of their open modal {@code viewId}, as
   * Slack does; empty when that modal is not open. The answer is held to Slack's limits first: an
   * answer Slack would refuse changes nothing (the modal shows that something went wrong) and comes
   * back as the breaches.
   */
  public synchronized Optional<Answered> answer(String userId, String viewId, JsonNode answer) {
    Deque<ObjectNode> stack = modals.get(userId);
    if (stack == null || stack.isEmpty() || !stack.peek().path("id").asText().equals(viewId)) {
      return Optional.empty();
    }
    String action = answer.path("response_action").asText("");
    List<String> refused =
        switch (action) {
          case "update", "push" ->
              answer.path("view").isObject()
                  ? BlockLimits.viewBreaches(answer.path("view"), "/view")
                  : List.of("a view is required with response_action " + action);
          case "errors" -> errorsBreaches(stack.peek(), answer.path("errors"));
          case "", "clear" -> List.of();
          default -> List.of("unknown response_action: " + action);
        };
    if (!refused.isEmpty()) {
      return Optional.of(new Answered(null, refused));
    }
    Applied applied;
    switch (action) {
      case "errors" -> applied = Applied.ERRORS;
      case "update" -> {
        ObjectNode next = ((ObjectNode) answer.path("view")).deepCopy();
        next.put("id", viewId);
        stack.pop();
        stack.push(next);
        applied = Applied.REPLACED;
      }
      case "push" -> {
        if (stack.size() >= STACK) {
          return Optional.of(new Answered(null, List.of("push_limit_reached")));
        }
        ObjectNode next = ((ObjectNode) answer.path("view")).deepCopy();
        next.put("id", SlackWebApiFake.newViewId());
        stack.push(next);
        applied = Applied.REPLACED;
      }
      case "clear" -> {
        stack.clear();
        applied = Applied.CLOSED;
      }
      default -> {
        stack.pop();
        applied = Applied.CLOSED;
      }
    }
    if (applied != Applied.ERRORS) {
      version++;
    }
    return Optional.of(new Answered(applied, List.of()));
  }

  /**
   * How Slack took an answer to a submission.
   *
   * @param applied what it did, or null when it refused the answer
   * @param refused why it refused it (Slack's error lines), or empty
   */
  public record Answered(Applied applied, List<String> refused) {}

  /** Closes {@code userId}'s top modal (its Cancel button); false when it is not open. */
  public synchronized boolean close(String userId, String viewId) {
    Deque<ObjectNode> stack = modals.get(userId);
    if (stack == null || stack.isEmpty() || !stack.peek().path("id").asText().equals(viewId)) {
      return false;
    }
    stack.pop();
    version++;
    return true;
  }

  /**
   * Slack takes {@code response_action: errors} only with texts of at most 2,000 characters, each
   * on an input block of the modal.
   */
  private static List<String> errorsBreaches(JsonNode view, JsonNode errors) {
    if (!errors.isObject() || errors.isEmpty()) {
      return List.of("errors must be an object of block ids and texts [json-pointer:/errors]");
    }
    List<String> breaches = new ArrayList<>();
    for (Map.Entry<String, JsonNode> error : errors.properties()) {
      boolean input = false;
      for (JsonNode block : view.path("blocks")) {
        input |=
            "input".equals(block.path("type").asText())
                && error.getKey().equals(block.path("block_id").asText());
      }
      String at = "[json-pointer:/errors/%s]".formatted(error.getKey());
      if (!input) {
        breaches.add("no input block has this block_id " + at);
      }
      String text = error.getValue().asText("");
      if (!error.getValue().isTextual() || text.isEmpty()) {
        breaches.add("must be more than 0 characters " + at);
      } else if (text.codePointCount(0, text.length()) > BlockLimits.INPUT_HINT) {
        breaches.add(
            "must be less than %d characters %s".formatted(BlockLimits.INPUT_HINT + 1, at));
      }
    }
    return breaches;
  }

  private static String hex() {
    return SlackWebApiFake.randomHex(8);
  }
}
