package dev.restartbot.restart;

import dev.restartbot.policy.Actor;
import dev.restartbot.policy.ConversationKind;
import dev.restartbot.policy.Target;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** A parsed {@code /restart} command (or a Roll back click) and who sent it from where. */
public record Submission(
    Actor requester,
    String requesterName,
    String channelId,
    ConversationKind conversation,
    List<Target> targets,
    Optional<String> reason,
    RequestAction action) {

  public Submission {
    Objects.requireNonNull(conversation, "conversation");
    targets = List.copyOf(targets);
    action = Objects.requireNonNullElse(action, RequestAction.RESTART);
  }

  /** A restart, as {@code /restart} asks for. */
  public Submission(
      Actor requester,
      String requesterName,
      String channelId,
      ConversationKind conversation,
      List<Target> targets,
      Optional<String> reason) {
    this(requester, requesterName, channelId, conversation, targets, reason, RequestAction.RESTART);
  }

  /** The same submission for {@code others}: the targets a selector matched. */
  public Submission withTargets(List<Target> others) {
    return new Submission(
        requester, requesterName, channelId, conversation, others, reason, action);
  }
}
